"""Test helper: read EWT CoNLL-U and UNER IOB2 sentences into plain dicts.

Words + spaces reproduce each ``# text`` line (multi-word tokens have no
space between their words; the range line's SpaceAfter applies after its last
word), so the reference tokenization is exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import conllu


def read_ewt(path: Path, limit: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with open(path, encoding="utf8") as fileh:
        for sent in conllu.parse_incr(fileh):
            words, spaces, tags, pos, morphs, lemmas, heads, deps = ([] for _ in range(8))
            mwt_end = -1
            mwt_space = True
            for tok in sent:
                tid = tok["id"]
                misc = tok["misc"] or {}
                if isinstance(tid, tuple):
                    if tid[1] == "-":
                        mwt_end = tid[2]
                        mwt_space = misc.get("SpaceAfter") != "No"
                    continue  # empty nodes (8.1) carry no surface text
                words.append(tok["form"])
                if tid < mwt_end:
                    spaces.append(False)
                elif tid == mwt_end:
                    spaces.append(mwt_space)
                else:
                    spaces.append(misc.get("SpaceAfter") != "No")
                tags.append(tok["xpos"] or "")
                pos.append(tok["upos"] or "")
                feats = tok["feats"] or {}
                morphs.append("|".join(f"{k}={v}" for k, v in feats.items()))
                lemmas.append(tok["lemma"] or "")
                heads.append(tok["head"])
                deps.append(tok["deprel"])
            # CoNLL heads are 1-based word ids with 0 for the root; make them
            # 0-based absolute indices with the root pointing at itself.
            heads = [h - 1 if h else i for i, h in enumerate(heads)]
            text = sent.metadata["text"]
            spaces[-1] = False
            out.append({
                "text": text, "sent_id": sent.metadata.get("sent_id", ""),
                "words": words, "spaces": spaces, "tags": tags, "pos": pos,
                "morphs": morphs, "lemmas": lemmas, "heads": heads, "deps": deps,
            })
            if limit and len(out) >= limit:
                break
    return out


def read_uner(path: Path, limit: int = 0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    words: list[str] = []
    tags: list[str] = []
    sent_id = ""
    with open(path, encoding="utf8") as fileh:
        for line in list(fileh) + ["\n"]:
            line = line.rstrip("\n")
            if line.startswith("# sent_id"):
                sent_id = line.split("=", 1)[1].strip()
            elif line.startswith("#"):
                continue
            elif not line.strip():
                if words:
                    out.append({"sent_id": sent_id, "words": words, "iob": tags})
                    if limit and len(out) >= limit:
                        break
                words, tags = [], []
            else:
                cols = line.split("\t")
                words.append(cols[1])
                tags.append(cols[2])
    return out
