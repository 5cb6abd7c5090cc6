"""`plait evaluate`: score a trained pipeline on a .plait corpus."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click

from ._options import code_option, gpu_id_option, verbose_option

# Column names people know from spaCy's table, for the common scores.
SCORE_NAMES = {
    "token_acc": "TOK", "token_p": "TOK P", "token_r": "TOK R", "token_f": "TOK F",
    "tag_acc": "TAG", "pos_acc": "POS", "morph_acc": "MORPH", "morph_micro_f": "MORPH F",
    "lemma_acc": "LEMMA", "dep_uas": "UAS", "dep_las": "LAS", "ents_p": "NER P",
    "ents_r": "NER R", "ents_f": "NER F", "cats_score": "TEXTCAT", "sents_p": "SENT P",
    "sents_r": "SENT R", "sents_f": "SENT F", "speed": "SPEED",
}


def format_scores(scores: dict[str, Any]) -> str:
    """RETURNS (str): a table of the numeric scores, then per-label tables."""
    rows = []
    for key, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        shown = f"{value:.0f}" if key == "speed" else f"{value * 100:.2f}"
        rows.append((SCORE_NAMES.get(key, key), shown))
    width = max((len(n) for n, _ in rows), default=4)
    lines = [f"{name:<{width}}  {value:>8}" for name, value in rows]
    for key, value in scores.items():
        if not (isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values())):
            continue
        cols = sorted({c for v in value.values() for c in v})
        lines.append("")
        lines.append(f"{key}:")
        label_w = max(len(str(label)) for label in value)
        lines.append(" " * label_w + "  " + "  ".join(f"{c:>8}" for c in cols))
        for label, per in value.items():
            cells = "  ".join(
                f"{per[c] * 100:>8.2f}" if isinstance(per.get(c), (int, float)) else f"{'-':>8}" for c in cols
            )
            lines.append(f"{label!s:<{label_w}}  {cells}")
    return "\n".join(lines) + "\n"


def evaluate(model: str | Path, data_path: str | Path, *, output: str | Path | None = None,
             use_gpu: int = -1, trust_code: bool = False, html: str | Path | None = None,
             html_limit: int = 25, stdout: IO = sys.stdout) -> dict[str, Any]:
    """Evaluate the pipeline at `model` on the corpus at `data_path`.

    model (str | Path): a trained pipeline folder.
    data_path (str | Path): a .plait corpus file or folder.
    output (str | Path | None): also write the scores as JSON here.
    html (str | Path | None): also write ``index.html`` in this folder: a
        sample of predicted parses/entities beside the gold, differences marked.
    html_limit (int): how many documents the HTML sample shows.
    use_gpu (int): GPU id, -1 for the CPU.
    trust_code (bool): import the code files bundled with the pipeline.
    RETURNS (dict[str, Any]): the scores.
    """
    from ..errors import UsageError
    from ..language import load
    from ..ops import setup_device
    from ..training.corpus import Corpus

    data_path = Path(data_path)
    if not data_path.exists():
        raise UsageError(f"evaluation data '{data_path}' not found.")
    if not Path(model).exists():
        raise UsageError(f"pipeline '{model}' not found: give the folder of a trained pipeline.")
    if html is not None and html_limit < 1:
        raise UsageError(f"--html-limit: must be >= 1, got {html_limit}.")
    setup_device(use_gpu)
    nlp = load(model, trust_code=trust_code)
    examples = list(Corpus(data_path)(nlp))
    if not examples:
        from ..errors import DataError

        raise DataError(f"{data_path}: the corpus has no documents to evaluate.")
    scores = nlp.evaluate(examples)
    stdout.write(format_scores(scores))
    if output is not None:
        from .. import fs

        fs.write_json(output, scores)
        stdout.write(f"Saved results to {output}\n")
    if html is not None:
        from ..training import Example
        from ..visualize import sample_indices, write_comparison

        # nlp.evaluate annotated copies; the sample is annotated again to be shown.
        indices = sample_indices(len(examples), html_limit)
        docs = nlp.pipe(examples[i].predicted.copy() for i in indices)
        sample = [Example(doc, examples[i].reference) for i, doc in zip(indices, docs, strict=True)]
        page = write_comparison(sample, html, indices=indices, total=len(examples))
        stdout.write(f"Saved predictions beside the gold to {page}\n")
    return scores


@click.command("evaluate", short_help="Evaluate a trained pipeline on a corpus.")
@click.argument("model", type=str)
@click.argument("data_path", type=click.Path())
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the scores as JSON to this file.")
@click.option("--html", "html_dir", type=click.Path(file_okay=False), default=None,
              help="Write a sample of predictions beside the gold (index.html) to this folder.")
@click.option("--html-limit", type=int, default=25, show_default=True,
              help="How many documents the --html page shows, spread over the corpus.")
@click.option("--trust-code", is_flag=True, default=False,
              help="Import the code files bundled with the pipeline (plait package --code).")
@code_option
@verbose_option
@gpu_id_option
def evaluate_cli(model: str, data_path: str, output: str | None, html_dir: str | None, html_limit: int,
                 trust_code: bool, code_paths: tuple[str, ...], verbose: bool, gpu_id: int) -> None:
    """Score the pipeline MODEL on DATA_PATH (a .plait corpus)."""
    from ..config import import_code

    import_code(list(code_paths))
    evaluate(model, data_path, output=output, use_gpu=gpu_id, trust_code=trust_code, html=html_dir,
             html_limit=html_limit)
