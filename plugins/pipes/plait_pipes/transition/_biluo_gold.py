"""Gold entities, preset-entity constraints and the oracle's lookahead for
the BILUO system (``biluo.py``).

Everything here works on *global token rows*: the tokens of a batch of docs
concatenated in order, doc ``k`` at ``offsets[k] ..``. Per example, only the
aligned gold tags are computed once and cached on the Example; the rest is a
few numpy passes over the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from plait import attrs as A
from plait.errors import DataError
from plait.tokens import docs_to_array

# Move kinds; gold kinds use the same codes, MISSING for no annotation.
OUT, BEGIN, IN, LAST, UNIT = 0, 1, 2, 3, 4
MISSING = -1
KIND_NAMES = ("O", "B", "I", "L", "U")
_KIND_OF_PREFIX = {"B": BEGIN, "I": IN, "L": LAST, "U": UNIT}
_CACHE_ATTR = "_biluo_gold_cache"


def move_id(kind: Any, label: Any, n_labels: int) -> np.ndarray:
    """The move of a kind (OUT..UNIT) and label index: 0 = O, then all B,
    all I, all L, all U in label order."""
    kind = np.asarray(kind)
    return np.where(kind == OUT, 0, 1 + (kind - 1) * n_labels + np.asarray(label))


@dataclass
class BiluoGold:
    """Gold entities of a batch of examples, per global token row.

    ``kind``: OUT/BEGIN/IN/LAST/UNIT or MISSING; ``label``: label index (-1
    none); ``end``: global row of the last token of the gold entity holding
    the token (-1 none); ``start_cum[t]``: gold entity starts in rows ``< t``;
    ``next_missing[t]``: first row ``>= t`` with missing annotation;
    ``incorrect``: sorted keys (``span_key``) of the known-incorrect spans.

    A gold entity that overlaps a preset entity it differs from can never be
    predicted; its loss is fixed whatever the moves, so it reads as outside.
    Gold entities whose label the system lacks read as missing.
    """

    kind: np.ndarray
    label: np.ndarray
    end: np.ndarray
    start_cum: np.ndarray
    next_missing: np.ndarray
    incorrect: np.ndarray


def span_key(start: Any, end: Any, label: Any, total: int, n_labels: int) -> np.ndarray:
    """One int64 per (global start, global last token, label index) span."""
    return (np.asarray(start, dtype=np.int64) * (total + 1) + end) * max(n_labels, 1) + label


# Preset entities ------------------------------------------------------------------
def preset_constraints(
    docs: Sequence[Any], lengths: np.ndarray, label_index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the docs' preset entities allow, per global token row.

    Tokens marked B or I (ENT_IOB 3 / 1) with a label are preset entities, read
    as ``Doc.ents`` reads them; their moves are required. A marked token with
    no label (blocked) or in an entity of an unknown label requires ``O``
    (``set_annotations`` keeps those tokens as they were).

    RETURNS (tuple): ``req`` (int64 required move, -1 free), ``cont_ok``
        (bool: an entity may continue onto the next token) and ``run_end``
        (int64: the last row of the free run holding the token).
    """
    total = int(lengths.sum())
    cols = docs_to_array(docs, [A.ENT_IOB, A.ENT_TYPE]) if total else np.zeros((0, 2), np.uint64)
    iob = cols[:, 0].astype(np.int64)
    typ = cols[:, 1]
    starts = (np.cumsum(lengths) - lengths)[lengths > 0]
    doc_first = np.zeros(total, dtype=bool)
    doc_first[starts] = True
    doc_last = np.zeros(total, dtype=bool)
    doc_last[(np.cumsum(lengths) - 1)[lengths > 0]] = True
    marked = (iob == 1) | (iob == 3)
    labelled = marked & (typ != 0)
    # An I with the label of the labelled token before it (same doc) continues it.
    cont = np.zeros(total, dtype=bool)
    cont[1:] = labelled[1:] & (iob[1:] == 1) & labelled[:-1] & (typ[1:] == typ[:-1])
    cont &= ~doc_first
    first = labelled & ~cont
    last = labelled & np.append(~cont[1:], True)
    req = np.full(total, -1, dtype=np.int64)
    req[marked] = 0
    if labelled.any():
        uniq, inv = np.unique(typ[labelled], return_inverse=True)
        strings = docs[0].vocab.strings
        lab = np.array([label_index.get(strings[int(h)], -1) for h in uniq.tolist()])[inv]
        ent_lab = lab[first[labelled]][np.cumsum(first[labelled]) - 1]
        fl, ll = first[labelled], last[labelled]
        kind = np.where(fl, np.where(ll, UNIT, BEGIN), np.where(ll, LAST, IN))
        moves = move_id(kind, np.maximum(ent_lab, 0), len(label_index))
        req[labelled] = np.where(ent_lab >= 0, moves, 0)
    cont_ok = np.append(req[1:] < 0, False) & ~doc_last
    idx = np.where(doc_last | ~cont_ok, np.arange(total), total)
    run_end = np.minimum.accumulate(idx[::-1])[::-1] if total else idx
    return req, cont_ok, run_end.astype(np.int64)


