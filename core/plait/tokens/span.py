"""Span: a view of tokens ``start:end`` of a Doc, with an optional label.

Spans are entities, sentences, noun chunks and span-group members. A Span
stores only its bounds and label/kb/id hashes; text and annotation come
from the doc.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import attrs as A
from ..errors import UsageError
from ..vectors_tokens import HasVectors
from . import _doc_parse
from .token import Token

if TYPE_CHECKING:
    from .doc import Doc


class Span(HasVectors):
    """Tokens ``start:end`` of a Doc.

    doc (Doc): the doc. start (int): first token. end (int): one past the last.
    label (str | int): the label. kb_id (str | int): knowledge-base id.
    span_id (str | int): an id.
    """

    __slots__ = ("doc", "start", "end", "label", "kb_id", "id")

    def __init__(
        self, doc: Doc, start: int, end: int, label: str | int = 0, *, kb_id: str | int = 0,
        span_id: str | int = 0, vector: Any = None,
    ) -> None:  # fmt: skip
        n = len(doc)
        if not (0 <= start <= end <= n):
            raise UsageError(
                f"Span({start}, {end}): bounds must satisfy 0 <= start <= end <= {n} (the doc length)"
            )
        strings = doc.vocab.strings
        self.doc = doc
        self.start = int(start)
        self.end = int(end)
        self.label = strings.add(label) if isinstance(label, str) else int(label)
        self.kb_id = strings.add(kb_id) if isinstance(kb_id, str) else int(kb_id)
        self.id = strings.add(span_id) if isinstance(span_id, str) else int(span_id)

    @property
    def label_(self) -> str:
        return self.doc.vocab.strings[self.label]

    @label_.setter
    def label_(self, value: str) -> None:
        self.label = self.doc.vocab.strings.add(value)

    @property
    def kb_id_(self) -> str:
        return self.doc.vocab.strings[self.kb_id]

    @property
    def id_(self) -> str:
        return self.doc.vocab.strings[self.id]

    @id_.setter
    def id_(self, value: str) -> None:
        self.id = self.doc.vocab.strings.add(value)

    # spaCy (>= 3.5) keeps ent_id as an alias of the span's id: an entity of
    # doc.ents carries its tokens' ENT_ID (an entity ruler pattern's "id").
    @property
    def ent_id(self) -> int:
        return self.id

    @ent_id.setter
    def ent_id(self, value: int) -> None:
        self.id = int(value)

    @property
    def ent_id_(self) -> str:
        return self.id_

    @ent_id_.setter
    def ent_id_(self, value: str) -> None:
        self.id_ = value

    @property
    def vocab(self) -> Any:
        return self.doc.vocab

    def _vector_source(self) -> tuple[Any, np.ndarray]:
        return self.doc.vocab, self.doc._lex[self.start:self.end]

    def __len__(self) -> int:
        return self.end - self.start

    def __iter__(self) -> Iterator[Token]:
        for i in range(self.start, self.end):
            yield Token(self.doc, i)

    def __getitem__(self, key: int | slice) -> Token | Span:
        n = len(self)
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step != 1:
                raise UsageError("Span slices must have step 1")
            return Span(self.doc, self.start + start, self.start + max(start, stop))
        i = int(key) + (n if key < 0 else 0)
        if not 0 <= i < n:
            raise IndexError(f"token index {key} out of range for a span of {n} tokens")
        return Token(self.doc, self.start + i)

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Span)
            and other.doc is self.doc
            and (other.start, other.end, other.label, other.kb_id)
            == (self.start, self.end, self.label, self.kb_id)
        )

    def __hash__(self) -> int:
        return hash((id(self.doc), self.start, self.end, self.label, self.kb_id))

    @property
    def start_char(self) -> int:
        return int(self.doc.idx[self.start]) if self.start < len(self.doc) else len(self.doc.text)

    @property
    def end_char(self) -> int:
        if self.end == self.start:
            return self.start_char
        last = self.end - 1
        return int(self.doc.idx[last]) + int(self.doc.vocab._cols["length"][self.doc._lex[last]])

    @property
    def text(self) -> str:
        texts = self.doc.vocab._lex_texts
        rows = self.doc._lex[self.start : self.end].tolist()
        spaces = self.doc._spaces[self.start : self.end].tolist()
        if not rows:
            return ""
        spaces[-1] = False
        return "".join(
            [texts[r] + " " if s else texts[r] for r, s in zip(rows, spaces, strict=False)]
        )

    @property
    def text_with_ws(self) -> str:
        return self.text + (" " if self.end and self.doc._spaces[self.end - 1] else "")

    @property
    def root(self) -> Token:
        """The token whose head lies outside the span (the leftmost if several)."""
        heads = _doc_parse.abs_heads(self.doc)[self.start : self.end]
        idx = np.arange(self.start, self.end)
        outside = (heads < self.start) | (heads >= self.end) | (heads == idx)
        if not outside.any():
            return Token(self.doc, self.start)
        # Prefer the token highest in the tree: fewest ancestors inside the doc.
        candidates = idx[outside].tolist()
        if len(candidates) == 1:
            return Token(self.doc, candidates[0])
        depth = [sum(1 for _ in Token(self.doc, c).ancestors) for c in candidates]
        return Token(self.doc, candidates[int(np.argmin(depth))])

    @property
    def sent(self) -> Span:
        return Token(self.doc, self.start).sent

    @property
    def sents(self) -> Iterator[Span]:
        for sent in self.doc.sents:
            if sent.end > self.start and sent.start < self.end:
                yield sent

    @property
    def ents(self) -> tuple[Span, ...]:
        return tuple(e for e in self.doc.ents if e.start >= self.start and e.end <= self.end)

    @property
    def noun_chunks(self) -> Iterator[Span]:
        for chunk in self.doc.noun_chunks:
            if chunk.start >= self.start and chunk.end <= self.end:
                yield chunk

    @property
    def lemma_(self) -> str:
        return " ".join(t.lemma_ for t in self)

    def to_array(self, attrs: Any) -> np.ndarray:
        return self.doc.to_array(attrs)[self.start : self.end]

    def char_span(self, start_idx: int, end_idx: int, label: str | int = 0, kb_id: str | int = 0,
                  vector: Any = None, alignment_mode: str = "strict", span_id: str | int = 0) -> Span | None:  # fmt: skip
        """Like ``Doc.char_span`` with offsets relative to the span's text."""
        base = self.start_char
        span = self.doc.char_span(base + start_idx, base + end_idx, label=label, kb_id=kb_id,
                                  alignment_mode=alignment_mode, span_id=span_id)  # fmt: skip
        if span is None or span.start < self.start or span.end > self.end:
            return None
        return span

    def as_doc(self, copy_user_data: bool = False) -> Doc:
        """RETURNS (Doc): a new Doc holding just these tokens and their annotation."""
        from .doc import TOKEN_COLUMNS, Doc

        doc = self.doc
        s, e = self.start, self.end
        cols = {attr: doc._tok[attr][s:e].copy() for attr in TOKEN_COLUMNS}
        heads = cols[A.HEAD] + np.arange(s, e)
        outside = (heads < s) | (heads >= e)
        cols[A.HEAD][outside] = 0  # heads leaving the span become roots
        if len(cols[A.SENT_START]):
            if cols[A.SENT_START][0] == -1 or doc.has_annotation(A.SENT_START):
                cols[A.SENT_START][0] = 1
        iob = cols[A.ENT_IOB]
        if len(iob) and iob[0] == 1:
            iob[0] = 3  # an entity cut by the span start begins here
        new = Doc._from_columns(doc.vocab, doc._lex[s:e].copy(), doc._spaces[s:e].copy(), cols)
        if doc._norm is not None:
            new._norm = doc._norm[s:e].copy()
        if copy_user_data:
            new.user_data = dict(doc.user_data)
        for name, group in doc.spans.items():
            new.spans[name] = [Span(new, sp.start - s, sp.end - s, label=sp.label, kb_id=sp.kb_id, span_id=sp.id)
                               for sp in group if sp.start >= s and sp.end <= e]  # fmt: skip
        return new
