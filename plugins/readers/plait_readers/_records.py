"""Sentence records: what every converter parses into before a Doc exists.

Parsing (per format) and Doc construction (shared) are kept apart so each
format's module only turns lines into :class:`SentRecord` objects, and the
grouping into documents (``n_sents``, ``# newdoc`` / ``-DOCSTART-``), the
``--skip-invalid`` policy and the one ``Doc(...)`` call per document live
here once. One Doc constructor call per document (not per sentence and no
``Doc.from_docs`` merging) is what keeps ``plait convert`` fast.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from plait.errors import DataError

OnInvalid = Callable[[DataError], None]


@dataclass
class SentRecord:
    """One parsed sentence (or one JSONL record).

    heads are absolute indices within the sentence (a root points at itself);
    ents are IOB2 tags ("B-PER", "I-PER", "O") or None when not annotated.
    """

    words: list[str]
    spaces: list[bool]
    line: int = 0
    tags: list[str] | None = None
    pos: list[str] | None = None
    morphs: list[str] | None = None
    lemmas: list[str] | None = None
    heads: list[int] | None = None
    deps: list[str] | None = None
    ents: list[str] | None = None
    cats: dict[str, float] | None = None
    new_doc: bool = False
    sent_starts: list[int] | None = None  # within-record sentence starts (JSONL docs)
    meta: dict[str, Any] = field(default_factory=dict)


def source_name(source: str | Path | TextIO) -> str:
    """A name for error messages: the file path, or '<text>' for raw data."""
    if isinstance(source, Path):
        return str(source)
    return getattr(source, "name", None) or "<text>"


def open_lines(source: str | Path | TextIO) -> tuple[str, Iterator[str]]:
    """Return (name, line iterator) for a path (streamed), a text, or an open file.

    A ``pathlib.Path`` is read as a file; a ``str`` is the data itself (use
    ``Path(s)`` for a path held in a string).
    """
    name = source_name(source)
    if isinstance(source, Path):
        if not source.exists():
            raise DataError(f"{source}: no such file")
        return name, _file_lines(source)
    if isinstance(source, str):
        return name, iter(io.StringIO(source))
    return name, iter(source)


def _file_lines(path: Path) -> Iterator[str]:
    # utf-8-sig drops a BOM some editors write at the start of CoNLL files.
    # Text mode decodes in chunks, so a decode error does not say on which
    # line it is: only then is the file re-read to find it (the fast path
    # stays one C-level loop).
    try:
        with path.open("r", encoding="utf-8-sig") as f:
            yield from f
    except UnicodeDecodeError as err:
        raise _decode_error(path, err) from None


def _decode_error(path: Path, err: UnicodeDecodeError) -> DataError:
    """A DataError naming the first line of ``path`` that is not valid UTF-8."""
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as line_err:
                bad = raw[line_err.start:line_err.start + 1]
                return DataError(
                    f"line {lineno} of {path}: not UTF-8 (byte {bad!r} at column "
                    f"{line_err.start + 1}). plait reads corpora as UTF-8: re-encode the file, "
                    f"e.g. `iconv -f latin1 -t utf-8 {path.name} > fixed{path.suffix}`"
                )
    return DataError(f"{path}: not UTF-8 ({err.reason}); re-encode the file as UTF-8")


def default_on_invalid(err: DataError) -> None:
    """Report a skipped record on stderr (``--skip-invalid``)."""
    print(f"skipped: {err}", file=sys.stderr)


def guarded(
    records: Iterator[SentRecord | DataError], *, skip_invalid: bool, on_invalid: OnInvalid | None
) -> Iterator[SentRecord]:
    """Raise the first DataError, or report and drop it with ``skip_invalid``.

    Parsers yield a DataError in place of a bad record (rather than raising)
    so they can carry on with the next record when skipping.
    """
    report = on_invalid or default_on_invalid
    for rec in records:
        if isinstance(rec, DataError):
            if not skip_invalid:
                raise rec
            report(rec)
            continue
        yield rec


def group_records(records: Iterable[SentRecord], n_sents: int) -> Iterator[list[SentRecord]]:
    """Group sentences into documents of ``n_sents`` (0 or less: up to a document
    boundary only); a record with ``new_doc`` always starts a new document."""
    group: list[SentRecord] = []
    for rec in records:
        if group and (rec.new_doc or (n_sents > 0 and len(group) >= n_sents)):
            yield group
            group = []
        group.append(rec)
    if group:
        yield group


def _concat(group: list[SentRecord], attr: str, fill: Any) -> list[Any] | None:
    if all(getattr(r, attr) is None for r in group):
        return None
    out: list[Any] = []
    for r in group:
        vals = getattr(r, attr)
        out.extend(vals if vals is not None else [fill] * len(r.words))
    return out


def records_to_doc(vocab: Any, group: list[SentRecord]) -> Any:
    """Build one Doc from a group of sentence records (one constructor call)."""
    from plait.tokens import Doc

    words: list[str] = []
    spaces: list[bool] = []
    heads: list[int] | None = [] if any(r.heads is not None for r in group) else None
    sent_starts: list[int] = []
    offset = 0
    for r in group:
        words.extend(r.words)
        spaces.extend(r.spaces)
        if heads is not None:
            if r.heads is None:
                heads.extend(range(offset, offset + len(r.words)))
            else:
                heads.extend(h + offset for h in r.heads)
        if r.sent_starts is not None:
            sent_starts.extend(r.sent_starts)
        elif r.words:
            sent_starts.append(1)
            sent_starts.extend([0] * (len(r.words) - 1))
        offset += len(r.words)
    if spaces:
        spaces[-1] = False  # a document's text ends with its last word
    kwargs: dict[str, Any] = {"words": words, "spaces": spaces}
    for attr, fill in (("tags", ""), ("pos", ""), ("morphs", ""), ("lemmas", ""), ("deps", ""), ("ents", None)):
        vals = _concat(group, attr, fill)
        if vals is not None:
            kwargs[attr] = vals
    if heads is not None:
        kwargs["heads"] = heads
        if "deps" not in kwargs:
            kwargs["deps"] = ["dep"] * len(words)
    else:
        # Sentence boundaries from the source are annotation too (the senter
        # learns from them); heads imply them, so only set them without heads.
        kwargs["sent_starts"] = sent_starts
    doc = Doc(vocab, **kwargs)
    cats: dict[str, float] = {}
    for r in group:
        if r.cats:
            cats.update(r.cats)
    if cats:
        doc.cats = cats
    return doc


def build_docs(
    records: Iterable[SentRecord], *, n_sents: int, vocab: Any | None
) -> Iterator[Any]:
    """Group records into documents and build a Doc for each."""
    if vocab is None:
        from plait.vocab import Vocab

        vocab = Vocab()
    for group in group_records(records, n_sents):
        yield records_to_doc(vocab, group)


def spaces_from_text(words: list[str], text: str) -> list[bool] | None:
    """Recover spaces by matching the words against the sentence text, or None
    when the words do not spell out the text (then the caller decides)."""
    spaces: list[bool] = []
    pos = 0
    n = len(text)
    for w in words:
        if text.startswith(w, pos):
            pos += len(w)
        else:
            return None
        if pos < n and text[pos] == " ":
            spaces.append(True)
            pos += 1
            while pos < n and text[pos] == " ":  # tolerate double spaces
                pos += 1
        else:
            spaces.append(False)
    if pos != n:
        return None
    return spaces
