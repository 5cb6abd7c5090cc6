"""Read UD English EWT for bench/pipes.py, identically in both interpreters.

Why it exists: the side-by-side benchmark must feed plait and spaCy exactly
the same words, spaces and labels. This module needs only the `conllu`
package (installed in both venvs) and the standard library, so the plait
driver and the spaCy subprocess import the same code.

Each sentence becomes a dict: words, spaces (from SpaceAfter, multi-word
range lines included), tags (XPOS), pos (UPOS), morphs (FEATS, "" when
absent), heads (index of the head word in the sentence, the root pointing at
itself), deps (DEPREL, "root" written "ROOT" as `spacy convert` does),
text (the `# text` line), sent_id, newdoc (whether a `# newdoc` line starts a
document here) and genre (the `sent_id` prefix before the first "-").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import conllu

EWT_DIR = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ud-english-ewt").resolve()
GENRES = ("answers", "email", "newsgroup", "reviews", "weblog")


def _raw(line: list[str], i: int) -> str:
    # FEATS and MISC stay raw strings: the benchmark wants them verbatim.
    return line[i]


def read_split(split: str, ewt_dir: Path = EWT_DIR, limit: int = 0) -> list[dict[str, Any]]:
    """Read one EWT split into plain sentence dicts.

    split (str): "train", "dev" or "test".
    ewt_dir (Path): folder holding en_ewt-ud-{split}.conllu.
    limit (int): stop after the first `limit` sentences (0: read all).
    RETURNS (list[dict]): one dict per sentence (see the module docstring).
    """
    path = ewt_dir / f"en_ewt-ud-{split}.conllu"
    sents: list[dict[str, Any]] = []
    parsers = {"feats": _raw, "misc": _raw}
    with path.open(encoding="utf8") as f:
        for sent in conllu.parse_incr(f, field_parsers=parsers):
            if limit and len(sents) >= limit:
                break
            words: list[str] = []
            spaces: list[bool] = []
            tags: list[str] = []
            pos: list[str] = []
            morphs: list[str] = []
            heads: list[int] = []
            deps: list[str] = []
            range_end = -1
            range_space = True
            for tok in sent:
                tid = tok["id"]
                if isinstance(tid, tuple):
                    if tid[1] == "-":  # multi-word token: no space inside, its SpaceAfter after its last word
                        range_end = tid[2]
                        range_space = "SpaceAfter=No" not in (tok["misc"] or "")
                    continue  # empty nodes (8.1) carry no surface word
                words.append(tok["form"])
                if tid < range_end:
                    spaces.append(False)
                elif tid == range_end:
                    spaces.append(range_space)
                else:
                    spaces.append("SpaceAfter=No" not in (tok["misc"] or ""))
                tags.append(tok["xpos"] or "")
                pos.append(tok["upos"] or "")
                feats = tok["feats"]
                morphs.append("" if feats in (None, "_") else feats)
                heads.append(tok["head"] - 1 if tok["head"] else tid - 1)
                deps.append("ROOT" if tok["deprel"] == "root" else tok["deprel"])
            if spaces:
                spaces[-1] = False  # one sentence per doc: the text has no trailing space
            sent_id = sent.metadata.get("sent_id", "")
            sents.append({
                "words": words, "spaces": spaces, "tags": tags, "pos": pos, "morphs": morphs,
                "heads": heads, "deps": deps, "text": sent.metadata.get("text", ""), "sent_id": sent_id,
                "newdoc": "newdoc id" in sent.metadata or "newdoc" in sent.metadata,
                "genre": sent_id.split("-", 1)[0],
            })
    return sents
