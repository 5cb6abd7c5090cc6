"""Edit trees: the label set of the trainable lemmatizer.

An edit tree (Chrupała 2008; Müller et al. 2015; spaCy's
``EditTreeLemmatizer``) turns a word form into its lemma without naming
the word itself, so one tree covers many words: "walking" -> "walk" and
"talking" -> "talk" share the tree "keep the stem, drop 3 final letters".

A tree is built from a (form, lemma) pair by recursion on the longest
common substring (LCS) of the two strings:

- a **match** node keeps the LCS; it records how many characters of the
  form lie before (``prefix_len``) and after (``suffix_len``) it, and one
  subtree for each side (or none, when that side is empty in both strings);
- a **substitution** node (no common substring) replaces the whole form
  ``orig`` by ``subst``; it applies only to exactly ``orig``.

Trees are interned (hash-consed): equal trees get the same id, and every
subtree of a stored tree is stored too. The table serializes to a list of
JSON-like dicts (spaCy's ``label_data`` shape) and to msgpack bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import srsly
from plait.errors import DataError, SerializationError

NULL_TREE = -1
# spaCy writes "no subtree" as the uint32 maximum; read it as NULL_TREE.
_SPACY_NULL = 2**32 - 1

# Node tuples: ("m", prefix_len, suffix_len, prefix_tree, suffix_tree) or
# ("s", orig, subst). Tuples are the interning keys.
_MATCH = "m"
_SUBST = "s"


def longest_common_substring(a: str, b: str) -> tuple[int, int, int]:
    """The first longest common substring of ``a`` and ``b``.

    a (str): the first string.
    b (str): the second string.
    RETURNS (Tuple[int, int, int]): its start in ``a``, its start in ``b``
        and its length (0 when the strings share no character).
    """
    best_len = best_a = best_b = 0
    prev = [0] * (len(b) + 1)
    for i, ca in enumerate(a, 1):
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                n = prev[j - 1] + 1
                cur[j] = n
                if n > best_len:
                    best_len, best_a, best_b = n, i - n, j - n
        prev = cur
    return best_a, best_b, best_len


class EditTrees:
    """An interned table of edit trees; a tree is named by its id (int)."""

    def __init__(self) -> None:
        self._nodes: list[tuple] = []
        self._ids: dict[tuple, int] = {}

    def __len__(self) -> int:
        return len(self._nodes)

    def __getitem__(self, tree_id: int) -> dict[str, Any]:
        """RETURNS (dict): the node ``tree_id`` in spaCy's label_data shape."""
        return _node_to_dict(self._nodes[tree_id])

    # Building -----------------------------------------------------------
    def add(self, form: str, lemma: str) -> int:
        """Intern the tree that rewrites ``form`` into ``lemma``.

        RETURNS (int): the tree id.
        """
        # With add=True every node is created, so the id is never None.
        return self._build(form, lemma, True)  # type: ignore[return-value]

    def find(self, form: str, lemma: str) -> int | None:
        """The id of the tree rewriting ``form`` into ``lemma`` if it is stored.

        RETURNS (int | None): the tree id, or None (nothing is added).
        """
        return self._build(form, lemma, False)

    def _build(self, form: str, lemma: str, add: bool) -> int | None:
        a, b, n = longest_common_substring(form, lemma)
        if n == 0:
            return self._intern((_SUBST, form, lemma), add)
        pre = self._side(form[:a], lemma[:b], add)
        if pre is None:
            return None
        suf = self._side(form[a + n:], lemma[b + n:], add)
        if suf is None:
            return None
        return self._intern((_MATCH, a, len(form) - a - n, pre, suf), add)

    def _side(self, form: str, lemma: str, add: bool) -> int | None:
        if not form and not lemma:
            return NULL_TREE
        return self._build(form, lemma, add)

    def _intern(self, node: tuple, add: bool) -> int | None:
        tree = self._ids.get(node)
        if tree is None and add:
            tree = len(self._nodes)
            self._nodes.append(node)
            self._ids[node] = tree
        return tree

    # Application --------------------------------------------------------
    def apply(self, tree_id: int, form: str) -> str | None:
        """Rewrite ``form`` with tree ``tree_id``.

        RETURNS (str | None): the lemma, or None when the tree does not fit
            the form (too short, or a substitution for another string).
        """
        node = self._nodes[tree_id]
        if node[0] == _SUBST:
            return node[2] if form == node[1] else None
        _, p, s, pre, suf = node
        end = len(form) - s
        # The kept part was a non-empty common substring when the tree was built.
        if end <= p:
            return None
        head = ""
        if pre != NULL_TREE:
            head = self.apply(pre, form[:p])
            if head is None:
                return None
        tail = ""
        if suf != NULL_TREE:
            tail = self.apply(suf, form[end:])
            if tail is None:
                return None
        return head + form[p:end] + tail

    def tree_to_str(self, tree_id: int) -> str:
        """A readable form, e.g. ``(m 0 3 () (s 'ing'->''))``. RETURNS (str)."""
        if tree_id == NULL_TREE:
            return "()"
        node = self._nodes[tree_id]
        if node[0] == _SUBST:
            return f"(s {node[1]!r}->{node[2]!r})"
        return f"(m {node[1]} {node[2]} {self.tree_to_str(node[3])} {self.tree_to_str(node[4])})"

    # Serialization ------------------------------------------------------
    def to_json(self) -> list[dict[str, Any]]:
        """RETURNS (List[dict]): the nodes in id order (spaCy's label_data shape)."""
        return [_node_to_dict(node) for node in self._nodes]

    def from_json(self, trees: Iterable[Any], *, where: str = "trees") -> EditTrees:
        """Replace the table with nodes from ``to_json`` output.

        trees (Iterable[dict]): the nodes; a subtree must precede its parent.
        where (str): where the data came from, for error messages.
        RETURNS (EditTrees): self.
        """
        nodes: list[tuple] = []
        for i, item in enumerate(trees):
            nodes.append(_node_from_dict(item, i, where))
        self._nodes = nodes
        self._ids = {node: i for i, node in enumerate(nodes)}
        return self

    def to_bytes(self) -> bytes:
        """RETURNS (bytes): the table as msgpack."""
        return srsly.msgpack_dumps(self.to_json())

    def from_bytes(self, data: bytes, *, where: str = "trees") -> EditTrees:
        """Load a table written by ``to_bytes``. RETURNS (EditTrees): self."""
        try:
            trees = srsly.msgpack_loads(data)
        except Exception as err:  # msgpack raises several unrelated types
            raise SerializationError(f"{where}: not an edit tree table ({err})") from err
        if not isinstance(trees, list):
            raise SerializationError(f"{where}: not an edit tree table (expected a list of trees)")
        try:
            return self.from_json(trees, where=where)
        except DataError as err:
            raise SerializationError(str(err)) from err


