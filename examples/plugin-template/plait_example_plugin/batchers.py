"""``plait_example.batch_by_docs.v1``: batches of a fixed number of documents."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from plait.errors import ConfigError


def configure_batch_by_docs(size: int = 16) -> Callable[[Iterable[Any]], Iterator[list[Any]]]:
    """A batcher: ``size`` examples per batch (the last may be smaller).

    size (int): examples per batch.
    RETURNS (Callable[[Iterable], Iterator[list]]): the batcher.
    """
    if size < 1:
        raise ConfigError(f"[training.batcher] size: must be at least 1, not {size}.")

    def batch(items: Iterable[Any]) -> Iterator[list[Any]]:
        stream = iter(items)
        while chunk := list(itertools.islice(stream, size)):
            yield chunk

    return batch
