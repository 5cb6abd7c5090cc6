"""What both matchers do with their matches: run on_match callbacks, return
``(key, start, end)`` tuples or Spans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def finish_matches(
    matcher: Any, doc: Any, results: list[tuple[int, int, int]],
    callbacks: dict[int, Callable[..., Any]], as_spans: bool,
) -> list[Any]:
    """Call each match's ``on_match(matcher, doc, i, matches)``, then return
    the matches (or Spans labelled with the match key when ``as_spans``)."""
    for i, (key, _, _) in enumerate(results):
        callback = callbacks.get(key)
        if callback is not None:
            callback(matcher, doc, i, results)
    if as_spans:
        from ..tokens.span import Span

        return [Span(doc, s, e, label=k) for k, s, e in results]
    return results
