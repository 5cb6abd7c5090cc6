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
# Below this many tokens (both sides) a merge walk in Python beats the fixed
# cost of a dozen numpy calls; above it the vectorised mapping wins.
_NUMPY_MIN_TOKENS = 1000


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

    __slots__ = ("x2y", "y2x", "_identity")

    def __init__(self, x2y: AlignmentArray, y2x: AlignmentArray) -> None:
        self.x2y = x2y
        self.y2x = y2x
        self._identity: bool | None = None

    @property
    def is_identity(self) -> bool:
        """RETURNS (bool): x token i is y token i, for every token, on both
        sides (checked once; ``identity()`` knows it already)."""
        if self._identity is None:
            n = len(self.x2y)
            self._identity = len(self.y2x) == n and _is_identity(self.x2y) and _is_identity(self.y2x)
        return self._identity

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
        A = list(A)
        B = list(B)
        if A == B:
            return cls.identity(len(A))
        joined_a = "".join(A)
        joined_b = "".join(B)
        if joined_a == joined_b and not _WS.search(joined_a):
            # The usual case: same characters, only the boundaries differ.
            a_lens = [len(t) for t in A]
            b_lens = [len(t) for t in B]
        else:
            _check_same_text(A, B, doc_index, text)
            a_lens = _stripped_lengths(A)
            b_lens = _stripped_lengths(B)
        if len(A) + len(B) >= _NUMPY_MIN_TOKENS:
            a_arr = numpy.asarray(a_lens, dtype="int64")
            b_arr = numpy.asarray(b_lens, dtype="int64")
            return cls(_map_chars(a_arr, b_arr), _map_chars(b_arr, a_arr))
        return cls(*_walk(a_lens, b_lens))

    @classmethod
    def identity(cls, n: int) -> Alignment:
        """RETURNS (Alignment): the one-to-one alignment of n tokens."""
        ones = numpy.ones(n, dtype="int32")
        ar = numpy.arange(n, dtype="int32")
        out = cls(AlignmentArray(ones, ar), AlignmentArray(ones.copy(), ar.copy()))
        out._identity = True
        return out

    def __repr__(self) -> str:
        return f"Alignment(x2y={self.x2y!r}, y2x={self.y2x!r})"


def _is_identity(arr: AlignmentArray) -> bool:
    return arr.is_one_to_one() and bool((arr.data == numpy.arange(len(arr))).all())


def _from_lists(rows: Sequence[Sequence[int]]) -> AlignmentArray:
    lengths = numpy.array([len(r) for r in rows], dtype="int32")
    data = numpy.array([i for r in rows for i in r], dtype="int32")
    return AlignmentArray(lengths, data)


def _stripped_lengths(tokens: Sequence[str]) -> list[int]:
    # The length of each token without whitespace: whitespace tokens and
    # trailing spaces own no characters, so they align to nothing.
    return [len(_WS.sub("", t)) if _WS.search(t) else len(t) for t in tokens]


def _walk(a_lens: list[int], b_lens: list[int]) -> tuple[AlignmentArray, AlignmentArray]:
    """Both directions in one merge over the token boundaries (short docs).

    The overlapping (a, b) pairs come out ordered by a and by b at once, so
    the same two lists give x2y data and y2x data.
    """
    na, nb = len(a_lens), len(b_lens)
    xs: list[int] = []
    ys: list[int] = []
    i = j = 0
    while i < na and a_lens[i] == 0:
        i += 1
    while j < nb and b_lens[j] == 0:
        j += 1
    end_a = a_lens[i] if i < na else 0
    end_b = b_lens[j] if j < nb else 0
    while i < na and j < nb:
        xs.append(i)
        ys.append(j)
        move_a = end_a <= end_b
        move_b = end_b <= end_a
        if move_a:
            i += 1
            while i < na and a_lens[i] == 0:
                i += 1
            if i < na:
                end_a += a_lens[i]
        if move_b:
            j += 1
            while j < nb and b_lens[j] == 0:
                j += 1
            if j < nb:
                end_b += b_lens[j]
    x_arr = numpy.array(xs, dtype="int32")
    y_arr = numpy.array(ys, dtype="int32")
    x2y = AlignmentArray(numpy.bincount(x_arr, minlength=na), y_arr)
    y2x = AlignmentArray(numpy.bincount(y_arr, minlength=nb), x_arr)
    return x2y, y2x


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
    pos = next((i for i, (ca, cb) in enumerate(zip(a, b, strict=False)) if ca != cb), min(len(a), len(b)))
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
    # Both are sorted already: a stable merge sort plus dropping repeats is
    # much cheaper than numpy.union1d's hash-based unique.
    bounds = numpy.sort(numpy.concatenate((src_ends, dst_ends)), kind="stable")
    keep_bound = numpy.empty(len(bounds), dtype=bool)
    keep_bound[0:1] = True
    numpy.not_equal(bounds[1:], bounds[:-1], out=keep_bound[1:])
    bounds = bounds[keep_bound & (bounds > 0)]
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


def map_span(
    src2tgt: AlignmentArray, tgt2src: AlignmentArray, start: int, end: int
) -> tuple[int, int] | None:
    """Map tokens [start, end) to the other side, if the boundaries match.

    The span maps to the smallest run of target tokens covering its
    characters; it aligns only when those target tokens cover no character
    outside the span (the same text, modulo whitespace).

    src2tgt (AlignmentArray): the alignment from the span's side.
    tgt2src (AlignmentArray): the reverse alignment.
    start (int): the first token of the span.
    end (int): one past the last token.
    RETURNS (Optional[Tuple[int, int]]): target [start, end), or None.
    """
    starts = src2tgt.starts
    tgt = src2tgt.data[starts[start] : starts[end]]
    if len(tgt) == 0:
        return None
    a, b = int(tgt.min()), int(tgt.max()) + 1
    back_starts = tgt2src.starts
    back = tgt2src.data[back_starts[a] : back_starts[b]]
    if len(back) and (int(back.min()) < start or int(back.max()) >= end):
        return None
    return a, b
