"""Turning ``Example.from_dict`` annotations into a reference Doc.

The dict may be flat (``{"words": ..., "tags": ..., "entities": ...}``) or the
nested layout ``Example.to_dict()`` returns; entities may be BILUO or IOB
tags, Spans or character offsets. Every problem names the key and the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import DataError
from .iob_utils import biluo_tags_to_spans, iob_to_biluo, offsets_to_biluo_tags, tags_to_entities

# Keys accepted by from_dict, and the token_annotation names spaCy uses.
_TOKEN_KEYS = {"words", "spaces", "tags", "pos", "morphs", "lemmas", "heads", "deps", "sent_starts"}
_DOC_KEYS = {"entities", "cats", "spans", "links"}
_UPPER_TO_KEY = {
    "ORTH": "words", "SPACY": "spaces", "TAG": "tags", "POS": "pos", "MORPH": "morphs",
    "LEMMA": "lemmas", "HEAD": "heads", "DEP": "deps", "SENT_START": "sent_starts",
}  # fmt: skip


def _flatten_dict(example_dict: dict[str, Any]) -> dict[str, Any]:
    """Accept both the flat layout and to_dict()'s nested one; check the keys."""
    flat: dict[str, Any] = {}
    for key, value in example_dict.items():
        if key == "token_annotation":
            for k, v in (value or {}).items():
                if k not in _UPPER_TO_KEY:
                    raise DataError(
                        f"Example.from_dict: unknown token_annotation key {k!r}; "
                        f"expected one of {sorted(_UPPER_TO_KEY)}"
                    )
                flat[_UPPER_TO_KEY[k]] = v
        elif key == "doc_annotation":
            for k, v in (value or {}).items():
                if k not in _DOC_KEYS:
                    raise DataError(
                        f"Example.from_dict: unknown doc_annotation key {k!r}; "
                        f"expected one of {sorted(_DOC_KEYS)}"
                    )
                flat[k] = v
        elif key in _TOKEN_KEYS or key in _DOC_KEYS:
            flat[key] = value
        elif key in _UPPER_TO_KEY:
            flat[_UPPER_TO_KEY[key]] = value
        else:
            from ..errors import did_you_mean

            raise DataError(
                f"Example.from_dict: unknown annotation key {key!r}.{did_you_mean(key, _TOKEN_KEYS | _DOC_KEYS)} "
                f"Valid keys: {sorted(_TOKEN_KEYS | _DOC_KEYS)}"
            )
    return flat


def _infer_spaces(words: Sequence[str], text: str, where: str) -> list[bool]:
    """Recover which words are followed by a space by walking the text."""
    spaces = []
    pos = 0
    for i, word in enumerate(words):
        found = text.find(word, pos)
        if found < 0 or text[pos:found].strip():
            raise DataError(
                f"{where}: words[{i}] = {word!r} is not found in the predicted text after "
                f"character {pos}; the words must spell the same text (or pass 'spaces')."
            )
        if i:
            spaces.append(found > pos)
        pos = found + len(word)
    if words:
        spaces.append(pos < len(text) and text[pos:pos + 1].isspace())
    return spaces


