"""The ``jsonl`` and ``json`` converters: one JSON record per document.

A record is either raw text, tokenized by the pipeline's tokenizer
(``lang``, English by default)::

    {"text": "Apple is in Cupertino", "entities": [[0, 5, "ORG"]], "cats": {"TECH": 1.0}}

or pre-tokenized, with any of the token-level annotations::

    {"tokens": ["Apple", "is", "here"], "spaces": [true, true, false],
     "tags": [...], "pos": [...], "morphs": [...], "lemmas": [...],
     "heads": [...], "deps": [...], "sent_starts": [...],
     "entities": [[0, 5, "ORG"]], "cats": {...}}

``tokens`` may also be Prodigy-style dicts (``{"text": "Apple", "ws": true}``)
and ``entities`` dicts with ``start``/``end``/``label`` (``spans`` is read as
``entities``). Entity offsets are characters; a span that does not start and
end on token boundaries is an error naming the line. ``heads`` are absolute
token indices within the record. The ``json`` converter reads a JSON array
of the same records (what ``plait convert --file-type json`` writes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import srsly
from plait.errors import DataError

from ._records import OnInvalid, SentRecord, build_docs, guarded, open_lines

if TYPE_CHECKING:
    from plait.plugins.protocols import Converter

_TOKEN_ATTRS = ("tags", "pos", "morphs", "lemmas", "deps")


def jsonl_to_docs(
    source: str | Path | TextIO,
    *,
    n_sents: int = 1,
    seg_sents: bool = False,
    merge_subtokens: bool = False,
    morphology: bool = False,
    skip_invalid: bool = False,
    on_invalid: OnInvalid | None = None,
    vocab: Any = None,
    lang: str = "en",
    nlp: Any = None,
    **_: Any,
) -> Iterator[Any]:
    """Convert JSONL records to Docs, one Doc per record.

    source (Path | str | TextIO): a file path, the JSONL text, or an open file.
    n_sents, seg_sents, merge_subtokens, morphology: not used by this format.
    skip_invalid (bool): report (``on_invalid``) and skip bad records.
    vocab (Vocab): the Vocab of the Docs (the tokenizer's if None).
    lang (str): language whose tokenizer splits "text" records.
    nlp (Language): a pipeline whose tokenizer to use instead of ``lang``.
    RETURNS (Iterator[Doc]): the documents.
    """
    name, lines = open_lines(source)
    tokenizer = _Tokenizer(nlp, lang)
    if vocab is None and nlp is not None:
        vocab = nlp.vocab
    parsed = (
        _parse_line(name, i, line, tokenizer) for i, line in enumerate(lines, 1) if line.strip()
    )
    records = guarded(parsed, skip_invalid=skip_invalid, on_invalid=on_invalid)
    return build_docs(records, n_sents=1, vocab=vocab)


def json_to_docs(
    source: str | Path | TextIO,
    *,
    skip_invalid: bool = False,
    on_invalid: OnInvalid | None = None,
    vocab: Any = None,
    lang: str = "en",
    nlp: Any = None,
    **_: Any,
) -> Iterator[Any]:
    """Convert a JSON array of records (the ``jsonl`` record schema) to Docs.

    Errors name the record's index in the array instead of a line.
    RETURNS (Iterator[Doc]): the documents.
    """
    name, lines = open_lines(source)
    try:
        data = json.loads("".join(lines))
    except ValueError as err:
        raise DataError(f"{name}: not valid JSON: {err}") from None
    if not isinstance(data, list):
        raise DataError(f"{name}: expected a JSON array of records, got {type(data).__name__}")
    tokenizer = _Tokenizer(nlp, lang)

    def parsed() -> Iterator[SentRecord | DataError]:
        for i, rec in enumerate(data):
            try:
                yield record_to_sent(rec, tokenizer, f"record {i} of {name}")
            except DataError as err:
                yield err

    records = guarded(parsed(), skip_invalid=skip_invalid, on_invalid=on_invalid)
    return build_docs(records, n_sents=1, vocab=vocab if vocab is not None else getattr(nlp, "vocab", None))


class _Tokenizer:
    """The tokenizer for "text" records, created on first use (it is the
    expensive part of a blank pipeline and pre-tokenized data never needs it)."""

    def __init__(self, nlp: Any, lang: str) -> None:
        self.nlp = nlp
        self.lang = lang

    def __call__(self, text: str) -> tuple[list[str], list[bool]]:
        if self.nlp is None:
            import plait

            self.nlp = plait.blank(self.lang)
        doc = self.nlp.make_doc(text)
        return [t.text for t in doc], [bool(t.whitespace_) for t in doc]


def _parse_line(name: str, lineno: int, line: str, tokenizer: _Tokenizer) -> SentRecord | DataError:
    where = f"line {lineno} of {name}"
    try:
        rec = srsly.json_loads(line)
    except ValueError as err:
        return DataError(f"{where}: not valid JSON ({err}): {line.strip()[:80]!r}")
    try:
        return record_to_sent(rec, tokenizer, where, lineno)
    except DataError as err:
        return err


def record_to_sent(rec: Any, tokenizer: Any, where: str, lineno: int = 0) -> SentRecord:
    """Turn one JSON record into a SentRecord; ``where`` names it in errors."""
    if not isinstance(rec, dict):
        raise DataError(f"{where}: a record is a JSON object, got {type(rec).__name__}")
    if "tokens" in rec:
        words, spaces = _tokens(rec, where)
    elif "text" in rec:
        if not isinstance(rec["text"], str):
            raise DataError(f"{where}: 'text' must be a string")
        words, spaces = tokenizer(rec["text"])
    else:
        raise DataError(f"{where}: a record needs 'text' or 'tokens' (keys: {sorted(rec)})")
    n = len(words)
    out = SentRecord(words=words, spaces=spaces, line=lineno)
    for attr in _TOKEN_ATTRS:
        if rec.get(attr) is not None:
            setattr(out, attr, _column(rec, attr, n, where))
    if rec.get("heads") is not None:
        heads = _column(rec, "heads", n, where)
        for i, h in enumerate(heads):
            if not isinstance(h, int) or not 0 <= h < n:
                raise DataError(f"{where}: heads[{i}] = {h!r} points outside the record ({n} tokens)")
        out.heads = heads
    if rec.get("sent_starts") is not None:
        out.sent_starts = [1 if s else 0 for s in _column(rec, "sent_starts", n, where)]
    ents = rec.get("entities", rec.get("spans"))
    if ents is not None:
        out.ents = _entity_tags(ents, words, spaces, where, rec.get("text"))
    if rec.get("cats") is not None:
        if not isinstance(rec["cats"], dict):
            raise DataError(f"{where}: 'cats' must be an object of label: score")
        out.cats = {str(k): float(v) for k, v in rec["cats"].items()}
    return out


def _tokens(rec: dict[str, Any], where: str) -> tuple[list[str], list[bool]]:
    toks = rec["tokens"]
    if not isinstance(toks, list):
        raise DataError(f"{where}: 'tokens' must be a list")
    words: list[str] = []
    spaces: list[bool] = []
    for i, t in enumerate(toks):
        if isinstance(t, str):
            words.append(t)
            spaces.append(True)
        elif isinstance(t, dict) and isinstance(t.get("text"), str):
            words.append(t["text"])
            spaces.append(bool(t.get("ws", True)))
        else:
            raise DataError(f"{where}: tokens[{i}] must be a string or {{'text': ..., 'ws': ...}}")
    if rec.get("spaces") is not None:
        spaces = [bool(s) for s in _column(rec, "spaces", len(words), where)]
    elif words and isinstance(toks[-1], str):
        spaces[-1] = False
    return words, spaces


def _column(rec: dict[str, Any], key: str, n: int, where: str) -> list[Any]:
    vals = rec[key]
    if not isinstance(vals, list) or len(vals) != n:
        got = len(vals) if isinstance(vals, list) else type(vals).__name__
        raise DataError(f"{where}: '{key}' must be a list of one value per token ({n}), got {got}")
    return vals


def _entity_tags(
    ents: Any, words: list[str], spaces: list[bool], where: str, text: str | None
) -> list[str]:
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    pos = 0
    for i, (w, s) in enumerate(zip(words, spaces)):
        starts[pos] = i
        ends[pos + len(w)] = i
        pos += len(w) + (1 if s else 0)
    tags = ["O"] * len(words)
    if not isinstance(ents, list):
        raise DataError(f"{where}: 'entities' must be a list of [start, end, label]")
    for k, ent in enumerate(ents):
        if isinstance(ent, dict):
            ent = (ent.get("start"), ent.get("end"), ent.get("label"))
        if not (isinstance(ent, (list, tuple)) and len(ent) == 3):
            raise DataError(f"{where}: entities[{k}] must be [start, end, label], got {ent!r}")
        start, end, label = ent
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str) and start < end):
            raise DataError(f"{where}: entities[{k}] = {ent!r} needs integer start < end and a string label")
        if start not in starts or end not in ends:
            snippet = f" ({text[start:end]!r})" if text else ""
            raise DataError(
                f"{where}: entity [{start}, {end}, {label!r}]{snippet} crosses a token boundary; "
                f"fix the offsets or the tokenization"
            )
        first, last = starts[start], ends[end]
        if any(t != "O" for t in tags[first:last + 1]):
            raise DataError(f"{where}: entity [{start}, {end}, {label!r}] overlaps another entity")
        tags[first] = "B-" + label
        for i in range(first + 1, last + 1):
            tags[i] = "I-" + label
    return tags


if TYPE_CHECKING:  # mypy checks each converter against the converters contract
    _jsonl_to_docs: Converter = jsonl_to_docs
    _json_to_docs: Converter = json_to_docs
