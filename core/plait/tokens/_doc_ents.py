"""Named-entity columns: parsing IOB/BILUO tags, reading and setting ``doc.ents``.

Entities live in two token columns, ``ENT_IOB`` (0 missing, 1 I, 2 O, 3 B)
and ``ENT_TYPE`` (label hash), plus ``ENT_KB_ID``. A B token with type 0 is
"blocked" (known not to start an entity, used by ``set_ents(blocked=...)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import attrs as A
from ..errors import DataError, UsageError

if TYPE_CHECKING:
    from .doc import Doc
    from .span import Span

IOB_STRINGS = ("", "I", "O", "B")
_MISSING = {None, "", "-"}


def parse_ent_tags(tags: list[str | None], strings: Any) -> tuple[np.ndarray, np.ndarray]:
    """Turn IOB2 or BILUO tags into (ent_iob uint8, ent_type uint64) columns.

    tags (list[str | None]): "B-PER", "I-PER", "L-PER", "U-PER", "O", or
        None / "" / "-" for missing. BILUO is detected by any L- or U- tag.
    strings (StringStore): where labels are added.
    RETURNS (tuple): the two columns. Raises DataError naming the position
        and tag of the first invalid tag or sequence.
    """
    n = len(tags)
    iob = np.zeros(n, dtype=np.uint8)
    types = np.zeros(n, dtype=np.uint64)
    biluo = any(t is not None and t[:2] in ("L-", "U-") for t in tags)
    cur: str | None = None  # label of the entity the next token may continue
    for i, tag in enumerate(tags):
        if tag in _MISSING:
            prefix, label = "", ""
        elif tag == "O":
            prefix, label = "O", ""
        else:
            prefix, sep, label = tag.partition("-")
            if not sep or not label or prefix not in ("B", "I", "L", "U"):
                raise DataError(
                    f"ents[{i}]: invalid entity tag {tag!r}; expected 'B-LABEL', 'I-LABEL', "
                    "'L-LABEL', 'U-LABEL', 'O', or ''/None for missing"
                )
        continues = prefix in ("I", "L")
        if biluo and cur is not None and not (continues and label == cur):
            raise DataError(
                f"ents[{i}]: tag {tag!r} after an open {cur} entity ({tags[i - 1]!r}): "
                f"in BILUO an entity must continue with I-{cur} or end with L-{cur}"
            )
        if continues and label != cur:
            before = repr(tags[i - 1]) if i else "the start of the doc"
            raise DataError(
                f"ents[{i}]: tag {tag!r} continues an entity that is not open (after {before}); "
                f"start it with B-{label}"
                + ("" if biluo else " (IOB1 input must be converted to IOB2)")
            )
        iob[i] = {"B": 3, "U": 3, "I": 1, "L": 1, "O": 2, "": 0}[prefix]
        if label:
            types[i] = strings.add(label)
        cur = label if prefix in ("B", "I") else None
    if biluo and cur is not None:
        raise DataError(
            f"ents[{n - 1}]: the doc ends inside an entity ({tags[-1]!r}): in BILUO it must end with L-{cur}"
        )
    return iob, types


def get_ents(doc: Doc) -> tuple[Span, ...]:
    """Read the entity spans from the IOB and type columns."""
    from .span import Span

    iob = doc._tok[A.ENT_IOB].tolist()
    types = doc._tok[A.ENT_TYPE].tolist()
    kb = doc._tok[A.ENT_KB_ID]
    ids = doc._tok[A.ENT_ID]
    out = []
    start = -1
    for i, (code, label) in enumerate(zip(iob, types, strict=False)):
        if start >= 0 and (code != 1 or label != types[start]):
            out.append(Span(doc, start, i, label=types[start], kb_id=int(kb[start]), span_id=int(ids[start])))
            start = -1
        if code == 3 and label:
            start = i
        elif code == 1 and label and start < 0:
            start = i  # tolerate an I without B written by a buggy component
    if start >= 0:
        out.append(
            Span(doc, start, len(iob), label=types[start], kb_id=int(kb[start]), span_id=int(ids[start]))
        )
    return tuple(out)


def _as_spans(doc: Doc, items: Iterable[Any] | None, what: str) -> list[Span]:
    from .span import Span

    spans = []
    for item in items or ():
        if isinstance(item, Span):
            if item.doc is not doc and (item.end > len(doc)):
                raise UsageError(
                    f"{what}: span {item!r} ({item.start}:{item.end}) does not fit a doc of {len(doc)} tokens"
                )
            span = (
                item
                if item.doc is doc
                else Span(doc, item.start, item.end, label=item.label, kb_id=item.kb_id, span_id=item.id)
            )
        elif isinstance(item, tuple) and len(item) in (3, 4):
            label, start, end = item[:3]
            span = Span(doc, start, end, label=label, kb_id=item[3] if len(item) == 4 else 0)
        else:
            raise UsageError(f"{what}: expected Span or (label, start, end) tuples, got {item!r}")
        spans.append(span)
    return spans


def set_ents(
    doc: Doc,
    entities: Iterable[Any] | None = None,
    *,
    blocked: Iterable[Any] | None = None,
    missing: Iterable[Any] | None = None,
    outside: Iterable[Any] | None = None,
    default: str = "outside",
) -> None:
    """Set entity annotation (spaCy's ``Doc.set_ents`` semantics).

    entities: labelled spans. blocked / missing / outside: spans whose tokens
    are set to blocked (B with no type), missing (0) or O. default ("outside",
    "missing", "blocked", "unmodified"): what happens to the other tokens.
    """
    if default not in ("outside", "missing", "blocked", "unmodified"):
        raise UsageError(
            f"set_ents: default={default!r} must be 'outside', 'missing', 'blocked' or 'unmodified'"
        )
    groups = [
        ("entities", _as_spans(doc, entities, "entities")),
        ("blocked", _as_spans(doc, blocked, "blocked")),
        ("missing", _as_spans(doc, missing, "missing")),
        ("outside", _as_spans(doc, outside, "outside")),
    ]
    n = len(doc)
    owner = np.full(n, -1, dtype=np.int64)
    described = []
    for group_name, spans in groups:
        for span in spans:
            taken = owner[span.start : span.end]
            if (taken >= 0).any():
                other = described[int(taken[taken >= 0][0])]
                raise DataError(
                    f"set_ents: {group_name} span {span.text!r} ({span.start}:{span.end}) overlaps "
                    f"{other}; entity spans must not overlap (filter them with plait.util.filter_spans)"
                )
            owner[span.start : span.end] = len(described)
            described.append(f"{group_name} span {span.text!r} ({span.start}:{span.end})")
    iob = doc._tok[A.ENT_IOB]
    types = doc._tok[A.ENT_TYPE]
    kb = doc._tok[A.ENT_KB_ID]
    # ENT_ID holds each entity's Span.id (spaCy's ent_id: e.g. an entity
    # ruler pattern's "id"), so doc.ents gives it back.
    ent_ids = doc._tok[A.ENT_ID]
    if default != "unmodified":
        rest = owner < 0
        types[rest] = 0
        kb[rest] = 0
        ent_ids[rest] = 0
        iob[rest] = {"outside": 2, "missing": 0, "blocked": 3}[default]
    for span in groups[0][1]:
        if not span.label:
            raise DataError(
                f"set_ents: entity span {span.text!r} ({span.start}:{span.end}) has no label"
            )
        iob[span.start] = 3
        iob[span.start + 1 : span.end] = 1
        types[span.start : span.end] = span.label
        kb[span.start : span.end] = span.kb_id
        ent_ids[span.start : span.end] = span.id
    for code, (_, spans) in zip((3, 0, 2), groups[1:], strict=False):
        for span in spans:
            iob[span.start : span.end] = code
            types[span.start : span.end] = 0
            kb[span.start : span.end] = 0
            ent_ids[span.start : span.end] = 0
