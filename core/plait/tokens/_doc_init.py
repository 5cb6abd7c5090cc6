"""Doc construction: write the annotation arguments of ``Doc(...)`` into columns.

``Doc.__init__`` checks its words and spaces and builds the empty columns;
the optional annotations (tags, pos, morphs, lemmas, heads, deps,
sent_starts, ents) each need their own validation and conversion to ids,
which lives here so the Doc class stays about the data, not its parsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import attrs as A
from ..errors import DataError
from . import _doc_ents, _doc_parse

if TYPE_CHECKING:
    from .doc import Doc

_POS_LOOKUP: dict[str | None, int] = {**A.POS_IDS, None: 0}


def set_annotations(
    doc: Doc,
    *,
    tags: Sequence[str | None] | None = None,
    pos: Sequence[str | None] | None = None,
    morphs: Sequence[str | None] | None = None,
    lemmas: Sequence[str | None] | None = None,
    heads: Sequence[int | None] | None = None,
    deps: Sequence[str | None] | None = None,
    sent_starts: Sequence[bool | int | None] | None = None,
    ents: Sequence[str | None] | None = None,
) -> None:
    """Fill a new Doc's token columns from ``Doc(...)``'s keyword arguments.

    doc (Doc): the Doc, its columns empty; the lengths are already checked.
    tags, pos, morphs, lemmas, heads, deps, sent_starts, ents: as for ``Doc``.
    """
    vocab = doc.vocab
    n = len(doc)
    strings = vocab.strings
    tok = doc._tok
    if tags is not None:
        tok[A.TAG][:] = strings.hashes(list(tags))
    if pos is not None:
        pos = list(pos)
        ids = list(map(_POS_LOOKUP.get, pos))
        if None in ids:
            ids = [
                A.pos_id(p or None, where=f"Doc: pos[{i}]: ", error=DataError)
                for i, p in enumerate(pos)
            ]
        tok[A.POS][:] = ids
    if morphs is not None:
        morphology = vocab.morphology
        morphs = list(morphs)
        keys = list(map(morphology._normal.get, morphs))
        if None in keys:
            keys = [morphology.add(m) for m in morphs]
        tok[A.MORPH][:] = keys
    if lemmas is not None:
        tok[A.LEMMA][:] = strings.hashes(list(lemmas))
    if heads is not None and deps is None:
        raise DataError("Doc: 'heads' given without 'deps'; a dependency parse needs both")
    if deps is not None:
        tok[A.DEP][:] = strings.hashes(list(deps))
    if heads is not None:
        absolute = np.asarray(heads)
        if absolute.dtype.kind not in "iu":
            for i, h in enumerate(heads):
                if h is not None and not isinstance(h, (int, np.integer)):
                    raise DataError(f"Doc: heads[{i}] = {h!r} is not a token index")
            absolute = np.array(
                [i if h is None else h for i, h in enumerate(heads)], dtype=np.int64
            )
        absolute = absolute.astype(np.int64, copy=False)
        if n and (absolute.min() < 0 or absolute.max() >= n):
            _doc_parse.check_heads(absolute, "Doc: heads")
        tok[A.HEAD][:] = absolute - np.arange(n)
        _doc_parse.update_sent_starts(doc)
    if sent_starts is not None:
        col = tok[A.SENT_START]
        for i, s in enumerate(sent_starts):
            if s is None:
                continue
            if s not in (True, False, 1, 0, -1):
                raise DataError(f"Doc: sent_starts[{i}] = {s!r}; use True, False or None")
            col[i] = 1 if (s is True or s == 1) else -1
    if ents is not None:
        iob, types = _doc_ents.parse_ent_tags(list(ents), strings)
        tok[A.ENT_IOB][:] = iob
        tok[A.ENT_TYPE][:] = types
