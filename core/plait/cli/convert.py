"""`plait convert`: turn CoNLL-U, CoNLL/IOB or JSONL files into `.plait` corpora.

The formats themselves live in converters registered under the
``plait_converters`` entry-point group (plait-readers provides ``conllu``,
``iob``, ``ner``, ``jsonl`` and ``json``); this command picks one by file
extension, streams the documents into a DocBin (or JSON records) and writes
the outputs all or nothing: a folder of inputs converts file by file into a
staging folder, and the files move into OUTPUT_DIR only when every input
converted. OUTPUT_DIR is checked (a folder, writable) before any input is read.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ..errors import DataError, UsageError

# Extension -> converter name, for --converter auto.
EXTENSIONS = {
    ".conllu": "conllu", ".conll": "conllu", ".iob": "iob", ".iob2": "iob",
    ".jsonl": "jsonl", ".json": "json",
}
FILE_TYPES = ("plait", "json")
# Show a progress bar for inputs larger than this (bytes).
PROGRESS_MIN_BYTES = 2_000_000


@dataclass
class ConvertResult:
    """What a conversion produced: output files, documents and skipped records."""

    outputs: list[Path] = field(default_factory=list)
    n_docs: int = 0
    n_skipped: int = 0


def _pick_converter(path: Path, converter: str) -> str:
    if converter != "auto":
        return converter
    name = EXTENSIONS.get(path.suffix.lower())
    if name is None:
        raise UsageError(
            f"{path}: can't tell the format from the extension '{path.suffix}'. "
            f"Pass --converter ({', '.join(sorted(set(EXTENSIONS.values())))}) or rename the file "
            f"({', '.join(EXTENSIONS)})."
        )
    return name


def _load_converter(name: str) -> Any:
    from .. import registry
    from ..errors import RegistryError

    try:
        return registry.converters.get(name)
    except RegistryError as err:
        raise UsageError(
            f"--converter {name}: {err} Converters come from installed plugins (the plait-readers "
            f"distribution, plugins/readers in the plait repository, provides conllu, iob, ner, "
            f"jsonl, json)."
        ) from None


def _inputs(input_path: Path, converter: str) -> list[Path]:
    if not input_path.exists():
        raise UsageError(f"input {input_path} does not exist")
    if input_path.is_file():
        return [input_path]
    files = sorted(p for p in input_path.rglob("*") if p.is_file() and not p.name.startswith("."))
    if converter == "auto":
        files = [p for p in files if p.suffix.lower() in EXTENSIONS]
    if not files:
        raise UsageError(f"{input_path}: no convertible files ({', '.join(EXTENSIONS)}) in this folder")
    return files


def doc_to_record(doc: Any) -> dict[str, Any]:
    """One Doc as a JSON record of the ``jsonl`` converter's schema (round-trips)."""
    rec: dict[str, Any] = {"text": doc.text, "tokens": [t.text for t in doc],
                           "spaces": [bool(t.whitespace_) for t in doc]}
    if doc.has_annotation("TAG"):
        rec["tags"] = [t.tag_ for t in doc]
    if doc.has_annotation("POS"):
        rec["pos"] = [t.pos_ for t in doc]
    if doc.has_annotation("MORPH"):
        rec["morphs"] = [str(t.morph) for t in doc]
    if doc.has_annotation("LEMMA"):
        rec["lemmas"] = [t.lemma_ for t in doc]
    if doc.has_annotation("DEP"):
        rec["heads"] = [t.head.i for t in doc]
        rec["deps"] = [t.dep_ for t in doc]
    elif doc.has_annotation("SENT_START"):
        rec["sent_starts"] = [bool(t.is_sent_start) for t in doc]
    if doc.has_annotation("ENT_IOB"):
        rec["entities"] = [[e.start_char, e.end_char, e.label_] for e in doc.ents]
    if doc.cats:
        rec["cats"] = dict(doc.cats)
    return rec


