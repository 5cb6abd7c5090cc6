"""Doc: a tokenised text stored as numpy columns (struct of arrays).

A Doc holds the lexeme row of each word, a spaces array, and one column per
token attribute (tag, pos, morph, lemma, head offset, dep, entity IOB/type/kb
id, sentence start). ``Token`` and ``Span`` are views that read and write
these columns, so creating them copies nothing, and ``to_array`` /
``from_array`` move whole columns at once for the models.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import attrs as A
from ..errors import DataError, UsageError
from ..vectors_tokens import HasVectors
from ..vocab import Vocab
from . import _doc_ents, _doc_init, _doc_parse
from .span import Span
from .span_group import SpanGroups
from .token import Token

# Token-level columns and their storage dtypes. Hash columns are uint64;
# HEAD is an offset; ENT_IOB is 0 missing / 1 I / 2 O / 3 B; SENT_START is
# 1 start / -1 not a start / 0 missing.
TOKEN_COLUMNS: dict[int, type] = {
    A.TAG: np.uint64, A.POS: np.uint64, A.MORPH: np.uint64, A.LEMMA: np.uint64,
    A.HEAD: np.int64, A.DEP: np.uint64, A.ENT_IOB: np.uint8, A.ENT_TYPE: np.uint64,
    A.ENT_KB_ID: np.uint64, A.ENT_ID: np.uint64, A.SENT_START: np.int8,
}  # fmt: skip
_POS_ID_SET = set(A.POS_NAMES)
LEXEME_ATTRS = {
    A.ORTH,
    A.LOWER,
    A.NORM,
    A.SHAPE,
    A.PREFIX,
    A.SUFFIX,
    A.LENGTH,
    A.LANG,
    *A.FLAG_ATTRS,
}


class _Columns(dict):
    """The token columns of one Doc, each allocated (zeroed) on first access.

    Most docs only ever get a few columns written (a tagger writes TAG, a text
    classifier none), so allocating all eleven per doc would cost more than the
    tokenizer's work on warm text. A missing column reads as all zeros
    ("missing" in every encoding), so ``doc._tok[attr]`` behaves as if every
    column were present; code iterating the dict sees only allocated columns.

    n (int): the number of tokens.
    columns (dict | None): columns to start with (used as they are).
    """

    def __init__(self, n: int, columns: dict[int, np.ndarray] | None = None) -> None:
        if columns:
            super().__init__(columns)
        self.n = n

    def __missing__(self, attr: int) -> np.ndarray:
        col = np.zeros(self.n, dtype=TOKEN_COLUMNS[attr])
        self[attr] = col
        return col


class NoNounChunksError(UsageError, NotImplementedError):
    """The language defines no noun-chunk iterator."""


class Doc(HasVectors):
    """A sequence of tokens with their annotation.

    vocab (Vocab): the shared vocab.
    words (list[str] | None): the words.
    spaces (list[bool] | None): whether each word is followed by a space
        (default: all True).
    user_data (dict | None): free-form data kept with the doc.
    tags, pos, morphs, lemmas, deps (list[str | None] | None): per-token
        annotation, None for missing. pos are universal POS names.
    heads (list[int | None] | None): absolute head indices (requires deps).
    sent_starts (list[bool | None] | None): True / False / None (missing).
    ents (list[str | None] | None): IOB2 or BILUO tags, ""/None for missing.
    """

    def __init__(
        self,
        vocab: Vocab,
        words: Sequence[str] | None = None,
        spaces: Sequence[bool] | None = None,
        *,
        user_data: dict | None = None,
        tags: Sequence[str | None] | None = None,
        pos: Sequence[str | None] | None = None,
        morphs: Sequence[str | None] | None = None,
        lemmas: Sequence[str | None] | None = None,
        heads: Sequence[int | None] | None = None,
        deps: Sequence[str | None] | None = None,
        sent_starts: Sequence[bool | int | None] | None = None,
        ents: Sequence[str | None] | None = None,
    ) -> None:
        if not isinstance(vocab, Vocab):
            raise UsageError(
                f"Doc(vocab, ...) needs a plait Vocab as first argument, got {type(vocab).__name__}"
            )
        if isinstance(words, str):
            raise UsageError("Doc(words=...) expects a list of strings, got a str")
        words = [] if words is None else list(words)
        n = len(words)
        given = {"spaces": spaces, "tags": tags, "pos": pos, "morphs": morphs, "lemmas": lemmas,
                 "heads": heads, "deps": deps, "sent_starts": sent_starts, "ents": ents}  # fmt: skip
        for name, values in given.items():
            if values is not None and len(values) != n:
                raise DataError(
                    f"Doc: {len(values)} {name} for {n} words; give exactly one value per word"
                )
        try:
            lex = vocab.get_lex_ids(words)
        except DataError:
            bad = next(i for i, w in enumerate(words) if not isinstance(w, str) or not w)
            raise DataError(
                f"Doc: words[{bad}] = {words[bad]!r}; every word must be a non-empty string"
            ) from None
        self._init_empty(
            vocab, lex, np.ones(n, dtype=bool) if spaces is None else np.array(spaces, dtype=bool)
        )
        if user_data is not None:
            self.user_data = user_data
        _doc_init.set_annotations(
            self, tags=tags, pos=pos, morphs=morphs, lemmas=lemmas, heads=heads, deps=deps,
            sent_starts=sent_starts, ents=ents,
        )

    def _init_empty(
        self, vocab: Vocab, lex: np.ndarray, spaces: np.ndarray, tok: dict | None = None
    ) -> None:
        self.vocab = vocab
        self._lex = lex
        self._spaces = spaces
        self._tok = _Columns(len(lex), tok)
        self._norm: np.ndarray | None = None  # token-level norm overrides
        self._idx: np.ndarray | None = None
        # Containers are created on first use: a corpus holds many docs, and
        # fewer objects per doc means less allocation and garbage-collector work.
        self._user_data: dict | None = None
        self._cats: dict[str, float] | None = None
        self._spans: SpanGroups | None = None
        self._hooks: dict[str, dict] | None = None
        self.tensor: Any = None
        self.has_unknown_spaces = False

    @property
    def user_data(self) -> dict:
        """RETURNS (dict): free-form data kept with the doc."""
        if self._user_data is None:
            self._user_data = {}
        return self._user_data

    @user_data.setter
    def user_data(self, value: dict) -> None:
        self._user_data = value

    @property
    def cats(self) -> dict[str, float]:
        """RETURNS (dict[str, float]): text-classification labels and scores."""
        if self._cats is None:
            self._cats = {}
        return self._cats

    @cats.setter
    def cats(self, value: dict[str, float]) -> None:
        self._cats = value

    @property
    def spans(self) -> SpanGroups:
        """RETURNS (SpanGroups): named span groups (a dict of SpanGroup)."""
        if self._spans is None:
            self._spans = SpanGroups(self)
        return self._spans

    @spans.setter
    def spans(self, value: dict) -> None:
        self._spans = SpanGroups(self)
        for name, group in value.items():
            self._spans[name] = group

    def _hook_dict(self, name: str) -> dict:
        if self._hooks is None:
            self._hooks = {"doc": {}, "token": {}, "span": {}}
        return self._hooks[name]

    user_hooks = property(lambda self: self._hook_dict("doc"))
    user_token_hooks = property(lambda self: self._hook_dict("token"))
    user_span_hooks = property(lambda self: self._hook_dict("span"))

    @classmethod
    def _from_columns(
        cls,
        vocab: Vocab,
        lex: np.ndarray,
        spaces: np.ndarray,
        columns: dict[int, np.ndarray],
        *,
        share: bool = False,
    ) -> Doc:
        """Build a Doc from ready columns without validation (DocBin, copy).

        share (bool): use ``columns`` as they are (every column present, right
            dtypes, not used elsewhere) instead of copying them.
        """
        doc = cls.__new__(cls)
        if share:
            doc._init_empty(vocab, lex, spaces, columns)
            return doc
        doc._init_empty(vocab, lex, spaces)
        for attr, values in columns.items():
            doc._tok[attr][:] = values
        return doc

    @classmethod
    def _from_lex(cls, vocab: Vocab, lex: np.ndarray, spaces: np.ndarray) -> Doc:
        """Build an unannotated Doc from lexeme rows and spaces (the tokenizer's
        fast path: no validation, no columns allocated).

        lex (numpy.ndarray): int64 lexeme rows of ``vocab``.
        spaces (numpy.ndarray): bool, one per token.
        RETURNS (Doc): the new doc, owning both arrays.
        """
        doc = cls.__new__(cls)
        doc._init_empty(vocab, lex, spaces)
        return doc

    # Sequence protocol ---------------------------------------------------
    def _vector_source(self) -> tuple[Any, np.ndarray]:
        return self.vocab, self._lex

    def __len__(self) -> int:
        return len(self._lex)

    def __getitem__(self, key: int | slice) -> Token | Span:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                raise UsageError("Doc slices must have step 1")
            return Span(self, start, max(start, stop))
        n = len(self)
        i = int(key)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"token index {key} out of range for a doc of {n} tokens")
        return Token(self, i)

    def __iter__(self) -> Iterator[Token]:
        for i in range(len(self)):
            yield Token(self, i)

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    # Text ----------------------------------------------------------------
    @property
    def words(self) -> list[str]:
        """RETURNS (list[str]): the word strings."""
        texts = self.vocab._lex_texts
        return [texts[r] for r in self._lex.tolist()]

    @property
    def text_with_ws(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """RETURNS (str): the original text, words joined by their spaces."""
        texts = self.vocab._lex_texts
        return "".join(
            [
                texts[r] + " " if s else texts[r]
                for r, s in zip(self._lex.tolist(), self._spaces.tolist(), strict=False)
            ]
        )

    @property
    def idx(self) -> np.ndarray:
        """RETURNS (numpy.ndarray): the character offset of every token."""
        if self._idx is None:
            lengths = self.vocab._cols["length"][self._lex].astype(np.int64) + self._spaces
            idx = np.zeros(len(self), dtype=np.int64)
            np.cumsum(lengths[:-1], out=idx[1:])
            self._idx = idx
        return self._idx

    @property
    def lang_(self) -> str:
        return self.vocab.lang

    @property
    def lang(self) -> int:
        return self.vocab.strings.add(self.vocab.lang)

    # Arrays --------------------------------------------------------------
    def _column(self, attr: int) -> np.ndarray:
        if attr in TOKEN_COLUMNS:
            col = self._tok.get(attr)
            return np.zeros(len(self._lex), dtype=np.uint64) if col is None else col.astype(np.uint64)
        if attr == A.NORM and self._norm is not None:
            lex_norm = self.vocab._lex_values(A.NORM, self._lex)
            return np.where(self._norm != 0, self._norm, lex_norm)
        if attr in LEXEME_ATTRS:
            return self.vocab._lex_values(attr, self._lex)
        if attr == A.SPACY:
            return self._spaces.astype(np.uint64)
        if attr == A.ID:
            return self._lex.astype(np.uint64)
        if attr == A.IDX:
            return self.idx.astype(np.uint64)
        raise UsageError(f"Doc.to_array: attribute {A.NAMES.get(attr, attr)} is not available")

    def to_array(self, attrs: Iterable[str | int] | str | int) -> np.ndarray:
        """Export attributes as uint64 arrays (spaCy's layout).

        attrs (int | str | list): one attribute (1-D result) or a list (2-D,
            one column per attribute). HEAD gives offsets; negative values
            wrap around as in spaCy (read them back with ``astype(int64)``).
        RETURNS (numpy.ndarray): shape (n,) or (n, len(attrs)), dtype uint64.
        """
        ids, single = A.as_attr_list(attrs)
        if single:
            return self._column(ids[0])
        out = np.empty((len(self), len(ids)), dtype=np.uint64)
        for k, attr in enumerate(ids):
            out[:, k] = self._column(attr)
        return out

    def from_array(self, attrs: Iterable[str | int] | str | int, array: np.ndarray) -> Doc:
        """Import attribute columns (the inverse of ``to_array``).

        Lexeme attributes (ORTH, NORM…) are skipped: they belong to the words.
        HEAD values are offsets; they must stay inside the doc. Setting HEAD
        without SENT_START recomputes sentence starts from the trees.
        RETURNS (Doc): self.
        """
        ids, single = A.as_attr_list(attrs)
        array = np.asarray(array)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        if array.shape != (len(self), len(ids)):
            raise DataError(
                f"Doc.from_array: array of shape {array.shape} for {len(ids)} attributes and "
                f"{len(self)} tokens; expected ({len(self)}, {len(ids)})"
            )
        tok = self._tok
        for k, attr in enumerate(ids):
            col = array[:, k]
            if attr == A.HEAD:
                col = col.astype(np.int64)
                _doc_parse.check_heads(
                    np.arange(len(self)) + col, "Doc.from_array: HEAD (absolute)"
                )
            elif attr == A.SENT_START:
                col = col.astype(np.int64)
            elif attr == A.ENT_IOB:
                bad = np.flatnonzero(col > 3)
                if len(bad):
                    raise DataError(
                        f"Doc.from_array: ENT_IOB[{bad[0]}] = {col[bad[0]]}; valid codes are 0-3"
                    )
            elif attr == A.POS:
                unknown = set(np.unique(col).tolist()) - _POS_ID_SET
                if unknown:
                    raise DataError(f"Doc.from_array: unknown POS ids {sorted(unknown)}")
            if attr in TOKEN_COLUMNS:
                if attr in tok:
                    tok[attr][:] = col
                else:  # not allocated yet: a converted copy is the column
                    tok[attr] = col.astype(TOKEN_COLUMNS[attr])
            elif attr == A.SPACY:
                self._spaces = col.astype(bool)
                self._idx = None
            elif attr in LEXEME_ATTRS or attr in (A.ID, A.IDX):
                continue
            else:
                raise UsageError(f"Doc.from_array: cannot set attribute {A.NAMES.get(attr, attr)}")
        if A.HEAD in ids and A.SENT_START not in ids:
            _doc_parse.update_sent_starts(self)
        return self

    def has_annotation(self, attr: str | int, *, require_complete: bool = False) -> bool:
        """Whether any (or every) token has a value for ``attr``.

        attr (str | int): e.g. "DEP", "TAG", "ENT_IOB", "SENT_START".
        require_complete (bool): check every token instead of any.
        RETURNS (bool).
        """
        key = A.attr_id(attr)
        if key == A.HEAD:
            key = A.DEP  # a head offset of 0 is a valid root: rely on DEP
        check = np.all if require_complete else np.any
        if key == A.SENT_START:
            if self.has_annotation(A.DEP, require_complete=require_complete):
                return True
            if len(self) == 1:
                return bool(self._tok[A.SENT_START][0] != 0)
            return bool(check(self._tok[A.SENT_START][1:] != 0))
        if key in TOKEN_COLUMNS:
            col = self._tok.get(key)  # an unallocated column is all zeros
            return bool(check(col != 0)) if col is not None and len(self) else False
        return bool(check(self._column(key) != 0)) if len(self) else False

    # Entities, sentences, spans -------------------------------------------
    @property
    def ents(self) -> tuple[Span, ...]:
        """RETURNS (tuple[Span]): the entities, from the ENT_IOB/ENT_TYPE columns."""
        return _doc_ents.get_ents(self)

    @ents.setter
    def ents(self, spans: Iterable[Any]) -> None:
        labelled, missing = [], []
        for item in spans:
            unlabelled = isinstance(item, Span) and not item.label
            (missing if unlabelled else labelled).append(item)
        _doc_ents.set_ents(self, labelled, missing=missing, default="outside")

    def set_ents(
        self,
        entities: Iterable[Any] | None,
        *,
        blocked: Iterable[Any] | None = None,
        missing: Iterable[Any] | None = None,
        outside: Iterable[Any] | None = None,
        default: str = "outside",
    ) -> None:
        """Set entities with explicit blocked / missing / outside spans (see spaCy)."""
        _doc_ents.set_ents(
            self, entities, blocked=blocked, missing=missing, outside=outside, default=default
        )

    def _sent_bounds(self) -> np.ndarray:
        if not self.has_annotation(A.SENT_START):
            raise UsageError(
                "Sentence boundaries are unset. Add a component that sets them (parser, senter, "
                "sentencizer) or set token.is_sent_start / Doc(sent_starts=...)"
            )
        starts = np.flatnonzero(self._tok[A.SENT_START] == 1)
        if not len(starts) or starts[0] != 0:
            starts = np.concatenate([[0], starts])
        return np.append(starts, len(self))

    @property
    def sents(self) -> Iterator[Span]:
        """Yield the sentences as Spans (from SENT_START, set by parse or senter)."""
        if self._hooks is not None and "sents" in self._hooks["doc"]:
            yield from self._hooks["doc"]["sents"](self)
            return
        bounds = self._sent_bounds().tolist()
        for start, end in zip(bounds[:-1], bounds[1:], strict=False):
            yield Span(self, start, end)

    @property
    def noun_chunks(self) -> Iterator[Span]:
        """Yield base noun phrases, using the language's ``get_noun_chunks``."""
        iterator = self.vocab.get_noun_chunks
        if iterator is None:
            raise NoNounChunksError(
                f"noun_chunks is not available for language {self.lang_ or '(none)'!r}: "
                "the language defines no noun-chunk iterator (Vocab(get_noun_chunks=...))"
            )
        for start, end, label in iterator(self):
            yield Span(self, start, end, label=label)

    def char_span(
        self,
        start_idx: int,
        end_idx: int,
        label: str | int = 0,
        kb_id: str | int = 0,
        vector: Any = None,
        alignment_mode: str = "strict",
        span_id: str | int = 0,
    ) -> Span | None:
        """The Span covering characters start_idx:end_idx, or None if misaligned.

        alignment_mode (str): "strict" (must match token boundaries),
            "contract" (tokens fully inside), "expand" (tokens overlapping).
        """
        if alignment_mode not in ("strict", "contract", "expand"):
            raise UsageError(
                f"char_span: alignment_mode={alignment_mode!r} must be 'strict', 'contract' or 'expand'"
            )
        if start_idx > end_idx:
            return None
        starts = self.idx
        ends = starts + self.vocab._cols["length"][self._lex].astype(np.int64)
        if alignment_mode == "strict":
            i = int(np.searchsorted(starts, start_idx))
            j = int(np.searchsorted(ends, end_idx))
            if i >= len(self) or starts[i] != start_idx or j >= len(self) or ends[j] != end_idx:
                return None
            first, last = i, j
        elif alignment_mode == "contract":
            first = int(np.searchsorted(starts, start_idx))
            last = int(np.searchsorted(ends, end_idx, side="right")) - 1
        else:
            first = int(np.searchsorted(ends, start_idx, side="right"))
            last = int(np.searchsorted(starts, end_idx, side="left")) - 1
        if first > last or first >= len(self) or last < 0:
            return None
        return Span(self, first, last + 1, label=label, kb_id=kb_id, span_id=span_id)

    # Copies and combinations ------------------------------------------------
    def copy(self) -> Doc:
        """RETURNS (Doc): a deep copy sharing the vocab."""
        from ._doc_combine import copy_doc

        return copy_doc(self)

    @classmethod
    def from_docs(cls, docs: list[Doc], ensure_whitespace: bool = True, attrs: Any = None) -> Doc:
        """Concatenate Docs (sharing one vocab) into one.

        ensure_whitespace (bool): add a space after a doc that ends without one.
        RETURNS (Doc): the combined doc; entities, spans and sentence starts kept.
        """
        from ._doc_combine import concat_docs

        return concat_docs(docs, ensure_whitespace)

    def retokenize(self) -> Any:
        """Context manager for merging tokens: ``with doc.retokenize() as r: r.merge(span)``."""
        from ._doc_retokenize import Retokenizer

        return Retokenizer(self)

    # JSON ----------------------------------------------------------------
    def to_json(self, underscore: Any = None) -> dict[str, Any]:
        """RETURNS (dict): spaCy's JSON shape (text, ents, sents, tokens, cats, spans)."""
        from ._doc_json import doc_to_json

        return doc_to_json(self)

    @classmethod
    def from_json(cls, vocab: Vocab, doc_json: dict[str, Any], validate: bool = False) -> Doc:
        """Build a Doc from ``to_json`` output."""
        from ._doc_json import doc_from_json

        return doc_from_json(vocab, doc_json)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Serialise this doc alone (a one-doc DocBin with user data)."""
        from .docbin import DocBin

        bin_ = DocBin(store_user_data=True, docs=[self])
        return bin_.to_bytes()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> Doc:
        """Load a doc written by ``to_bytes`` into this object. RETURNS (Doc): self."""
        from .docbin import DocBin

        other = next(DocBin(store_user_data=True).from_bytes(data).get_docs(self.vocab))
        spans = {
            name: [(s.start, s.end, s.label, s.kb_id, s.id) for s in group]
            for name, group in other.spans.items()
        }
        self.__dict__.update(other.__dict__)
        self._spans = None
        for name, group in spans.items():
            self.spans[name] = [
                Span(self, st, en, label=lb, kb_id=kb, span_id=sid) for st, en, lb, kb, sid in group
            ]
        return self
