"""`plait apply`: annotate files with a trained pipeline and save the Docs as `.plait`.

Input, a file or a folder (walked recursively, sorted, hidden files skipped):
``.plait`` (the Docs are annotated again), ``.jsonl`` (one JSON object per
line, the text under ``--text-key``), anything else a UTF-8 text file that is
one document. Every input is read and checked before the pipeline runs, so
a bad line fails fast, naming the file and line. The output is written once,
atomically, and never over an existing file without ``--force``.

``--n-process N`` splits the documents into N contiguous shares, each
annotated by a fresh ``plait apply`` process (no pickling: shares travel as
``.plait`` files in a private temporary folder), and joins them in order.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from ._options import code_option, gpu_id_option, verbose_option

PLAIT_SUFFIX = ".plait"
JSONL_SUFFIX = ".jsonl"


def input_files(data_path: Path) -> list[Path]:
    """The files under `data_path` (itself, if a file), sorted, no hidden ones.

    RAISES (UsageError): the path does not exist or holds no files.
    """
    from ..errors import UsageError

    if not data_path.exists():
        raise UsageError(f"{data_path}: no such file or folder to annotate.")
    if data_path.is_file():
        return [data_path]
    files = sorted(p for p in data_path.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(data_path).parts))
    if not files:
        raise UsageError(f"{data_path}: the folder holds no files to annotate.")
    return files


def _jsonl_texts(path: Path, text_key: str) -> Iterator[str]:
    import srsly

    from ..errors import DataError

    with path.open("rb") as stream:
        for line_no, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                record = srsly.json_loads(raw.decode("utf8"))
            except UnicodeDecodeError as err:
                raise DataError(f"{path}:{line_no}: not UTF-8 text ({err.reason} at byte {err.start}).") from err
            except ValueError as err:
                raise DataError(f"{path}:{line_no}: not a JSON object ({err}).") from err
            if not isinstance(record, dict) or not isinstance(record.get(text_key), str):
                found = sorted(record) if isinstance(record, dict) else type(record).__name__
                raise DataError(
                    f"{path}:{line_no}: expected an object with a string under '{text_key}' "
                    f"(--text-key), found {found}."
                )
            yield record[text_key]


def _text_file(path: Path) -> str:
    from ..errors import DataError

    data = path.read_bytes()
    try:
        return data.decode("utf8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DataError(
            f"{path}:{line}: not UTF-8 text ({err.reason} at byte {err.start}); plait apply reads "
            f"UTF-8 text, {JSONL_SUFFIX} and {PLAIT_SUFFIX} files."
        ) from err


def read_inputs(files: list[Path], vocab: Any, text_key: str) -> list[Any]:
    """Every input as a text (str) or a Doc (from .plait files), in order."""
    from ..tokens import DocBin

    items: list[Any] = []
    for path in files:
        if path.suffix == PLAIT_SUFFIX:
            items.extend(DocBin().from_disk(path).get_docs(vocab))
        elif path.suffix == JSONL_SUFFIX:
            items.extend(_jsonl_texts(path, text_key))
        else:
            items.append(_text_file(path))
    return items


def check_output(output: Path, force: bool) -> None:
    """Refuse an output that exists (without `force`), is a folder or has no folder."""
    from ..errors import UsageError

    if output.is_dir():
        raise UsageError(f"{output}: is a folder; give the .plait file to write.")
    if output.exists() and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it.")
    if not output.parent.is_dir():
        raise UsageError(f"{output}: the folder {output.parent} does not exist.")


def apply(model: str | Path, data_path: str | Path, output: str | Path, *, text_key: str = "text",
          batch_size: int = 1, n_process: int = 1, use_gpu: int = -1, force: bool = False,
          trust_code: bool = False, code_paths: tuple[str, ...] = (), progress: bool = True,
          stdout: IO = sys.stdout) -> dict[str, Any]:
    """Annotate every document under `data_path` with the pipeline `model`.

    model (str | Path): a trained pipeline folder or an installed pipeline's name.
    data_path (str | Path): a .plait, .jsonl or text file, or a folder of them.
    output (str | Path): the .plait file to write.
    text_key (str): the key of the text in .jsonl records.
    batch_size (int): documents per nlp.pipe batch.
    n_process (int): processes sharing the work.
    use_gpu (int): GPU id, -1 for the CPU.
    force (bool): overwrite an existing output.
    trust_code (bool): import the code files bundled with the pipeline.
    code_paths (tuple[str, ...]): --code files (passed on to worker processes).
    progress (bool): show a progress bar (stderr).
    RETURNS (dict[str, Any]): docs, words, seconds, words_per_second, output.
    """
    from ..errors import UsageError
    from ..language import load
    from ..ops import setup_device
    from ..tokens import DocBin

    data_path, output = Path(data_path), Path(output)
    if batch_size < 1:
        raise UsageError(f"--batch-size: must be >= 1, got {batch_size}.")
    if n_process < 1:
        raise UsageError(f"--n-process: must be >= 1, got {n_process}.")
    check_output(output, force)
    files = input_files(data_path)
    setup_device(use_gpu)
    nlp = load(model, trust_code=trust_code)
    items = read_inputs(files, nlp.vocab, text_key)
    start = time.perf_counter()
    if n_process > 1 and len(items) > 1:
        docs = _apply_in_processes(model, items, n_process, batch_size=batch_size, use_gpu=use_gpu,
                                   trust_code=trust_code, code_paths=code_paths, nlp=nlp)
    else:
        stream = nlp.pipe(items, batch_size=batch_size)
        if progress:
            from tqdm import tqdm

            stream = tqdm(stream, total=len(items), unit="doc", desc="plait apply", file=sys.stderr,
                          disable=None)
        docs = list(stream)
    seconds = time.perf_counter() - start
    DocBin(docs=docs, store_user_data=True).to_disk(output)
    words = sum(len(doc) for doc in docs)
    wps = words / seconds if seconds > 0 else float("inf")
    stdout.write(f"Annotated {len(docs)} docs ({words:,} words) in {seconds:.2f} s: {wps:,.0f} words/s.\n"
                 f"Saved to {output}\n")
    return {"docs": len(docs), "words": words, "seconds": seconds, "words_per_second": wps,
            "output": str(output)}


def _apply_in_processes(model: str | Path, items: list[Any], n_process: int, *, batch_size: int,
                        use_gpu: int, trust_code: bool, code_paths: tuple[str, ...], nlp: Any) -> list[Any]:
    """Annotate contiguous shares of `items` in `n_process` fresh processes.

    Texts are tokenized here (the pipeline's own tokenizer, so nothing
    changes) and every share travels as a .plait file of Docs.
    """
    from ..errors import UsageError
    from ..tokens import DocBin

    n = min(n_process, len(items))
    bounds = [len(items) * k // n for k in range(n + 1)]
    docs: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="plait-apply-") as tmp:
        procs = []
        for k in range(n):
            share = [nlp.make_doc(item) if isinstance(item, str) else item for item in items[bounds[k]:bounds[k + 1]]]
            source, target = Path(tmp) / f"in-{k}{PLAIT_SUFFIX}", Path(tmp) / f"out-{k}{PLAIT_SUFFIX}"
            DocBin(docs=share, store_user_data=True).to_disk(source)
            cmd = [sys.executable, "-m", "plait", "apply", str(model), str(source), str(target),
                   "--batch-size", str(batch_size), "--gpu-id", str(use_gpu), "--no-progress"]
            cmd += ["--trust-code"] if trust_code else []
            for code in code_paths:
                cmd += ["--code", code]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        try:
            for k, proc in enumerate(procs):
                _out, err = proc.communicate()
                if proc.returncode != 0:
                    raise UsageError(f"plait apply: worker process {k + 1} of {n} failed: {err.strip()[-2000:]}")
                docs.extend(DocBin().from_disk(Path(tmp) / f"out-{k}{PLAIT_SUFFIX}").get_docs(nlp.vocab))
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    return docs


@click.command("apply", short_help="Annotate files with a trained pipeline; save the Docs as .plait.")
@click.argument("model", type=str)
@click.argument("data_path", type=click.Path())
@click.argument("output_file", type=click.Path(dir_okay=False))
@click.option("--text-key", "-tk", default="text", show_default=True, help="Key of the text in .jsonl records.")
@click.option("--batch-size", "-b", type=int, default=1, show_default=True, help="Documents per batch.")
@click.option("--n-process", "-n", type=int, default=1, show_default=True, help="Processes sharing the work.")
@click.option("--force", "-F", "force", is_flag=True, default=False, help="Overwrite an existing output file.")
@click.option("--trust-code", is_flag=True, default=False,
              help="Import the code files bundled with the pipeline (plait package --code).")
@click.option("--no-progress", is_flag=True, default=False, hidden=True)
@code_option
@verbose_option
@gpu_id_option
def apply_cli(model: str, data_path: str, output_file: str, text_key: str, batch_size: int, n_process: int,
              force: bool, trust_code: bool, no_progress: bool, code_paths: tuple[str, ...], verbose: bool,
              gpu_id: int) -> None:
    """Annotate DATA_PATH (a .plait, .jsonl or text file, or a folder of them)
    with the pipeline MODEL and write the Docs to OUTPUT_FILE (.plait)."""
    from ..config import import_code

    import_code(list(code_paths))
    apply(model, data_path, output_file, text_key=text_key, batch_size=batch_size, n_process=n_process,
          use_gpu=gpu_id, force=force, trust_code=trust_code, code_paths=code_paths, progress=not no_progress)
