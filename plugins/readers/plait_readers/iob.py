"""The ``iob`` and ``ner`` converters: named-entity tags in CoNLL/IOB layouts.

Three layouts, detected from the first data line of a file:

- columns (CoNLL 2003 and friends): one token per line, ``word [POS [chunk]] TAG``
  separated by whitespace (by tabs only when the line has one), blank lines
  (or lines of only whitespace, as WNUT-17's lone TABs) between sentences,
  ``-DOCSTART-`` lines between documents; with 3+ columns the second is kept
  as the tag; ``#word TAG`` is a hashtag token, not a comment;
- the UNER ``.iob2`` layout: tab-separated ``id word TAG - annotator`` with
  ``# sent_id`` / ``# text`` comments (``# text`` gives the spaces back);
- one sentence per line (spaCy's ``iob`` format): ``word|POS|TAG`` or
  ``word|TAG`` tokens separated by spaces, or ``word###TAG``.

IOB1 (``I-`` may start an entity) and IOB2 (every entity starts with
``B-``) are told apart per file: a ``B-`` tag that starts an entity means
IOB2, where an ``I-`` after ``O`` or another type is an error (naming the
line); otherwise the file is read as IOB1. BILUO/BIOES tags are accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from plait.errors import DataError

from ._records import OnInvalid, SentRecord, build_docs, guarded, open_lines, spaces_from_text

if TYPE_CHECKING:
    from plait.plugins.protocols import Converter

_TAG_RE = re.compile(r"^(O|[BIELSU]-\S+)$")
_SENT_END = {".", "!", "?", "...", "!!", "??", "?!"}


def iob_to_docs(
    source: str | Path | TextIO,
    *,
    n_sents: int = 1,
    seg_sents: bool = False,
    merge_subtokens: bool = False,
    morphology: bool = False,
    skip_invalid: bool = False,
    on_invalid: OnInvalid | None = None,
    vocab: Any = None,
    scheme: str = "auto",
    **_: Any,
) -> Iterator[Any]:
    """Convert CoNLL/IOB data to Docs, ``n_sents`` sentences per Doc.

    source (Path | str | TextIO): a file path, the data itself, or an open file.
    n_sents (int): sentences per Doc (``-DOCSTART-`` always starts a new one).
    seg_sents (bool): split sentences at sentence-final punctuation, for
        inputs that only mark documents.
    merge_subtokens, morphology (bool): not used by this format.
    skip_invalid (bool): report (``on_invalid``) and skip bad sentences.
    vocab (Vocab): the Vocab of the Docs (a new one if None).
    scheme (str): "auto", "iob1" or "iob2".
    RETURNS (Iterator[Doc]): the documents.
    """
    if scheme not in ("auto", "iob1", "iob2"):
        raise DataError(f"unknown IOB scheme {scheme!r}: use 'auto', 'iob1' or 'iob2'")
    if scheme == "auto":
        scheme = detect_scheme(source)
    records = guarded(
        read_iob(source, scheme=scheme, seg_sents=seg_sents),
        skip_invalid=skip_invalid,
        on_invalid=on_invalid,
    )
    return build_docs(records, n_sents=n_sents, vocab=vocab)


def ner_to_docs(source: str | Path | TextIO, **kwargs: Any) -> Iterator[Any]:
    """The ``ner`` converter (spaCy's name for CoNLL NER columns): same as ``iob``."""
    return iob_to_docs(source, **kwargs)


def _layout(line: str) -> str:
    parts = line.split()
    if "\t" in line and parts[0].isdigit() and len(line.split("\t")) >= 3:
        return "uner"
    if len(parts) >= 1 and all("###" in p for p in parts):
        return "hash"
    if len(parts) >= 1 and all("|" in p for p in parts):
        return "pipe"
    return "columns"


def _rows(source: str | Path | TextIO) -> Iterator[tuple[int, str]]:
    """Yield (line number, stripped line) for every line, blank ones included."""
    _, lines = open_lines(source)
    for i, line in enumerate(lines, 1):
        yield i, line.rstrip("\r\n")


def detect_scheme(source: str | Path | TextIO) -> str:
    """'iob2' if some entity starts with B- (or the file ends in .iob2), else 'iob1'."""
    if isinstance(source, Path) and source.suffix == ".iob2":
        return "iob2"
    if not isinstance(source, (str, Path)):
        return "iob2"  # an open stream can be read once only
    prev = "O"
    for _, tokens in _sentences(source):
        prev = "O"
        for _, _, tag, _ in tokens:
            if tag.startswith("B-") and (prev == "O" or prev[2:] != tag[2:]):
                return "iob2"
            if tag[:2] in ("S-", "U-", "E-", "L-"):
                return "iob2"
            prev = tag
    return "iob1"


_Token = tuple[str, str | None, str, int]  # word, tag (POS column), NER tag, line


def _hash_token(line: str, layout: str | None) -> bool:
    """Whether a line starting with '#' is a token (a hashtag in social-media
    data, e.g. WNUT-17's ``#NFL<TAB>O``) rather than a comment.

    In the column layouts a token line is ``word [POS [chunk]] TAG``: 2 to 4
    columns ending in a valid tag. Comments (``# text = ...``, ``# sent_id =
    ...``, ``# newdoc``) hold a ``=`` column, have more columns or do not end
    in a tag. The UNER and one-sentence-per-line layouts keep every '#' line
    a comment.
    """
    if layout not in (None, "columns"):
        return False
    cols = [c.strip() for c in (line.split("\t") if "\t" in line else line.split())]
    return 2 <= len(cols) <= 4 and "=" not in cols[1:] and bool(_TAG_RE.match(cols[-1]))


def _sentences(source: str | Path | TextIO) -> Iterator[tuple[dict[str, Any], list[_Token]]]:
    """Yield (info, tokens) per sentence; info has 'line', 'new_doc', 'text',
    'sent_id' and 'error' (a message for a malformed line, which ends the sentence)."""
    layout = None
    info: dict[str, Any] = {"line": 0, "new_doc": False}
    tokens: list[_Token] = []
    for lineno, line in _rows(source):
        stripped = line.strip()
        if not stripped:
            # Comments followed by a blank line still belong to the next sentence.
            if tokens or info.get("error"):
                yield info, tokens
                tokens = []
                info = {"line": 0, "new_doc": False}
            continue
        if stripped.startswith("-DOCSTART-"):
            if tokens:
                yield info, tokens
                tokens = []
            info = {"line": 0, "new_doc": True}
            continue
        if line.startswith("#") and not _hash_token(line, layout):
            body = line[1:].strip()
            if body.startswith("text ="):
                info["text"] = body[len("text ="):].strip()
            elif body.startswith("sent_id ="):
                info["sent_id"] = body[len("sent_id ="):].strip()
            elif body.startswith("newdoc"):
                info["new_doc"] = True
            continue
        if not info["line"]:
            info["line"] = lineno
        if layout is None:
            layout = _layout(stripped)
        if info.get("error"):
            continue
        if layout in ("pipe", "hash"):
            # one sentence per line
            sent: list[_Token] = []
            sep = "###" if layout == "hash" else "|"
            for part in stripped.split():
                fields = part.split(sep)
                if len(fields) < 2 or not fields[0]:
                    info["error"] = f"token {part!r} is not 'word{sep}TAG'"
                    break
                sent.append((fields[0], fields[1] if len(fields) >= 3 else None, fields[-1], lineno))
            yield info, sent
            info = {"line": 0, "new_doc": False}
            continue
        if layout == "uner":
            cols = line.split("\t")
            if len(cols) < 3 or not cols[0].isdigit():
                info["error"] = f"expected tab-separated 'id word TAG ...', got {line!r}"
                continue
            tokens.append((cols[1], None, cols[2].strip(), lineno))
            continue
        # Tab-separated files split on tabs only, so a word holding another
        # whitespace character (a no-break space) stays one word.
        cols = [c.strip() for c in stripped.split("\t")] if "\t" in stripped else stripped.split()
        if len(cols) < 2:
            info["error"] = f"expected 'word ... TAG' columns, got {line!r}"
            continue
        tokens.append((cols[0], cols[1] if len(cols) >= 3 else None, cols[-1], lineno))
    if tokens or info.get("error"):
        yield info, tokens


def read_iob(
    source: str | Path | TextIO, *, scheme: str = "iob2", seg_sents: bool = False
) -> Iterator[SentRecord | DataError]:
    """Parse IOB data into sentence records, yielding a DataError for a bad sentence."""
    name = str(source) if isinstance(source, Path) else getattr(source, "name", "<text>")
    for info, tokens in _sentences(source):
        try:
            if info.get("error"):
                raise DataError(f"line {info['line']} of {name}: {info['error']}")
            recs = [_to_record(name, info, tokens, scheme)]
            if seg_sents:
                recs = _segment(recs[0])
            yield from recs
        except DataError as err:
            yield err


def _to_record(name: str, info: dict[str, Any], tokens: list[_Token], scheme: str) -> SentRecord:
    words = [t[0] for t in tokens]
    ents: list[str] = []
    prev = "O"
    for _word, _, tag, lineno in tokens:
        if not _TAG_RE.match(tag):
            raise DataError(f"line {lineno} of {name}: {tag!r} is not an IOB tag (O, B-X, I-X)")
        if tag[:2] in ("E-", "L-"):
            tag = "I-" + tag[2:]
        elif tag[:2] in ("S-", "U-"):
            tag = "B-" + tag[2:]
        if tag.startswith("I-") and (prev == "O" or prev[2:] != tag[2:]):
            if scheme == "iob2":
                raise DataError(
                    f"line {lineno} of {name}: {tag!r} follows {prev!r}, which IOB2 does not "
                    f"allow (an entity starts with B-); fix the tag or convert as IOB1"
                )
            tag = "B-" + tag[2:]
        ents.append(tag)
        prev = tag
    spaces = None
    if info.get("text"):
        spaces = spaces_from_text(words, info["text"])
    if spaces is None:
        spaces = [True] * len(words)
    if spaces:
        # A space after the sentence: the next sentence of the document follows
        # it ("please? I searched", not "please?I searched", which the
        # tokenizer splits differently from the gold words). The document's
        # last word gets no space in records_to_doc.
        spaces[-1] = True
    pos_tags = [t[1] for t in tokens]
    tags = [p or "" for p in pos_tags] if any(p for p in pos_tags) else None
    return SentRecord(
        words=words, spaces=spaces, line=info["line"], tags=tags, ents=ents,
        new_doc=bool(info.get("new_doc")), meta={"text": info.get("text"), "sent_id": info.get("sent_id")},
    )


def _segment(rec: SentRecord) -> list[SentRecord]:
    """Split at sentence-final punctuation that ends no entity-internal span."""
    cuts = [0]
    for i, w in enumerate(rec.words[:-1]):
        nxt = rec.ents[i + 1] if rec.ents else "O"
        if w in _SENT_END and not nxt.startswith("I-"):
            cuts.append(i + 1)
    cuts.append(len(rec.words))
    if len(cuts) == 2:
        return [rec]
    out = []
    for k, (a, b) in enumerate(zip(cuts, cuts[1:])):
        out.append(SentRecord(
            words=rec.words[a:b], spaces=rec.spaces[a:b], line=rec.line,
            tags=rec.tags[a:b] if rec.tags else None, ents=rec.ents[a:b] if rec.ents else None,
            new_doc=rec.new_doc and k == 0,
        ))
    return out


if TYPE_CHECKING:  # mypy checks each converter against the converters contract
    _iob_to_docs: Converter = iob_to_docs
    _ner_to_docs: Converter = ner_to_docs
