"""Entity tag schemes: BILUO and IOB tags, character offsets and spans.

Training data arrives as character offsets (``(start, end, label)``), IOB
tags (CoNLL files) or BILUO tags (what the NER model predicts). These
functions convert between them with spaCy's semantics: ``"-"`` marks a token
whose annotation is missing, e.g. because an entity's offsets do not fall on
token boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy

from ..errors import DataError

_PREFIXES = ("B-", "I-", "L-", "U-")


def remove_bilu_prefix(label: str) -> str:
    """Strip a ``B-``/``I-``/``L-``/``U-`` prefix: ``"B-PER"`` -> ``"PER"``.

    label (str): the tag.
    RETURNS (str): the label without the prefix.
    """
    return label[2:] if label[:2] in _PREFIXES else label


def token_offsets(doc: Any) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The character start and end of every token of a Doc.

    doc (Doc): the document.
    RETURNS (Tuple[numpy.ndarray, numpy.ndarray]): int64 starts and ends.
    """
    words = doc.words if hasattr(doc, "words") else [t.text for t in doc]
    lens = numpy.fromiter((len(w) for w in words), dtype="int64", count=len(words))
    if hasattr(doc, "idx") and not callable(doc.idx):
        starts = numpy.asarray(doc.idx, dtype="int64")
        return starts, starts + lens
    space_lens = numpy.fromiter((len(t.whitespace_) for t in doc), dtype="int64", count=len(words))
    ends = numpy.cumsum(lens + space_lens) - space_lens
    return ends - lens, ends


def offsets_to_biluo_tags(
    doc: Any, entities: Iterable[tuple[int, int, str]], missing: str = "O"
) -> list[str]:
    """Encode character-offset entities as BILUO tags over the Doc's tokens.

    An entity whose offsets do not fall on token boundaries cannot be
    represented: its tokens get ``"-"`` (missing), as in spaCy. Tokens outside
    every entity get ``missing``. An entity with an empty label marks its
    tokens ``"O"``.

    doc (Doc): the document the offsets refer to.
    entities (Iterable[Tuple[int, int, str]]): ``(start_char, end_char, label)``.
    missing (str): the tag for tokens outside every entity.
    RETURNS (List[str]): one tag per token.
    RAISES (DataError): for overlapping entities.
    """
    entities = [tuple(e) for e in entities]
    starts, ends = token_offsets(doc)
    n = len(starts)
    biluo = numpy.full(n, "-", dtype=object)
    n_chars = int(ends[-1]) if n else 0
    n_chars = max([n_chars] + [int(e[1]) for e in entities])
    covered = numpy.zeros(n_chars + 1, dtype="int32")
    labelled = sorted((e for e in entities if e[2]), key=lambda e: (e[0], e[1]))
    for prev, ent in zip(labelled, labelled[1:], strict=False):
        if ent[0] < prev[1]:
            raise DataError(
                f"overlapping entities {prev!r} and {ent!r} in {doc.text[:40]!r}...: "
                "a token can only be part of one entity. Remove one of them, or "
                "put overlapping annotations in doc.spans instead."
            )
    for start_char, end_char, label in entities:
        covered[start_char:end_char] = 1
        if not label:
            in_ent = (starts >= start_char) & (starts < end_char)
            biluo[in_ent] = "O"
            continue
        s = numpy.searchsorted(starts, start_char)
        e = numpy.searchsorted(ends, end_char)
        if s < n and e < n and starts[s] == start_char and ends[e] == end_char and s <= e:
            if s == e:
                biluo[s] = f"U-{label}"
            else:
                biluo[s] = f"B-{label}"
                biluo[s + 1 : e] = f"I-{label}"
                biluo[e] = f"L-{label}"
    # Tokens none of whose characters belong to any entity are "outside".
    cum = numpy.concatenate(([0], numpy.cumsum(covered)))
    n_covered = cum[ends] - cum[starts]
    biluo[n_covered == 0] = missing
    return biluo.tolist()