def _node_to_dict(node: tuple) -> dict[str, Any]:
    if node[0] == _SUBST:
        return {"orig": node[1], "subst": node[2]}
    return {"prefix_len": node[1], "suffix_len": node[2], "prefix_tree": node[3], "suffix_tree": node[4]}


def _node_from_dict(item: Any, i: int, where: str) -> tuple:
    def bad(why: str) -> DataError:
        return DataError(f"{where}[{i}]: {why}; got {item!r}. An edit tree is "
                         "{'orig': str, 'subst': str} or {'prefix_len': int, 'suffix_len': int, "
                         "'prefix_tree': int, 'suffix_tree': int} (ids of earlier trees, -1 for none)")

    if not isinstance(item, dict):
        raise bad("not a dict")
    if set(item) == {"orig", "subst"}:
        if not (isinstance(item["orig"], str) and isinstance(item["subst"], str)):
            raise bad("'orig' and 'subst' must be strings")
        return (_SUBST, item["orig"], item["subst"])
    if set(item) != {"prefix_len", "suffix_len", "prefix_tree", "suffix_tree"}:
        raise bad("unexpected keys")
    values = [item[k] for k in ("prefix_len", "suffix_len", "prefix_tree", "suffix_tree")]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise bad("all four values must be integers")
    p, s, pre, suf = values
    pre = NULL_TREE if pre == _SPACY_NULL else pre
    suf = NULL_TREE if suf == _SPACY_NULL else suf
    if p < 0 or s < 0:
        raise bad("negative length")
    for sub in (pre, suf):
        if sub != NULL_TREE and not 0 <= sub < i:
            raise bad(f"subtree id {sub} does not name an earlier tree")
    return (_MATCH, p, s, pre, suf)
