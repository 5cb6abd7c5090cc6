"""Streaming corpus readers over JSONL files, for ``[corpora]`` blocks.

``plait.JsonlCorpus.v1`` streams raw text (``{"text": ...}`` per line) for
pretraining; ``plait.JsonlExamples.v1`` streams annotated records (the
``jsonl`` converter's schema) as training Examples without converting to
``.plait`` first. Both read the file lazily each time the corpus is called,
so an epoch never holds the whole file in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import srsly
from plait.errors import DataError
from pydantic import NonNegativeInt

from ._records import open_lines, records_to_doc
from .jsonl import record_to_sent

if TYPE_CHECKING:
    from plait.plugins.protocols import Reader


def _path(path: str | Path, reader: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise DataError(f"[corpora] {reader} path: {p} does not exist")
    return p


def create_jsonl_corpus(
    path: str | Path, min_length: NonNegativeInt = 0, max_length: NonNegativeInt = 0,
    limit: NonNegativeInt = 0,
) -> Reader:
    """Raw text for pretraining, one ``{"text": ...}`` per line.

    path (str | Path): the JSONL file.
    min_length (int): skip texts with fewer tokens (0: no minimum).
    max_length (int): skip texts with more tokens (0: no maximum).
    limit (int): stop after this many texts (0: all).
    RETURNS (Reader): the corpus, ``(nlp) -> Iterator[Example]``.
    """
    file = _path(path, "plait.JsonlCorpus.v1")

    def read(nlp: Any) -> Iterator[Any]:
        from plait.training import Example

        name, lines = open_lines(file)
        n = 0
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rec = srsly.json_loads(line)
            except ValueError as err:
                raise DataError(f"line {lineno} of {name}: not valid JSON ({err})") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise DataError(f"line {lineno} of {name}: expected an object with a 'text' string")
            doc = nlp.make_doc(rec["text"])
            if min_length and len(doc) < min_length:
                continue
            if max_length and len(doc) > max_length:
                continue
            yield Example(doc, doc.copy())
            n += 1
            if limit and n >= limit:
                break

    return read


def create_jsonl_examples(
    path: str | Path, max_length: NonNegativeInt = 0, limit: NonNegativeInt = 0
) -> Reader:
    """Annotated JSONL records (see ``plait_readers.jsonl``) as training Examples.

    path (str | Path): the JSONL file.
    max_length (int): skip records with more tokens (0: no maximum).
    limit (int): stop after this many records (0: all).
    RETURNS (Reader): the corpus, ``(nlp) -> Iterator[Example]``.
    """
    file = _path(path, "plait.JsonlExamples.v1")

    def read(nlp: Any) -> Iterator[Any]:
        from plait.training import Example

        name, lines = open_lines(file)

        def tokenize(text: str) -> tuple[list[str], list[bool]]:
            doc = nlp.make_doc(text)
            return [t.text for t in doc], [bool(t.whitespace_) for t in doc]

        n = 0
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"line {lineno} of {name}"
            try:
                raw = srsly.json_loads(line)
            except ValueError as err:
                raise DataError(f"{where}: not valid JSON ({err})") from None
            rec = record_to_sent(raw, tokenize, where, lineno)
            if max_length and len(rec.words) > max_length:
                continue
            reference = records_to_doc(nlp.vocab, [rec])
            yield Example(nlp.make_doc(reference.text), reference)
            n += 1
            if limit and n >= limit:
                break

    return read
