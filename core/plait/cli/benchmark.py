"""`plait benchmark speed`: how fast a trained pipeline annotates, with a confidence interval.

The documents (anything `plait apply` reads) are tokenized once up front, so
the timing is the pipeline's components, as in spaCy's command. Batches of
``--batch-size`` documents are cut from the (shuffled) documents, cycling
when there are fewer than needed; ``--warmup`` batches run first untimed
(lazy imports, caches, allocator growth), then every one of ``--batches``
batches is timed on fresh copies of its documents. The report is the mean
words/s over batches with a 95% bootstrap confidence interval, the median,
and the overall words/s.

`plait benchmark accuracy` is `plait evaluate` under the name spaCy users know.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path
from typing import IO, Any

import click

from ._options import code_option, gpu_id_option, verbose_option

BOOTSTRAP_SAMPLES = 2000


def bootstrap_interval(values: list[float], *, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """A percentile bootstrap interval of the mean of `values`.

    RETURNS (tuple[float, float]): (low, high).
    """
    import numpy

    data = numpy.asarray(values, dtype="float64")
    rng = numpy.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(BOOTSTRAP_SAMPLES, len(data)))].mean(axis=1)
    tail = (1.0 - level) / 2 * 100
    low, high = numpy.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def benchmark_speed(model: str | Path, data_path: str | Path, *, batch_size: int = 128, batches: int = 50,
                    warmup: int = 3, shuffle: bool = True, use_gpu: int = -1, trust_code: bool = False,
                    text_key: str = "text", stdout: IO = sys.stdout) -> dict[str, Any]:
    """Time `model` over batches of the documents in `data_path`.

    model (str | Path): a trained pipeline folder or an installed pipeline's name.
    data_path (str | Path): a .plait, .jsonl or text file, or a folder of them.
    batch_size (int): documents per batch.
    batches (int): timed batches.
    warmup (int): untimed batches first.
    shuffle (bool): shuffle the documents (seeded) before cutting batches.
    use_gpu (int): GPU id, -1 for the CPU.
    trust_code (bool): import the code files bundled with the pipeline.
    text_key (str): the key of the text in .jsonl records.
    RETURNS (dict[str, Any]): mean, ci_low, ci_high, median and overall words/s.
    """
    from ..errors import DataError, UsageError
    from ..language import load
    from ..ops import setup_device
    from ..tokens import Doc
    from .apply import input_files, read_inputs

    for name, value, least in (("--batch-size", batch_size, 1), ("--batches", batches, 2), ("--warmup", warmup, 0)):
        if value < least:
            raise UsageError(f"{name}: must be >= {least}, got {value}.")
    files = input_files(Path(data_path))
    setup_device(use_gpu)
    nlp = load(model, trust_code=trust_code)
    items = read_inputs(files, nlp.vocab, text_key)
    tokens = [nlp.make_doc(item) if isinstance(item, str) else item for item in items]
    tokens = [([t.text for t in doc], [bool(t.whitespace_) for t in doc]) for doc in tokens if len(doc)]
    if not tokens:
        raise DataError(f"{data_path}: no documents with words to benchmark on.")
    if shuffle:
        random.Random(0).shuffle(tokens)

    def batch(k: int) -> list[Any]:
        start = k * batch_size
        return [Doc(nlp.vocab, words=w, spaces=s)
                for w, s in (tokens[(start + i) % len(tokens)] for i in range(batch_size))]

    for k in range(warmup):
        for _ in nlp.pipe(batch(k), batch_size=batch_size):
            pass
    speeds, total_words, total_s = [], 0, 0.0
    for k in range(warmup, warmup + batches):
        docs = batch(k)
        words = sum(len(doc) for doc in docs)
        start = time.perf_counter()
        for _ in nlp.pipe(docs, batch_size=batch_size):
            pass
        seconds = time.perf_counter() - start
        speeds.append(words / seconds)
        total_words += words
        total_s += seconds
    low, high = bootstrap_interval(speeds)
    speeds_sorted = sorted(speeds)
    result = {
        "batches": batches, "batch_size": batch_size, "warmup": warmup, "words": total_words,
        "mean": sum(speeds) / len(speeds), "ci_low": low, "ci_high": high,
        "median": speeds_sorted[len(speeds) // 2], "overall": total_words / total_s,
    }
    stdout.write(
        f"Pipeline {', '.join(nlp.pipe_names)} on {len(tokens)} documents, {batches} batches of "
        f"{batch_size} after {warmup} warm-up:\n"
        f"  {result['mean']:,.0f} words/s (95% CI {low:,.0f} - {high:,.0f}); "
        f"median {result['median']:,.0f}; overall {result['overall']:,.0f} words/s\n"
    )
    return result


@click.command("speed", short_help="Words/s of a trained pipeline, with a confidence interval.")
@click.argument("model", type=str)
@click.argument("data_path", type=click.Path())
@click.option("--batch-size", "-b", type=int, default=128, show_default=True, help="Documents per batch.")
@click.option("--batches", type=int, default=50, show_default=True, help="Timed batches.")
@click.option("--warmup", "-w", type=int, default=3, show_default=True, help="Untimed batches first.")
@click.option("--no-shuffle", is_flag=True, default=False, help="Keep the documents in file order.")
@click.option("--text-key", "-tk", default="text", show_default=True, help="Key of the text in .jsonl records.")
@click.option("--trust-code", is_flag=True, default=False,
              help="Import the code files bundled with the pipeline (plait package --code).")
@code_option
@verbose_option
@gpu_id_option
def speed_cli(model: str, data_path: str, batch_size: int, batches: int, warmup: int, no_shuffle: bool,
              text_key: str, trust_code: bool, code_paths: tuple[str, ...], verbose: bool, gpu_id: int) -> None:
    """Time the pipeline MODEL over batches of the documents in DATA_PATH."""
    from ..config import import_code

    import_code(list(code_paths))
    benchmark_speed(model, data_path, batch_size=batch_size, batches=batches, warmup=warmup,
                    shuffle=not no_shuffle, use_gpu=gpu_id, trust_code=trust_code, text_key=text_key)
