"""Token alignment between two tokenizations of the same text.

Training compares a predicted Doc (tokenized by the pipeline) with a reference
Doc (tokenized by the annotators). Both tokenize one text, but the tokens can
differ: one-to-many (``don't`` vs ``do`` + ``n't``), many-to-one, and
whitespace. The alignment maps each token to the tokens of the other side it
shares characters with, ignoring whitespace, and is computed once per Example
with numpy (cumulative character offsets), not per training step. Identical
tokenizations take a fast path that never looks at characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy

from ..errors import DataError

_WS = re.compile(r"\s+")


class AlignmentArray:
    """A ragged array: ``lengths[i]`` indices of the other side for token i.

    lengths (numpy.ndarray): int32, one entry per token.
    data (numpy.ndarray): int32, the concatenated target indices, sorted
        within each token.
    """

    __slots__ = ("lengths", "data", "_starts")

    def __init__(self, lengths: numpy.ndarray, data: numpy.ndarray) -> None:
        self.lengths = numpy.asarray(lengths, dtype="int32")
        self.data = numpy.asarray(data, dtype="int32")
        self._starts: numpy.ndarray | None = None

    @property
    def starts(self) -> numpy.ndarray:
        """RETURNS (numpy.ndarray): the offset of each token's run in ``data``."""
        if self._starts is None:
            starts = numpy.zeros(len(self.lengths) + 1, dtype="int64")
            numpy.cumsum(self.lengths, out=starts[1:])
            self._starts = starts
        return self._starts

    @property
    def dataXd(self) -> numpy.ndarray:  # noqa: N802 - thinc's Ragged name
        return self.data

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, i: int) -> numpy.ndarray:
        starts = self.starts
        if i < 0:
            i += len(self.lengths)
        return self.data[starts[i] : starts[i + 1]]

    def is_one_to_one(self) -> bool:
        """RETURNS (bool): every token maps to exactly one token."""
        return bool(len(self.data) == len(self.lengths) and (self.lengths == 1).all())

    def to_ragged(self) -> Any:
        """RETURNS (thinc.types.Ragged): the same data as a thinc Ragged."""
        from thinc.types import Ragged

        return Ragged(self.data, self.lengths)

    def __repr__(self) -> str:
        return f"AlignmentArray(lengths={self.lengths.tolist()}, data={self.data.tolist()})"


class Alignment:
    """Both directions of an alignment: ``x2y`` and ``y2x``.

    x2y (AlignmentArray): for each x token, the y tokens it overlaps.
    y2x (AlignmentArray): for each y token, the x tokens it overlaps.
    """

    __slots__ = ("x2y", "y2x")

    def __init__(self, x2y: AlignmentArray, y2x: AlignmentArray) -> None:
        self.x2y = x2y
        self.y2x = y2x

    @classmethod
    def from_indices(cls, x2y: Sequence[Sequence[int]], y2x: Sequence[Sequence[int]]) -> Alignment:
        """Build from lists of index lists (spaCy's constructor)."""
        return cls(_from_lists(x2y), _from_lists(y2x))

    @classmethod
    def from_strings(
        cls,
        A: Sequence[str],
        B: Sequence[str],
        *,
        doc_index: int | None = None,
        text: str | None = None,
    ) -> Alignment:
        """Align two token lists of the same text.

        A (Sequence[str]): the x tokens (predicted).
        B (Sequence[str]): the y tokens (reference).
        doc_index (Optional[int]): the document's position in its corpus,
            named in the error message.
        text (Optional[str]): the reference text, quoted in the error message.
        RETURNS (Alignment): the alignment.
        RAISES (DataError): if the texts differ other than in whitespace.
        """
        if list(A) == list(B):
            return cls.identity(len(A))
        a_lens = _stripped_lengths(A)
        b_lens = _stripped_lengths(B)
        _check_same_text(A, B, doc_index, text)
        return cls(_map_chars(a_lens, b_lens), _map_chars(b_lens, a_lens))

    @classmethod
    def identity(cls, n: int) -> Alignment:
        """RETURNS (Alignment): the one-to-one alignment of n tokens."""
        ones = numpy.ones(n, dtype="int32")
        ar = numpy.arange(n, dtype="int32")
        return cls(AlignmentArray(ones, ar), AlignmentArray(ones.copy(), ar.copy()))

    def __repr__(self) -> str:
        return f"Alignment(x2y={self.x2y!r}, y2x={self.y2x!r})"


