"""Batching strategies for the training loop: by count, by words, by padded size.

``[training.batcher]`` names one of the ``configure_*`` functions (registered
through entry points as ``plait.batch_by_words.v1`` and friends); each returns
a function that turns a stream of items (Examples, Docs, anything sized) into
a stream of lists. Sizes may be an int, a thinc ``Schedule`` (called with the
batch number) or any iterable such as a generator registered in
``@schedules``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar, Union

from pydantic import NonNegativeFloat, PositiveInt

from ..errors import UsageError
from ..plugins.protocols import Batcher

ItemT = TypeVar("ItemT")
Sizing = Union[int, Sequence[int], Any]
# What a config may give as a batcher's size: checked before training starts
# (a schedule block is checked once it is built, by _size_iter).
SizeArg = Union[PositiveInt, Sequence[PositiveInt], Iterator[int], Callable[..., Any]]


def _size_iter(size: Sizing) -> Iterator[float]:
    """An endless iterator of sizes from an int, a Schedule or an iterable."""
    if isinstance(size, bool):
        raise UsageError(f"batch size must be a number or a schedule, not {size!r}")
    if isinstance(size, (int, float)):
        if size < 1:
            raise UsageError(f"batch size must be at least 1, got {size}")
        return itertools.repeat(size)
    try:
        from thinc.api import Schedule  # type: ignore[attr-defined]  # not in thinc's stubs
    except ImportError:  # pragma: no cover - thinc < 8.2
        Schedule = ()  # noqa: N806
    if Schedule and isinstance(size, Schedule):
        return (size(step=step) for step in itertools.count())
    if hasattr(size, "__iter__") or hasattr(size, "__next__"):
        return _repeat_last(iter(size))
    raise UsageError(
        f"batch size must be an int, a thinc Schedule or an iterable of ints, not {type(size).__name__}"
    )


def _repeat_last(sizes: Iterator[float]) -> Iterator[float]:
    # A finite schedule (a list in the config) keeps its last size.
    last = None
    for last in sizes:
        yield last
    if last is None:
        raise UsageError("the batch size schedule is empty")
    yield from itertools.repeat(last)


def _next_size(sizes: Iterator[float]) -> int:
    size = next(sizes)
    return max(1, int(size))


def minibatch(items: Iterable[ItemT], size: Sizing) -> Iterator[list[ItemT]]:
    """Split a stream into lists of ``size`` items (the last may be shorter).

    items (Iterable[Any]): the items.
    size (Union[int, Schedule, Iterable[int]]): the batch size, or sizes.
    YIELDS (List[Any]): the batches.
    """
    sizes = _size_iter(size)
    items = iter(items)
    while True:
        batch = list(itertools.islice(items, _next_size(sizes)))
        if not batch:
            return
        yield batch


def minibatch_by_words(
    seqs: Iterable[ItemT],
    size: Sizing,
    tolerance: float = 0.2,
    discard_oversize: bool = False,
    get_length: Callable[[ItemT], int] = len,  # type: ignore[assignment]
) -> Iterator[list[ItemT]]:
    """Batch so that each batch holds about ``size`` words.

    A batch may exceed the target by ``tolerance * size`` words. A sequence
    longer than the target is put in a batch of its own, or dropped when
    ``discard_oversize``.

    seqs (Iterable[Any]): the sequences (Docs, Examples…).
    size (Union[int, Schedule, Iterable[int]]): target words per batch.
    tolerance (float): how far a batch may exceed the target.
    discard_oversize (bool): drop sequences longer than the target.
    get_length (Callable[[Any], int]): the length of a sequence.
    YIELDS (List[Any]): the batches.
    """
    sizes = _size_iter(size)
    target = _next_size(sizes)
    tol_size = target * tolerance
    batch: list[ItemT] = []
    overflow: list[ItemT] = []
    batch_size = 0
    overflow_size = 0
    for seq in seqs:
        n_words = get_length(seq)
        if n_words > target + tol_size:
            # An oversize sequence never joins another batch.
            if not discard_oversize:
                yield [seq]
        elif overflow_size == 0 and batch_size + n_words <= target:
            batch.append(seq)
            batch_size += n_words
        elif batch_size + overflow_size + n_words <= target + tol_size:
            # Within tolerance: keep it aside in case the batch fills.
            overflow.append(seq)
            overflow_size += n_words
        else:
            if batch:
                yield batch
            target = _next_size(sizes)
            tol_size = target * tolerance
            batch = overflow
            batch_size = overflow_size
            overflow = []
            overflow_size = 0
            if batch_size + n_words <= target:
                batch.append(seq)
                batch_size += n_words
            else:
                if batch:
                    yield batch
                    target = _next_size(sizes)
                    tol_size = target * tolerance
                batch = [seq]
                batch_size = n_words
    batch.extend(overflow)
    if batch:
        yield batch


def minibatch_by_padded_size(
    seqs: Iterable[ItemT],
    size: Sizing,
    buffer: int = 256,
    discard_oversize: bool = False,
    get_length: Callable[[ItemT], int] = len,  # type: ignore[assignment]
) -> Iterator[list[ItemT]]:
    """Batch so that ``len(batch) * longest sequence`` stays under ``size``.

    Sequences are read ``buffer`` at a time and sorted by length so that
    batches waste little padding.

    seqs (Iterable[Any]): the sequences.
    size (Union[int, Schedule, Iterable[int]]): the padded size per batch.
    buffer (int): how many sequences to sort at a time.
    discard_oversize (bool): drop sequences longer than ``size``.
    get_length (Callable[[Any], int]): the length of a sequence.
    YIELDS (List[Any]): the batches.
    """
    sizes = _size_iter(size)
    for outer in minibatch(seqs, size=buffer):
        lengths = [get_length(seq) for seq in outer]
        order = sorted(range(len(outer)), key=lengths.__getitem__)
        target = _next_size(sizes)
        batch: list[int] = []
        longest = 0
        for i in order:
            padded = max(longest, lengths[i]) * (len(batch) + 1)
            if lengths[i] > target:
                if batch:
                    yield [outer[j] for j in batch]
                    target = _next_size(sizes)
                    batch, longest = [], 0
                if not discard_oversize:
                    yield [outer[i]]
                continue
            if batch and padded > target:
                yield [outer[j] for j in batch]
                target = _next_size(sizes)
                batch, longest = [], 0
            batch.append(i)
            longest = max(longest, lengths[i])
        if batch:
            yield [outer[j] for j in batch]


def configure_minibatch(
    size: SizeArg, get_length: Callable[[Any], int] | None = None
) -> Batcher:
    """``plait.batch_by_sequence.v1``: batches of ``size`` items.

    size (Union[int, Schedule, Iterable[int]]): items per batch.
    get_length (Optional[Callable[[Any], int]]): unused; kept for spaCy's signature.
    RETURNS (Batcher): the batcher.
    """

    def batcher(items: Iterable[Any]) -> Iterator[list[Any]]:
        return minibatch(items, size=size)

    return batcher


def configure_minibatch_by_words(
    *,
    size: SizeArg,
    tolerance: NonNegativeFloat,
    discard_oversize: bool,
    get_length: Callable[[Any], int] | None = None,
) -> Batcher:
    """``plait.batch_by_words.v1``: batches of about ``size`` words.

    size (Union[int, Schedule, Iterable[int]]): target words per batch.
    tolerance (float): how far a batch may exceed the target.
    discard_oversize (bool): drop sequences longer than the target.
    get_length (Optional[Callable[[Any], int]]): the length of a sequence.
    RETURNS (Batcher): the batcher.
    """
    length = get_length or len

    def batcher(seqs: Iterable[Any]) -> Iterator[list[Any]]:
        return minibatch_by_words(
            seqs, size=size, tolerance=tolerance, discard_oversize=discard_oversize,
            get_length=length,
        )

    return batcher


def configure_minibatch_by_padded_size(
    *,
    size: SizeArg,
    buffer: PositiveInt,
    discard_oversize: bool,
    get_length: Callable[[Any], int] | None = None,
) -> Batcher:
    """``plait.batch_by_padded.v1``: batches under a padded-size budget.

    size (Union[int, Schedule, Iterable[int]]): padded size per batch.
    buffer (int): how many sequences to sort at a time.
    discard_oversize (bool): drop sequences longer than ``size``.
    get_length (Optional[Callable[[Any], int]]): the length of a sequence.
    RETURNS (Batcher): the batcher.
    """
    length = get_length or len

    def batcher(seqs: Iterable[Any]) -> Iterator[list[Any]]:
        return minibatch_by_padded_size(
            seqs, size=size, buffer=buffer, discard_oversize=discard_oversize,
            get_length=length,
        )

    return batcher
