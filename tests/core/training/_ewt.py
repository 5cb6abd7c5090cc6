"""Cutting small .plait corpora from the EWT CoNLL-U files for training tests."""

from __future__ import annotations

from pathlib import Path

import conllu
import plait
from plait.tokens import Doc, DocBin


def ewt_docbin(src: Path, dest: Path, n: int, *, start: int = 0) -> Path:
    """Write sentences [start, start + n) of `src` with words, spaces and tags."""
    nlp = plait.blank("en")
    db = DocBin()
    with src.open(encoding="utf8") as fh:
        for i, sent in enumerate(conllu.parse_incr(fh)):
            if i < start:
                continue
            if i >= start + n:
                break
            toks = [t for t in sent if isinstance(t["id"], int)]
            words = [t["form"] for t in toks]
            spaces = [not (t["misc"] and t["misc"].get("SpaceAfter") == "No") for t in toks]
            tags = [t["xpos"] or t["upos"] for t in toks]
            db.add(Doc(nlp.vocab, words=words, spaces=spaces, tags=tags))
    db.to_disk(dest)
    return dest