def _from_lists(rows: Sequence[Sequence[int]]) -> AlignmentArray:
    lengths = numpy.array([len(r) for r in rows], dtype="int32")
    data = numpy.array([i for r in rows for i in r], dtype="int32")
    return AlignmentArray(lengths, data)


def _stripped_lengths(tokens: Sequence[str]) -> numpy.ndarray:
    # The length of each token without whitespace: whitespace tokens and
    # trailing spaces own no characters, so they align to nothing.
    joined = "".join(tokens)
    lens = numpy.fromiter((len(t) for t in tokens), dtype="int64", count=len(tokens))
    if not _WS.search(joined):
        return lens
    return numpy.fromiter((len(_WS.sub("", t)) for t in tokens), dtype="int64", count=len(tokens))


def _check_same_text(
    A: Sequence[str], B: Sequence[str], doc_index: int | None, text: str | None
) -> None:
    a = _WS.sub("", "".join(A))
    b = _WS.sub("", "".join(B))
    if a == b:
        return
    # Case differences are tolerated like spaCy does (augmenters change case),
    # as long as lowercasing keeps every character one character.
    if len(a) == len(b) and len(a.lower()) == len(a) and a.lower() == b.lower():
        return
    pos = next((i for i, (ca, cb) in enumerate(zip(a, b)) if ca != cb), min(len(a), len(b)))
    where = f"document {doc_index}" if doc_index is not None else "a document"
    if text is None:
        text = " ".join(B) if B else " ".join(A)
    preview = " ".join(text.split())[:40]
    raise DataError(
        f"{where} ('{preview}...'): the predicted and reference texts differ "
        f"(other than in whitespace) at non-space character {pos}: "
        f"predicted has {a[pos:pos + 10]!r}, reference has {b[pos:pos + 10]!r}. "
        "The reference Doc's words must spell the same text as the predicted Doc; "
        "check the corpus conversion or the augmenter."
    )


def _map_chars(src_lens: numpy.ndarray, dst_lens: numpy.ndarray) -> AlignmentArray:
    """Map each src token to the dst tokens sharing its characters.

    Every non-space character belongs to exactly one token on each side, so
    the unique (src, dst) pairs over the characters are the alignment. Runs of
    characters shared by the same pair are collapsed first via token
    boundaries, keeping the work proportional to tokens, not characters.
    """
    n_src = len(src_lens)
    src_ends = numpy.cumsum(src_lens)
    dst_ends = numpy.cumsum(dst_lens)
    # Boundaries of both sides split the text into segments each belonging to
    # one src and one dst token.
    bounds = numpy.union1d(src_ends, dst_ends)
    bounds = bounds[bounds > 0]
    seg_starts = numpy.concatenate(([0], bounds[:-1]))
    src_of = numpy.searchsorted(src_ends, seg_starts, side="right")
    dst_of = numpy.searchsorted(dst_ends, seg_starts, side="right")
    keep = (src_of < n_src) & (dst_of < len(dst_lens))
    src_of = src_of[keep]
    dst_of = dst_of[keep]
    # Segments are ordered by text position, so pairs come sorted by src and,
    # within a src, by dst; consecutive duplicates cannot occur.
    lengths = numpy.bincount(src_of, minlength=n_src).astype("int32")
    return AlignmentArray(lengths, dst_of.astype("int32"))