# Gold -----------------------------------------------------------------------------
def build_gold(
    examples: Sequence[Any],
    offsets: np.ndarray,
    labels: list[str],
    label_index: dict[str, int],
    incorrect_spans_key: str | None,
) -> BiluoGold:
    """The gold of a batch of examples (see ``BiluoNer.gold``)."""
    nl = len(labels)
    parts = [_example_tags(eg, k, labels, label_index, incorrect_spans_key) for k, eg in enumerate(examples)]
    lengths = np.fromiter((len(p[0]) for p in parts), dtype=np.int64, count=len(parts))
    check_offsets(offsets, lengths)
    total = int(lengths.sum())
    if len(parts) and not (offsets == np.cumsum(lengths) - lengths).all():
        raise DataError(
            f"gold: offsets {offsets.tolist()[:8]}... do not match the predicted docs' lengths "
            f"{lengths.tolist()[:8]}...: doc k must start at the sum of the lengths before it"
        )
    kind = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int8)
    label = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    req, _, _ = preset_constraints([eg.predicted for eg in examples], lengths, label_index)
    ent_id = np.cumsum((kind == BEGIN) | (kind == UNIT)) - 1
    in_ent = kind > OUT
    clash = in_ent & (req >= 0) & (move_id(np.maximum(kind, 0), np.maximum(label, 0), nl) != req)
    if clash.any():
        bad = np.zeros(int(ent_id.max()) + 1, dtype=bool)
        bad[ent_id[clash]] = True
        lost = in_ent & bad[np.maximum(ent_id, 0)]
        kind = kind.copy()
        label = label.copy()
        kind[lost] = OUT
        label[lost] = -1
        in_ent &= ~lost
    end = np.full(total, -1, dtype=np.int64)
    ends = (kind == LAST) | (kind == UNIT)
    if ends.any():
        last_of = np.full(int(ent_id.max()) + 1, -1, dtype=np.int64)
        last_of[ent_id[ends]] = np.flatnonzero(ends)
        end[in_ent] = last_of[ent_id[in_ent]]
    start_cum = np.concatenate(([0], np.cumsum((kind == BEGIN) | (kind == UNIT)))).astype(np.int64)
    idx = np.where(kind == MISSING, np.arange(total), total)
    next_missing = (np.minimum.accumulate(idx[::-1])[::-1] if total else idx).astype(np.int64)
    keys = [span_key(p[2][:, 0] + off, p[2][:, 1] + off, p[2][:, 2], total, nl)
            for off, p in zip(offsets.tolist(), parts, strict=True) if len(p[2])]
    incorrect = np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
    return BiluoGold(kind, label, end, start_cum, next_missing, incorrect)