def tags_to_entities(tags: Sequence[str | None]) -> list[tuple[str, int, int]]:
    """Decode BILUO tags into ``(label, first_token, last_token)`` triples.

    Missing tags (``"-"`` or None) give ``("", i, i)`` entries, which callers
    treat as missing annotation.

    tags (Sequence[str]): BILUO tags.
    RETURNS (List[Tuple[str, int, int]]): entities with inclusive token ends.
    RAISES (DataError): for an invalid sequence (``I``/``L`` without ``B``,
        ``B`` not closed, unknown prefixes).
    """
    entities: list[tuple[str, int, int]] = []
    start: int | None = None
    label = ""
    for i, tag in enumerate(tags):
        if tag is None or tag.startswith("-"):
            if start is not None:
                _invalid(tags, i, f"'{tags[start]}' at {start} is not closed by an L- tag")
            entities.append(("", i, i))
        elif tag == "O":
            if start is not None:
                _invalid(tags, i, f"'{tags[start]}' at {start} is not closed by an L- tag")
        elif tag.startswith("I-") or tag.startswith("L-"):
            if start is None:
                _invalid(tags, i, f"'{tag}' does not follow a B- or I- tag")
            if tag[2:] != label:
                _invalid(tags, i, f"'{tag}' continues an entity labelled '{label}'")
            if tag.startswith("L-"):
                entities.append((label, start, i))  # type: ignore[arg-type]
                start = None
        elif tag.startswith("U-") or tag.startswith("B-"):
            if start is not None:
                _invalid(tags, i, f"'{tags[start]}' at {start} is not closed by an L- tag")
            if tag.startswith("U-"):
                entities.append((tag[2:], i, i))
            else:
                start, label = i, tag[2:]
        else:
            _invalid(tags, i, f"unknown tag '{tag}' (expected O, -, or a B-/I-/L-/U- prefix)")
    if start is not None:
        _invalid(tags, len(tags), f"'{tags[start]}' at {start} is not closed by an L- tag")
    return entities


def _invalid(tags: Sequence[str | None], i: int, why: str) -> None:
    lo = max(0, i - 3)
    raise DataError(
        f"invalid BILUO tag sequence at token {i}: {why}. Tags {lo}..{i}: "
        f"{list(tags[lo:i + 1])}. If these are IOB tags, convert them with iob_to_biluo()."
    )


def biluo_tags_to_spans(doc: Any, tags: Sequence[str | None]) -> list[Any]:
    """Turn BILUO tags into Spans of the Doc; missing tags give unlabelled spans.

    doc (Doc): the document.
    tags (Sequence[str]): one BILUO tag per token.
    RETURNS (List[Span]): one span per entity (label "" for missing tokens).
    """
    from ..tokens import Span

    _check_length(doc, tags)
    return [Span(doc, s, e + 1, label=label) for label, s, e in tags_to_entities(tags)]


def biluo_tags_to_offsets(doc: Any, tags: Sequence[str | None]) -> list[tuple[int, int, str]]:
    """Turn BILUO tags into ``(start_char, end_char, label)`` offsets.

    doc (Doc): the document.
    tags (Sequence[str]): one BILUO tag per token.
    RETURNS (List[Tuple[int, int, str]]): entity offsets (missing tags dropped).
    """
    _check_length(doc, tags)
    starts, ends = token_offsets(doc)
    return [
        (int(starts[s]), int(ends[e]), label)
        for label, s, e in tags_to_entities(tags)
        if label
    ]


def _check_length(doc: Any, tags: Sequence[Any]) -> None:
    if len(tags) != len(doc):
        raise DataError(
            f"{len(tags)} entity tags for {len(doc)} tokens in {doc.text[:40]!r}...: "
            "give one tag per token."
        )


def iob_to_biluo(tags: Sequence[str]) -> list[str]:
    """Convert IOB(2) or IOB1 tags to BILUO.

    tags (Sequence[str]): IOB tags such as ``B-PER``, ``I-PER``, ``O``.
    RETURNS (List[str]): BILUO tags.
    RAISES (DataError): for a tag without a known prefix.
    """
    out: list[str] = []
    n = len(tags)
    for i, tag in enumerate(tags):
        if tag in ("O", "-", "") or tag is None:
            out.append(tag if tag else "O")
            continue
        prefix, label = tag[:2], tag[2:]
        if prefix not in ("B-", "I-"):
            raise DataError(
                f"invalid IOB tag '{tag}' at token {i}: expected O or a B-/I- prefix."
            )
        prev = tags[i - 1] if i else "O"
        nxt = tags[i + 1] if i + 1 < n else "O"
        begins = prefix == "B-" or not prev or prev[2:] != label or prev[:2] not in ("B-", "I-")
        continues = bool(nxt) and nxt[:2] == "I-" and nxt[2:] == label
        if begins:
            out.append(("B-" if continues else "U-") + label)
        else:
            out.append(("I-" if continues else "L-") + label)
    return out


def biluo_to_iob(tags: Sequence[str]) -> list[str]:
    """Convert BILUO tags to IOB2 (``U-`` -> ``B-``, ``L-`` -> ``I-``).

    tags (Sequence[str]): BILUO tags.
    RETURNS (List[str]): IOB tags.
    """
    out = []
    for tag in tags:
        if tag is None or tag[:2] not in _PREFIXES:
            out.append(tag)
        elif tag[0] == "U":
            out.append("B-" + tag[2:])
        elif tag[0] == "L":
            out.append("I-" + tag[2:])
        else:
            out.append(tag)
    return out


def doc_to_biluo_tags(doc: Any, missing: str = "O") -> list[str]:
    """The Doc's entities as BILUO tags.

    doc (Doc): the document.
    missing (str): the tag for tokens outside every entity.
    RETURNS (List[str]): one tag per token.
    """
    return offsets_to_biluo_tags(
        doc, [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents], missing=missing
    )