def convert(
    input_path: str | Path,
    output_dir: str | Path,
    *,
    converter: str = "auto",
    n_sents: int = 1,
    seg_sents: bool = False,
    merge_subtokens: bool = False,
    morphology: bool = False,
    file_type: str = "plait",
    skip_invalid: bool = False,
    lang: str = "en",
    progress: bool = True,
    stderr: Any = None,
) -> ConvertResult:
    """Convert a file, or every file of a folder, into ``output_dir``.

    input_path (str | Path): a file or a folder of files.
    output_dir (str | Path): the folder for the outputs, or "-" (stdout, json only).
    converter (str): "auto" (by extension) or a registered converter name.
    n_sents (int): sentences per document.
    seg_sents, merge_subtokens, morphology (bool): passed to the converter.
    file_type (str): "plait" (DocBin) or "json" (records).
    skip_invalid (bool): report bad records on stderr and skip them.
    lang (str): language of the tokenizer for raw-text records.
    RETURNS (ConvertResult): the outputs, documents written and records skipped.
    """
    stderr = stderr or sys.stderr
    if file_type not in FILE_TYPES:
        raise UsageError(f"--file-type {file_type!r}: use one of {', '.join(FILE_TYPES)}")
    if n_sents < 0:
        raise UsageError(f"--n-sents {n_sents}: must be 0 or more")
    to_stdout = str(output_dir) == "-"
    if to_stdout and file_type != "json":
        raise UsageError("output '-' (stdout) needs --file-type json; .plait files are binary")
    input_path = Path(input_path)
    files = _inputs(input_path, converter)
    result = ConvertResult()

    def report(err: DataError) -> None:
        result.n_skipped += 1
        print(f"skipped: {err}", file=stderr)

    options = {
        "n_sents": n_sents, "seg_sents": seg_sents, "merge_subtokens": merge_subtokens,
        "morphology": morphology, "skip_invalid": skip_invalid, "on_invalid": report, "lang": lang,
    }
    # Pick every converter before reading anything: an unknown extension in a
    # folder fails before the first file is converted.
    plan = [(path, _load_converter(_pick_converter(path, converter))) for path in files]
    if to_stdout:
        records: list[dict[str, Any]] = []
        for path, func in plan:
            records.extend(doc_to_record(doc) for doc in _docs(path, func, options, progress, stderr))
        result.n_docs = len(records)
        import srsly

        sys.stdout.write(srsly.json_dumps(records, indent=2) + "\n")
        sys.stdout.flush()
        return result
    out_dir = Path(output_dir)
    suffix = ".json" if file_type == "json" else ".plait"
    targets = [
        out_dir / (path.relative_to(input_path) if input_path.is_dir() else Path(path.name)).with_suffix(suffix)
        for path, _ in plan
    ]
    _check_targets(out_dir, targets, [path for path, _ in plan])
    # All or nothing: every output is written into a staging folder inside
    # OUTPUT_DIR and moved into place (os.replace, same filesystem) only once
    # every input converted; any error removes the staging folder (and
    # OUTPUT_DIR itself when this call created it), so no output is written.
    created = _missing_ancestor(out_dir)
    staging = _staging_dir(out_dir)
    try:
        staged: list[tuple[Path, Path, Path, int]] = []
        for (path, func), target in zip(plan, targets):
            tmp = staging / target.relative_to(out_dir)
            tmp.parent.mkdir(parents=True, exist_ok=True)
            n_docs = _write(tmp, _docs(path, func, options, progress, stderr), file_type)
            if n_docs == 0 and target.exists():
                raise DataError(
                    f"{path}: converted to no documents; refusing to overwrite the existing "
                    f"{target} with an empty corpus (nothing was written). Check that the input is "
                    f"the file you meant (and not empty), or delete {target} first."
                )
            staged.append((path, tmp, target, n_docs))
        for path, tmp, target, n_docs in staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
            result.outputs.append(target)
            result.n_docs += n_docs
            if n_docs == 0:
                print(f"warning: {path} converted to no documents; {target} is empty", file=stderr)
    except BaseException:
        shutil.rmtree(created if created is not None else staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return result


def _docs(path: Path, func: Any, options: dict[str, Any], progress: bool, stderr: Any) -> Any:
    """The documents of one input, through a progress bar for large files."""
    from ..vocab import Vocab

    docs = func(path, vocab=Vocab(), **options)
    if progress and path.stat().st_size >= PROGRESS_MIN_BYTES:
        from tqdm import tqdm

        docs = tqdm(docs, desc=path.name, unit=" docs", file=stderr, leave=False)
    return docs


def _write(out: Path, docs: Any, file_type: str) -> int:
    """Write the documents to ``out``. RETURNS (int): how many."""
    if file_type == "json":
        from ..fs import write_json

        records = [doc_to_record(doc) for doc in docs]
        write_json(out, records)
        return len(records)
    from ..tokens import DocBin

    docbin = DocBin(store_user_data=False)
    for doc in docs:
        docbin.add(doc)
    docbin.to_disk(out)
    return len(docbin)


def _missing_ancestor(path: Path) -> Path | None:
    """The outermost folder of ``path`` (itself included) that does not exist yet."""
    missing = None
    for p in (path, *path.parents):
        if p.exists():
            break
        missing = p
    return missing


def _check_targets(out_dir: Path, targets: list[Path], inputs: list[Path]) -> None:
    """Refuse an OUTPUT_DIR that is a file, lies under a file or cannot be
    written, an output path taken by a folder or by an input, before anything
    is read."""
    for p in (out_dir, *out_dir.parents):
        if p.exists():
            if not p.is_dir():
                what = "OUTPUT_DIR" if p == out_dir else f"OUTPUT_DIR {out_dir} lies under a file:"
                raise UsageError(
                    f"{what} {p} is a file, not a folder. Pass a folder to write the converted "
                    f"corpus into (it is created if missing), e.g. {p.parent / 'corpus'}"
                )
            if not os.access(p, os.W_OK | os.X_OK):
                raise UsageError(
                    f"OUTPUT_DIR {out_dir}: cannot write into {p} (permission denied). Pass a "
                    f"folder you can write to."
                )
            break
    sources = {p.resolve() for p in inputs}
    seen: set[Path] = set()
    for target in targets:
        if target.resolve() in sources:
            raise UsageError(
                f"output {target} is one of the inputs: converting would overwrite it. Pass another "
                f"OUTPUT_DIR."
            )
        if target in seen:
            raise UsageError(
                f"two inputs would both be written to {target} (same name, different extension); "
                f"rename one of them or convert them separately."
            )
        seen.add(target)
        if target.is_dir():
            raise UsageError(
                f"output {target} exists and is a folder; cannot write the converted file there. "
                f"Move it away or pass another OUTPUT_DIR."
            )


def _staging_dir(out_dir: Path) -> Path:
    """A new hidden folder inside ``out_dir`` (created) to write outputs into."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".plait-convert-", dir=out_dir))
    except OSError as err:
        raise UsageError(
            f"OUTPUT_DIR {out_dir}: cannot create the output folder ({err.strerror or err}). "
            f"Pass a folder you can write to."
        ) from None


@click.command("convert", short_help="Convert CoNLL-U, IOB or JSONL files to .plait.")
@click.argument("input_path", type=click.Path(exists=False, path_type=Path))
@click.argument("output_dir", type=str)
@click.option("--converter", "-c", default="auto", show_default=True,
              help="Converter: auto (by extension), conllu, iob, ner, jsonl, json or a plugin's.")
@click.option("--n-sents", "-n", type=int, default=1, show_default=True,
              help="Sentences per document (0: up to each document boundary).")
@click.option("--seg-sents", "-s", is_flag=True, default=False,
              help="Split sentences at final punctuation (IOB inputs without sentence breaks).")
@click.option("--merge-subtokens", "-T", is_flag=True, default=False,
              help="CoNLL-U: one token per multi-word token instead of its syntactic words.")
@click.option("--morphology", "-m", is_flag=True, default=False,
              help="CoNLL-U: append the morphological features to the tags.")
@click.option("--file-type", "-t", type=click.Choice(FILE_TYPES), default="plait", show_default=True,
              help="Output: .plait DocBin files or JSON records.")
@click.option("--skip-invalid", is_flag=True, default=False,
              help="Report malformed records on stderr and skip them instead of stopping.")
@click.option("--lang", "-l", default="en", show_default=True,
              help="Language whose tokenizer splits raw-text records (JSONL).")
@click.option("--verbose", "-V", is_flag=True, default=False, help="Show tracebacks of errors.")
def convert_cli(input_path: Path, output_dir: str, converter: str, n_sents: int, seg_sents: bool,
                merge_subtokens: bool, morphology: bool, file_type: str, skip_invalid: bool,
                lang: str, verbose: bool) -> None:
    """Convert INPUT_PATH (a file or a folder) into OUTPUT_DIR ('-': stdout, with --file-type json)."""
    result = convert(
        input_path, output_dir, converter=converter, n_sents=n_sents, seg_sents=seg_sents,
        merge_subtokens=merge_subtokens, morphology=morphology, file_type=file_type,
        skip_invalid=skip_invalid, lang=lang,
    )
    skipped = f", skipped {result.n_skipped} invalid record(s)" if result.n_skipped else ""
    where = ", ".join(str(p) for p in result.outputs) or "stdout"
    click.echo(f"Converted {result.n_docs} document(s) to {where}{skipped}", err=True)