def _example_tags(
    eg: Any, k: int, labels: list[str], label_index: dict[str, int], key: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gold kind and label per predicted token and the incorrect spans
    (local start, last token, label), cached on the example."""
    cache = eg.__dict__.setdefault(_CACHE_ATTR, {})
    cache_key = (tuple(labels), key)
    hit = cache.get(cache_key)
    if hit is not None and hit[0] is eg.predicted and hit[1] is eg.reference:
        return hit[2]
    _check_reference_iob(eg, k)
    n = len(eg.predicted)
    tags = eg.get_aligned_ner()
    # Each distinct tag is parsed once, in order of first occurrence (so the
    # first invalid tag is the one named); tokens then look up their row.
    code: dict[str | None, int] = {}
    parsed = [(MISSING, -1)]
    unknown: dict[str, int] = {}
    for tag in dict.fromkeys(tags):
        code[tag] = len(parsed)
        parsed.append(_parse_tag(tag, eg, k, tags.index(tag), label_index, unknown))
    table = np.array(parsed, dtype=np.int64)
    rows = np.fromiter(map(code.__getitem__, tags), dtype=np.int64, count=n) if n else np.zeros(0, np.int64)
    kind = table[rows, 0].astype(np.int8)
    label = table[rows, 1]
    _check_biluo(kind, label, eg, k, dict(enumerate(labels)) | {v: u for u, v in unknown.items()})
    kind[(kind > OUT) & (label < 0)] = MISSING  # unknown labels: missing annotation
    label[label < 0] = -1
    value = (kind, label, _incorrect_spans(eg, key, label_index))
    for arr in value:
        arr.flags.writeable = False
    cache[cache_key] = (eg.predicted, eg.reference, value)
    return value


def _parse_tag(
    tag: str | None, eg: Any, k: int, j: int, label_index: dict[str, int], unknown: dict[str, int]
) -> tuple[int, int]:
    """(kind, label index) of a tag; unknown labels get ids -2, -3, ..."""
    if tag is None or tag == "-":
        return MISSING, -1
    if tag == "O":
        return OUT, -1
    prefix, label = tag[:2], tag[2:]
    if prefix[:1] not in _KIND_OF_PREFIX or prefix[1:] != "-" or not label:
        raise DataError(f"{where(eg, k, j)}: invalid entity tag {tag!r}; expected O or B-/I-/L-/U-<label>")
    index = label_index.get(label)
    if index is None:
        index = unknown.setdefault(label, -2 - len(unknown))
    return _KIND_OF_PREFIX[prefix[0]], index


def _incorrect_spans(eg: Any, key: str | None, label_index: dict[str, int]) -> np.ndarray:
    if key is None or key not in eg.reference.spans:
        return np.zeros((0, 3), dtype=np.int64)
    spans = eg.get_aligned_spans_y2x(eg.reference.spans[key], allow_overlap=True)
    rows = [(s.start, s.end - 1, label_index[s.label_])
            for s in spans if s.label_ in label_index and s.end > s.start]
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


# The oracle's lookahead ---------------------------------------------------------------
class Lookahead:
    """Per-state gold lookups for ``costs``, and the best loss an open entity
    can still reach."""

    def __init__(self, gold: BiluoGold, t: np.ndarray, run_end: np.ndarray, n_labels: int) -> None:
        self.gold = gold
        self.total = len(gold.kind)
        self.n_labels = n_labels
        self.t = t
        self.gk = gold.kind[t]
        self.gl = gold.label[t]
        cum = gold.start_cum
        self.starts_at = cum[t + 1] - cum[t]  # 1 where a gold entity starts at t
        self.run_end = run_end
        self.has_incorrect = bool(len(gold.incorrect))

    def fm(self, s: np.ndarray) -> np.ndarray:
        """First missing token at or after s: an entity reaching it is not false."""
        return self.gold.next_missing[s]

    def incorrect(self, s: Any, e: Any, label: Any) -> np.ndarray:
        """Whether the entity (s..e, label) is a known-incorrect span."""
        if not self.has_incorrect:
            return np.zeros(np.broadcast(np.asarray(s), np.asarray(e), np.asarray(label)).shape, dtype=bool)
        return np.isin(span_key(s, e, label, self.total, self.n_labels), self.gold.incorrect)

    def best(self, sub: np.ndarray, a: np.ndarray, s: np.ndarray, label: np.ndarray | None) -> np.ndarray:
        """Lowest loss of an entity started at s (states ``sub``) that ends at
        some j in [a, run_end]: the gold starts it swallows in a..j, plus 1 if
        it is false (no missing token in s..j, or a known-incorrect span).

        Swallowed starts only grow with j and the false term drops at the
        first missing token, so only j = a and the first j >= max(a, fm)
        that is not an incorrect span can be best.
        """
        cum = self.gold.start_cum
        run_end = self.run_end[sub]
        a = np.minimum(a, run_end)  # states where the move is invalid: any value
        fm = self.fm(s)
        j = np.maximum(a, fm)
        reach = fm <= run_end
        if self.has_incorrect and label is not None:
            bad = reach & self.incorrect(s, np.minimum(j, run_end), label)
            while bad.any():  # as many rounds as incorrect spans in a row
                j = j + bad
                reach &= j <= run_end
                bad = reach & self.incorrect(s, np.minimum(j, run_end), label)
            false_a = (a < fm) | self.incorrect(s, a, label)
        else:
            false_a = a < fm
        at_a = cum[a + 1] - cum[a] + false_a
        at_j = np.where(reach, cum[np.minimum(j, run_end) + 1] - cum[a], at_a)
        return np.minimum(at_a, at_j)


# Errors -----------------------------------------------------------------------------
def check_offsets(offsets: np.ndarray, lengths: np.ndarray) -> None:
    if len(offsets) != len(lengths):
        raise DataError(f"{len(offsets)} offsets for {len(lengths)} docs: give one offset per doc")


def where(eg: Any, k: int, j: int | None = None, *, reference: bool = False) -> str:
    """'example k (corpus document d) 'text...', token j 'word'' for messages."""
    doc = eg.reference if reference else eg.predicted
    idx = "" if getattr(eg, "doc_index", None) is None else f" (corpus document {eg.doc_index})"
    place = f"example {k}{idx} {doc.text[:40]!r}"
    if j is not None:
        which = "reference token" if reference else "token"
        word = doc.words[j] if j < len(doc) else "<end>"
        place += f", {which} {j} {word!r}"
    return place


def _check_reference_iob(eg: Any, k: int) -> None:
    """Reject an I-tagged reference token that continues no entity (Doc.ents
    would silently start an entity there)."""
    ref = eg.reference
    if not len(ref):
        return
    cols = ref.to_array([A.ENT_IOB, A.ENT_TYPE])
    iob, typ = cols[:, 0].astype(np.int64), cols[:, 1]
    prev_ok = np.zeros(len(iob), dtype=bool)
    prev_ok[1:] = ((iob[:-1] == 1) | (iob[:-1] == 3)) & (typ[:-1] == typ[1:])
    bad = np.flatnonzero((iob == 1) & (typ != 0) & ~prev_ok)
    if len(bad):
        j = int(bad[0])
        label = ref.vocab.strings[int(typ[j])]
        if j == 0:
            before = "the start of the doc"
        else:
            code, prev_typ = int(iob[j - 1]), int(typ[j - 1])
            name = ("missing", "I", "O", "B")[code]
            before = f"an {name}-{ref.vocab.strings[prev_typ]} token" if prev_typ and code in (1, 3) else f"an {name} token"
        raise DataError(
            f"{where(eg, k, j, reference=True)}: invalid entity annotation, I-{label} after "
            f"{before}; an entity must start with B-{label} (convert IOB1 data to IOB2/BILUO)"
        )


def _check_biluo(kind: np.ndarray, label: np.ndarray, eg: Any, k: int, names: dict[int, str]) -> None:
    """Raise for an invalid BILUO sequence: an I/L that continues nothing, or
    a B/I that is not continued."""
    n = len(kind)
    if not n:
        return
    opens = (kind == BEGIN) | (kind == IN)
    prev_open = np.zeros(n, dtype=bool)
    prev_open[1:] = opens[:-1] & (label[:-1] == label[1:])
    continues = (kind == IN) | (kind == LAST)
    bad = (continues & ~prev_open) | (~continues & np.concatenate(([False], opens[:-1])))
    bad[-1] |= bool(opens[-1])
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        tag = _tag_name(kind[j], label[j], names)
        prev = _tag_name(kind[j - 1], label[j - 1], names) if j else "the start of the doc"
        raise DataError(
            f"{where(eg, k, j)}: invalid BILUO entity sequence, {tag!r} after {prev!r} "
            "(I-/L- must continue a B-/I- of the same label, and B-/I- must be continued)"
        )


def _tag_name(kind: int, label: int, names: dict[int, str]) -> str:
    if kind == MISSING:
        return "-"
    if kind == OUT:
        return "O"
    return f"{KIND_NAMES[kind]}-{names.get(int(label), '?')}"
