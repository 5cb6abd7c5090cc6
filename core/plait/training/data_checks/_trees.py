"""What is really wrong with a gold tree whose head seems to cross a sentence.

The sentence starts of a parsed Doc are derived from its trees, so a head "in
another sentence" is most often a symptom: two roots whose trees interleave
(each root's subtree becomes a "sentence" that the other's arcs cross). The
training check and ``plait debug data`` both name that real problem with the
helpers here; only a head that crosses sentence starts set by hand keeps the
"another sentence" message. These run on the error path only.
"""

from __future__ import annotations

from typing import Any

import numpy


def interleaved_root(
    root: numpy.ndarray, has_dep: numpy.ndarray, pos: int, lo: int, hi: int
) -> int | None:
    """The root of another tree that lies inside the span of token ``pos``'s tree.

    root (numpy.ndarray): each token's root (absolute, over the corpus).
    has_dep (numpy.ndarray): which tokens have an annotated head.
    pos (int): the token whose head crosses a sentence start.
    lo, hi (int): the token range of its document.
    RETURNS (Optional[int]): the other root (absolute), or None when the
        tree of ``pos`` shares its span with no other annotated tree.
    """
    r = root[pos]
    members = numpy.flatnonzero(root[lo:hi] == r) + lo
    a, b = int(members.min()), int(members.max())
    span = numpy.arange(a, b + 1)
    others = span[(root[a : b + 1] != r) & has_dep[a : b + 1]]
    if not len(others):
        return None
    return int(root[others[0]])


def cycle_from(heads: numpy.ndarray, pos: int, limit: int = 8) -> list[int]:
    """The cycle reached from token ``pos`` by following its heads.

    heads (numpy.ndarray): absolute heads. pos (int): a token in or leading into a cycle.
    limit (int): how many tokens of the cycle to list.
    RETURNS (list[int]): the tokens of the cycle, in head order (at most ``limit``).
    """
    seen: dict[int, int] = {}
    path: list[int] = []
    i = pos
    while i not in seen:
        seen[i] = len(path)
        path.append(i)
        i = int(heads[i])
    return path[seen[i] :][:limit]


def describe_tokens(words: Any, positions: list[int]) -> str:
    """'token 2 ('c') -> token 3 ('d')' for document-relative positions."""
    return " -> ".join(
        f"token {p} ({words[p]!r})" if 0 <= p < len(words) else f"token {p}" for p in positions
    )
