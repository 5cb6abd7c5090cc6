"""`plait init vectors`: turn a word2vec / fastText file into a pipeline folder.

The folder (config.cfg, meta.json, vocab/ with vocab/vectors/) loads with
``plait.load`` and is what ``[initialize] vectors`` expects.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click

from ._options import verbose_option


def init_vectors(lang: str, vectors_path: str | Path, output_dir: str | Path, *, prune: int = -1,
                 truncate: int = 0, name: str | None = None, mode: str = "default",
                 progress: bool = True, stdout: IO = sys.stdout, stderr: IO = sys.stderr) -> Any:
    """Read a vectors file into a blank pipeline of lang and save it.

    lang (str): language code of the pipeline ("en").
    vectors_path (str | Path): word2vec/fastText text (.txt, .vec, .gz) or binary (.bin) file.
    output_dir (str | Path): the pipeline folder to write.
    prune (int): keep this many rows (the first ones: the most frequent) and map
        the other words to their nearest kept row; -1 keeps all.
    truncate (int): read only the first N rows (0: all).
    name (str | None): the vectors' name (meta.json "vectors").
    mode (str): "default" (the only mode).
    progress (bool): progress bar on stderr while reading.
    RETURNS (Language): the pipeline.
    """
    from ..errors import UsageError
    from ..language import get_lang_class
    from ..vectors import Vectors
    from ..vectors_read import read_vectors

    if mode != "default":
        raise UsageError(f"--mode {mode!r}: plait supports only --mode default (a row per word).")
    if prune == 0 or prune < -1:
        raise UsageError(f"--prune {prune}: give a positive number of rows to keep, or -1 to keep all.")
    if truncate < 0:
        raise UsageError(f"--truncate {truncate}: give a positive number of rows, or 0 for all.")
    words, table = read_vectors(vectors_path, truncate=truncate, progress=progress, stderr=stderr)
    nlp = get_lang_class(lang)()
    strings = nlp.vocab.strings
    keys = strings.hashes(words)
    for word in words:
        strings.add(word)
    vectors = Vectors(data=table, strings=strings, name=name or f"{lang}_{Path(vectors_path).name.split('.')[0]}")
    # Duplicate words keep their first row, as word2vec readers do.
    seen: set[int] = set()
    for row, key in enumerate(keys.tolist()):
        if key not in seen:
            seen.add(key)
            vectors.key2row[key] = row
    vectors._unset_rows = []  # every row has its word
    vectors._used = None
    n_pruned = 0
    if prune > 0 and prune < table.shape[0]:
        n_pruned = len(vectors.prune(prune))
    nlp.vocab.vectors = vectors
    nlp.meta["vectors"] = {"width": vectors.shape[1], "vectors": vectors.shape[0],
                           "keys": vectors.n_keys, "name": vectors.name, "mode": mode}
    nlp.to_disk(output_dir)
    stdout.write(f"Saved {vectors.n_keys} keys and {vectors.shape[0]} vectors of width {vectors.shape[1]}"
                 f"{f' ({n_pruned} words mapped to their nearest kept row)' if n_pruned else ''} "
                 f"to {output_dir}\n")
    return nlp


@click.command("vectors", short_help="Create a pipeline folder holding word vectors.")
@click.argument("lang", type=str)
@click.argument("vectors_loc", type=click.Path(exists=True, dir_okay=False))
@click.argument("output_dir", type=click.Path(file_okay=False))
@click.option("--prune", "-p", type=int, default=-1, show_default=True,
              help="Keep this many rows (the most frequent) and map the rest to their nearest kept row; -1: all.")
@click.option("--truncate", "-t", type=int, default=0, show_default=True,
              help="Read only the first N rows of the file (0: all).")
@click.option("--name", "-n", type=str, default=None, help="Name of the vectors (meta.json).")
@click.option("--mode", "-m", type=click.Choice(["default"]), default="default", show_default=True,
              help="Vectors mode; plait has a row per word only.")
@verbose_option
def init_vectors_cli(lang: str, vectors_loc: str, output_dir: str, prune: int, truncate: int,
                     name: str | None, mode: str, verbose: bool) -> None:
    """Read the word2vec/fastText file VECTORS_LOC (text .txt/.vec/.gz or binary .bin)
    into a blank LANG pipeline saved to OUTPUT_DIR, for `[initialize] vectors`."""
    init_vectors(lang, vectors_loc, output_dir, prune=prune, truncate=truncate, name=name, mode=mode)