def _token_kwargs(annots: dict[str, Any], n: int, where: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for key in ("tags", "pos", "morphs", "lemmas"):
        if annots.get(key) is not None:
            kwargs[key] = [v if v else None for v in annots[key]]
    deps = annots.get("deps")
    heads = annots.get("heads")
    if deps is not None and any(deps):
        kwargs["deps"] = [d if d else None for d in deps]
        if heads is not None:
            if len(heads) != len(deps):
                raise DataError(f"{where}: {len(heads)} heads for {len(deps)} deps")
            kwargs["heads"] = [
                None if (h is None or not d) else int(h) for h, d in zip(heads, deps, strict=False)
            ]
    elif heads is not None and deps is None:
        raise DataError(f"{where}: 'heads' given without 'deps'; a dependency parse needs both")
    starts = annots.get("sent_starts")
    if starts is not None and "heads" not in kwargs:
        # 1/True start, 0/-1/False not a start, None missing (spaCy's to_dict uses 1/0).
        kwargs["sent_starts"] = [None if s is None else (s is True or s == 1) for s in starts]
    return kwargs


def _set_entities(doc: Any, ents: Any, where: str) -> None:
    if not isinstance(ents, (list, tuple)):
        raise DataError(
            f"{where}: 'entities' must be a list of BILUO/IOB tags, Spans or "
            f"(start_char, end_char, label) tuples, got {type(ents).__name__}"
        )
    if len(ents) == 0:
        doc.ents = []
        return
    first = ents[0]
    if isinstance(first, (list, tuple)):
        for ent in ents:
            if len(ent) != 3 or not isinstance(ent[0], int) or not isinstance(ent[1], int):
                raise DataError(f"{where}: entity {ent!r} is not a (start_char, end_char, label) tuple")
        tags = offsets_to_biluo_tags(doc, ents)
        if "-" in tags:
            _warn_misaligned(doc, ents, where)
    elif first is None or isinstance(first, str):
        tags = list(ents)
        if len(tags) != len(doc):
            raise DataError(f"{where}: {len(tags)} entity tags for {len(doc)} tokens; give one per token")
        if not any(t is not None and t[:2] in ("L-", "U-") for t in tags):
            _check_iob2(doc, tags, where)
            tags = iob_to_biluo([t if t else "-" for t in tags])
        try:
            tags_to_entities(tags)
        except DataError as err:
            raise DataError(f"{where}: {err}") from err
    else:
        doc.ents = list(ents)
        return
    doc.ents = biluo_tags_to_spans(doc, tags)


def _check_iob2(doc: Any, tags: Sequence[str | None], where: str) -> None:
    """Refuse IOB tags that are not valid IOB2, naming the token.

    Every entity starts with ``B-`` and continues with ``I-`` of the same
    label; ``O``, ``-``, ``""`` and None (missing) end it. IOB1 (an ``I-``
    that may start an entity) is ambiguous here, so it is refused with the
    fix: ``iob_to_biluo(tags)`` reads IOB1 explicitly.
    """
    prev = "O"
    for i, tag in enumerate(tags):
        tag = tag or "-"
        if tag in ("O", "-"):
            prev = tag
            continue
        prefix, label = tag[:2], tag[2:]
        why = None
        if prefix not in ("B-", "I-"):
            why = f"{tag!r} is not an IOB tag (O, B-LABEL, I-LABEL, or '-'/None for missing)"
        elif not label:
            why = f"{tag!r} has no entity label"
        elif prefix == "I-" and (prev[:2] not in ("B-", "I-") or prev[2:] != label):
            why = (
                f"{tag!r} follows {prev!r}: an I- tag continues an entity of the same label, and every "
                f"entity starts with B- (IOB2). If the tags are IOB1, pass iob_to_biluo(tags) instead"
            )
        if why is not None:
            window = [t or "-" for t in tags[max(0, i - 2) : i + 1]]
            raise DataError(
                f"{where}: invalid entity tag at token {i} ({doc[i].text!r}): {why}. "
                f"Tags of tokens {max(0, i - 2)}..{i}: {window}."
            )
        prev = tag


def _warn_misaligned(doc: Any, ents: Any, where: str) -> None:
    """Like spaCy (W030): entities off token boundaries become missing
    annotation ("-"), with a warning naming them (the reader adds the index)."""
    import warnings

    from ..errors import DataWarning

    text = doc.text
    bad = [(s, e, label, text[s:e]) for s, e, label in ents if label and doc.char_span(s, e) is None]
    warnings.warn(
        f"{where}: entities {bad[:5]} do not fall on token boundaries; their tokens are treated "
        "as missing annotation ('-') and ignored in training. Check them with "
        "offsets_to_biluo_tags(nlp.make_doc(text), entities) and fix the offsets or the tokenizer.",
        DataWarning,
        stacklevel=4,
    )


def _set_spans(doc: Any, key: str, spans: Any, where: str) -> None:
    from ..tokens import Span

    out = []
    for item in spans:
        if isinstance(item, Span):
            out.append(item)
            continue
        start, end, label = item[0], item[1], item[2]
        kb_id = item[3] if len(item) > 3 else 0
        span = doc.char_span(start, end, label=label, kb_id=kb_id or 0)
        if span is None:
            raise DataError(
                f"{where}: span {tuple(item)!r} in spans[{key!r}] does not fall on token "
                "boundaries; fix its character offsets or the tokenization."
            )
        out.append(span)
    doc.spans[key] = out
