"""Token: a view of one position of a Doc (``doc[i]``).

A Token holds only the doc and the index; every attribute reads or writes
the doc's columns or the vocab's lexeme table, so creating one is cheap.
Lexical accessors (``lower_``, ``is_alpha``…) are generated from one table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import attrs as A
from ..errors import DataError, UsageError
from ..morphology import MorphAnalysis
from ..vectors_tokens import HasVectors
from . import _doc_parse

if TYPE_CHECKING:
    from .doc import Doc
    from .span import Span


class Token(HasVectors):
    """One token of a Doc.

    doc (Doc): the parent. i (int): the index.
    """

    __slots__ = ("doc", "i")

    def __init__(self, doc: Doc, i: int) -> None:
        self.doc = doc
        self.i = i

    # Identity -------------------------------------------------------------
    @property
    def vocab(self) -> Any:
        return self.doc.vocab

    def _vector_source(self) -> tuple[Any, np.ndarray]:
        return self.doc.vocab, self.doc._lex[self.i:self.i + 1]

    @property
    def lex_id(self) -> int:
        return int(self.doc._lex[self.i])

    @property
    def lex(self) -> Any:
        from ..lexeme import Lexeme

        return Lexeme(self.doc.vocab, self.lex_id)

    @property
    def text(self) -> str:
        return self.doc.vocab._lex_texts[self.doc._lex[self.i]]

    orth_ = text

    @property
    def whitespace_(self) -> str:
        return " " if self.doc._spaces[self.i] else ""

    @property
    def text_with_ws(self) -> str:
        return self.text + self.whitespace_

    @property
    def idx(self) -> int:
        return int(self.doc.idx[self.i])

    def __len__(self) -> int:
        return len(self.text)

    def __repr__(self) -> str:
        return self.text

    __str__ = text.fget  # type: ignore[attr-defined]  # a property, which mypy reads as the getter

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other.doc is self.doc and other.i == self.i

    def __hash__(self) -> int:
        return hash((id(self.doc), self.i))

    def __lt__(self, other: Token) -> bool:
        return self.i < other.i

    def nbor(self, i: int = 1) -> Token:
        """Return the token ``i`` positions away (IndexError at the edges)."""
        j = self.i + i
        if not 0 <= j < len(self.doc):
            raise IndexError(f"token {self.i}: neighbour at offset {i} is outside the doc")
        return Token(self.doc, j)

    # Token-level string columns ---------------------------------------------
    def _get_hash(self, attr: int) -> int:
        return int(self.doc._tok[attr][self.i])

    def _set_str(self, attr: int, value: str | None) -> None:
        self.doc._tok[attr][self.i] = self.doc.vocab.strings.add(value) if value else 0

    tag = property(lambda self: self._get_hash(A.TAG), lambda self, v: self._set_int(A.TAG, v))
    tag_ = property(
        lambda self: self.doc.vocab.strings[self._get_hash(A.TAG)],
        lambda self, v: self._set_str(A.TAG, v),
    )
    lemma = property(
        lambda self: self._get_hash(A.LEMMA), lambda self, v: self._set_int(A.LEMMA, v)
    )
    lemma_ = property(
        lambda self: self.doc.vocab.strings[self._get_hash(A.LEMMA)],
        lambda self, v: self._set_str(A.LEMMA, v),
    )
    dep = property(lambda self: self._get_hash(A.DEP), lambda self, v: self._set_int(A.DEP, v))
    dep_ = property(
        lambda self: self.doc.vocab.strings[self._get_hash(A.DEP)],
        lambda self, v: self._set_str(A.DEP, v),
    )
    ent_type = property(
        lambda self: self._get_hash(A.ENT_TYPE), lambda self, v: self._set_int(A.ENT_TYPE, v)
    )
    ent_type_ = property(
        lambda self: self.doc.vocab.strings[self._get_hash(A.ENT_TYPE)],
        lambda self, v: self._set_str(A.ENT_TYPE, v),
    )
    ent_kb_id = property(
        lambda self: self._get_hash(A.ENT_KB_ID), lambda self, v: self._set_int(A.ENT_KB_ID, v)
    )
    ent_kb_id_ = property(
        lambda self: self.doc.vocab.strings[self._get_hash(A.ENT_KB_ID)],
        lambda self, v: self._set_str(A.ENT_KB_ID, v),
    )
    ent_id = property(
        lambda self: self._get_hash(A.ENT_ID), lambda self, v: self._set_int(A.ENT_ID, v)
    )
    ent_id_ = property(
        lambda self: self.doc.vocab.strings[self._get_hash(A.ENT_ID)],
        lambda self, v: self._set_str(A.ENT_ID, v),
    )

    def _set_int(self, attr: int, value: int) -> None:
        self.doc._tok[attr][self.i] = int(value)

    @property
    def pos(self) -> int:
        return self._get_hash(A.POS)

    @pos.setter
    def pos(self, value: int) -> None:
        self.doc._tok[A.POS][self.i] = A.pos_id(int(value), where=f"token {self.i}: ")

    @property
    def pos_(self) -> str:
        return A.POS_NAMES[self._get_hash(A.POS)]

    @pos_.setter
    def pos_(self, value: str) -> None:
        self.doc._tok[A.POS][self.i] = A.pos_id(value or None, where=f"token {self.i}: ")

    @property
    def morph(self) -> MorphAnalysis:
        return MorphAnalysis.from_id(self.doc.vocab, self._get_hash(A.MORPH))

    @morph.setter
    def morph(self, value: MorphAnalysis | str | dict | None) -> None:
        self.set_morph(value)

    def set_morph(self, features: MorphAnalysis | str | dict | int | None) -> None:
        """Set the morphology from a string, dict, MorphAnalysis, hash or None."""
        if isinstance(features, MorphAnalysis):
            key = features.key
        elif isinstance(features, (int, np.integer)):
            key = int(features)
        else:
            key = self.doc.vocab.morphology.add(features)
        self.doc._tok[A.MORPH][self.i] = key

    def has_morph(self) -> bool:
        return self._get_hash(A.MORPH) != 0

    # Entities ------------------------------------------------------------
    @property
    def ent_iob(self) -> int:
        return int(self.doc._tok[A.ENT_IOB][self.i])

    @property
    def ent_iob_(self) -> str:
        return ("", "I", "O", "B")[self.ent_iob]

    @classmethod
    def iob_strings(cls) -> tuple[str, ...]:
        return ("", "I", "O", "B")

    # Norm can be overridden per token -------------------------------------------
    @property
    def norm(self) -> int:
        doc = self.doc
        if doc._norm is not None and doc._norm[self.i]:
            return int(doc._norm[self.i])
        return int(doc.vocab._cols["norm"][doc._lex[self.i]])

    @norm.setter
    def norm(self, value: int) -> None:
        if self.doc._norm is None:
            self.doc._norm = np.zeros(len(self.doc), dtype=np.uint64)
        self.doc._norm[self.i] = int(value)

    @property
    def norm_(self) -> str:
        return self.doc.vocab.strings[self.norm]

    @norm_.setter
    def norm_(self, value: str) -> None:
        self.norm = self.doc.vocab.strings.add(value)

    # Sentences -----------------------------------------------------------
    @property
    def is_sent_start(self) -> bool | None:
        value = int(self.doc._tok[A.SENT_START][self.i])
        if self.i == 0:
            return True
        return None if value == 0 else value == 1

    @is_sent_start.setter
    def is_sent_start(self, value: bool | None) -> None:
        if self.doc.has_annotation(A.DEP):
            raise UsageError(
                f"token {self.i}: cannot set is_sent_start on a parsed doc; sentence boundaries follow the heads"
            )
        self.doc._tok[A.SENT_START][self.i] = 0 if value is None else (1 if value else -1)

    sent_start = property(lambda self: int(self.doc._tok[A.SENT_START][self.i]))

    @property
    def is_sent_end(self) -> bool | None:
        if self.i + 1 == len(self.doc):
            return True
        return self.nbor().is_sent_start

    @property
    def sent(self) -> Span:
        from .span import Span

        bounds = self.doc._sent_bounds()
        k = int(np.searchsorted(bounds, self.i, side="right")) - 1
        return Span(self.doc, int(bounds[k]), int(bounds[k + 1]))

    # Dependency tree -----------------------------------------------------------
    @property
    def head(self) -> Token:
        return Token(self.doc, self.i + int(self.doc._tok[A.HEAD][self.i]))

    @head.setter
    def head(self, new_head: Token) -> None:
        if not isinstance(new_head, Token) or new_head.doc is not self.doc:
            raise UsageError(f"token {self.i}: the head must be a Token of the same doc")
        _doc_parse.set_head(self.doc, self.i, new_head.i)

    @property
    def children(self) -> Iterator[Token]:
        for j in _doc_parse.children(self.doc, self.i).tolist():
            yield Token(self.doc, j)

    @property
    def lefts(self) -> Iterator[Token]:
        for j in _doc_parse.children(self.doc, self.i).tolist():
            if j < self.i:
                yield Token(self.doc, j)

    @property
    def rights(self) -> Iterator[Token]:
        for j in _doc_parse.children(self.doc, self.i).tolist():
            if j > self.i:
                yield Token(self.doc, j)

    @property
    def n_lefts(self) -> int:
        return int((_doc_parse.children(self.doc, self.i) < self.i).sum())

    @property
    def n_rights(self) -> int:
        return int((_doc_parse.children(self.doc, self.i) > self.i).sum())

    @property
    def subtree(self) -> Iterator[Token]:
        for j in np.flatnonzero(_doc_parse.descendants_mask(self.doc, self.i)).tolist():
            yield Token(self.doc, j)

    @property
    def left_edge(self) -> Token:
        return Token(self.doc, int(np.argmax(_doc_parse.descendants_mask(self.doc, self.i))))

    @property
    def right_edge(self) -> Token:
        mask = _doc_parse.descendants_mask(self.doc, self.i)
        return Token(self.doc, len(mask) - 1 - int(np.argmax(mask[::-1])))

    @property
    def ancestors(self) -> Iterator[Token]:
        heads = _doc_parse.abs_heads(self.doc)
        i = self.i
        for _ in range(len(heads)):
            h = int(heads[i])
            if h == i:
                return
            yield Token(self.doc, h)
            i = h
        raise DataError(f"token {self.i}: the heads form a cycle")

    def is_ancestor(self, descendant: Token) -> bool:
        return descendant.i != self.i and bool(
            _doc_parse.descendants_mask(self.doc, self.i)[descendant.i]
        )

    @property
    def conjuncts(self) -> tuple[Token, ...]:
        conj = self.doc.vocab.strings.add("conj")
        start = self
        while start.dep == conj and start.head.i != start.i:
            start = start.head
        out = []
        queue = [start]
        while queue:
            tok = queue.pop()
            for child in tok.children:
                if child.dep == conj:
                    out.append(child)
                    queue.append(child)
        return tuple(t for t in sorted([start, *out]) if t.i != self.i)


def _lex_getter(col: str, as_str: bool) -> property:
    def get(self: Token) -> Any:
        vocab = self.doc.vocab
        value = int(vocab._cols[col][self.doc._lex[self.i]])
        return vocab.strings[value] if as_str else value

    return property(get)


def _flag_getter(flag: int) -> property:
    def get(self: Token) -> bool:
        return bool((int(self.doc.vocab._cols["flags"][self.doc._lex[self.i]]) >> flag) & 1)

    return property(get)


for _name in ("orth", "lower", "prefix", "suffix", "shape"):
    setattr(Token, _name, _lex_getter(_name, False))
    if _name != "orth":
        setattr(Token, _name + "_", _lex_getter(_name, True))
for _attr in A.FLAG_ATTRS:
    setattr(Token, A.NAMES[_attr].lower(), _flag_getter(_attr))
Token.is_oov = property(lambda self: False)  # type: ignore[attr-defined]
