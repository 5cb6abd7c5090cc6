"""Doc <-> spaCy's JSON shape (``doc.to_json()`` / ``Doc.from_json``).

The shape: ``{"text", "ents": [{start, end, label}], "sents": [{start,
end}], "tokens": [{id, start, end, tag, pos, morph, lemma, dep, head}],
"cats", "spans": {name: [{start, end, label, kb_id}]}}`` with character
offsets; annotation keys appear only when the doc has that annotation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import attrs as A
from ..errors import DataError

if TYPE_CHECKING:
    from ..vocab import Vocab
    from .doc import Doc


def doc_to_json(doc: Doc) -> dict[str, Any]:
    data: dict[str, Any] = {"text": doc.text}
    if doc.has_annotation(A.ENT_IOB):
        data["ents"] = [
            {"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents
        ]
    if doc.has_annotation(A.SENT_START):
        data["sents"] = [{"start": s.start_char, "end": s.end_char} for s in doc.sents]
    if doc.cats:
        data["cats"] = dict(doc.cats)
    include = {name: doc.has_annotation(name) for name in ("TAG", "POS", "MORPH", "LEMMA", "DEP")}
    tokens = []
    for tok in doc:
        entry: dict[str, Any] = {"id": tok.i, "start": tok.idx, "end": tok.idx + len(tok)}
        if include["TAG"]:
            entry["tag"] = tok.tag_
        if include["POS"]:
            entry["pos"] = tok.pos_
        if include["MORPH"]:
            entry["morph"] = str(tok.morph)
        if include["LEMMA"]:
            entry["lemma"] = tok.lemma_
        if include["DEP"]:
            entry["dep"] = tok.dep_
            entry["head"] = tok.head.i
        tokens.append(entry)
    data["tokens"] = tokens
    if doc.spans:
        data["spans"] = {
            name: [
                {"start": s.start_char, "end": s.end_char, "label": s.label_, "kb_id": s.kb_id_}
                for s in group
            ]
            for name, group in doc.spans.items()
        }
    return data


def doc_from_json(vocab: Vocab, data: dict[str, Any]) -> Doc:
    from .doc import Doc

    if not isinstance(data, dict) or "text" not in data or "tokens" not in data:
        raise DataError(
            "Doc.from_json: expected a dict with 'text' and 'tokens' (the output of doc.to_json())"
        )
    text = data["text"]
    toks = data["tokens"]
    words, spaces = [], []
    for k, tok in enumerate(toks):
        start, end = tok.get("start"), tok.get("end")
        if (
            not isinstance(start, int)
            or not isinstance(end, int)
            or not 0 <= start < end <= len(text)
        ):
            raise DataError(
                f"Doc.from_json: tokens[{k}] has invalid offsets start={start!r} end={end!r}"
            )
        words.append(text[start:end])
        nxt = toks[k + 1]["start"] if k + 1 < len(toks) else len(text)
        spaces.append(nxt > end and text[end] == " ")

    def column(key: str) -> list | None:
        return [tok.get(key) or None for tok in toks] if toks and key in toks[0] else None

    heads = [tok.get("head") for tok in toks] if toks and "head" in toks[0] else None
    doc = Doc(vocab, words, spaces, tags=column("tag"), pos=column("pos"),
              morphs=[m or "" for m in column("morph")] if column("morph") is not None else None,
              lemmas=column("lemma"), deps=column("dep") if heads else None, heads=heads)  # fmt: skip
    if "sents" in data and heads is None:
        starts = {s["start"] for s in data["sents"]}
        for tok in doc:
            tok.is_sent_start = tok.idx in starts
    if "ents" in data:
        ents = []
        for k, ent in enumerate(data["ents"]):
            span = doc.char_span(ent["start"], ent["end"], label=ent["label"])
            if span is None:
                raise DataError(
                    f"Doc.from_json: ents[{k}] ({ent['start']}:{ent['end']}) does not match token boundaries"
                )
            ents.append(span)
        doc.ents = ents
    doc.cats = dict(data.get("cats", {}))
    for name, spans in data.get("spans", {}).items():
        group = []
        for k, sp in enumerate(spans):
            span = doc.char_span(
                sp["start"], sp["end"], label=sp.get("label", ""), kb_id=sp.get("kb_id", "")
            )
            if span is None:
                raise DataError(
                    f"Doc.from_json: spans[{name!r}][{k}] does not match token boundaries"
                )
            group.append(span)
        doc.spans[name] = group
    return doc
