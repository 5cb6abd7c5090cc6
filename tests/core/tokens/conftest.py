"""Fixtures for the data-model tests: Docs built from the first EWT dev sentences."""

from __future__ import annotations

from pathlib import Path

import conllu
import pytest
from plait.tokens import Doc
from plait.vocab import Vocab

N_SENTS = 500


def read_ewt(path: Path, limit: int) -> list[dict]:
    """Parse CoNLL-U into per-sentence lists, as a converter would."""
    out = []
    with path.open(encoding="utf8") as f:
        for sent in conllu.parse_incr(f):
            words, spaces, tags, pos, morphs, lemmas, heads, deps = ([] for _ in range(8))
            range_start, range_end, range_space = -1, -1, True
            for tok in sent:
                tid = tok["id"]
                if isinstance(tid, tuple):
                    if tid[1] == "-":  # a multi-word range gives its SpaceAfter to its last word
                        range_start, range_end = tid[0], tid[2]
                        range_space = (tok["misc"] or {}).get("SpaceAfter") != "No"
                    continue  # ranges and empty nodes are not words
                words.append(tok["form"])
                if tid == range_end:
                    spaces.append(range_space)
                elif range_start <= tid < range_end:
                    spaces.append(False)  # inside a multi-word token: no space
                else:
                    spaces.append((tok["misc"] or {}).get("SpaceAfter") != "No")
                tags.append(tok["xpos"])
                pos.append(tok["upos"])
                feats = tok["feats"]
                morphs.append("|".join(f"{k}={v}" for k, v in feats.items()) if feats else "")
                lemmas.append(tok["lemma"])
                heads.append(tok["head"] - 1 if tok["head"] else len(words) - 1)
                deps.append("ROOT" if tok["deprel"] == "root" else tok["deprel"])
            spaces[-1] = False
            out.append({"text": sent.metadata["text"], "words": words, "spaces": spaces, "tags": tags, "pos": pos,
                        "morphs": morphs, "lemmas": lemmas, "heads": heads, "deps": deps})  # fmt: skip
            if len(out) == limit:
                break
    return out


@pytest.fixture(scope="session")
def ewt_sents(ewt_dir: Path) -> list[dict]:
    return read_ewt(ewt_dir / "en_ewt-ud-dev.conllu", N_SENTS)


@pytest.fixture()
def ewt_docs(ewt_sents: list[dict]) -> tuple[Vocab, list[Doc]]:
    vocab = Vocab()
    docs = [
        Doc(vocab, s["words"], s["spaces"], tags=s["tags"], pos=s["pos"], morphs=s["morphs"], lemmas=s["lemmas"],
            heads=s["heads"], deps=s["deps"])
        for s in ewt_sents
    ]  # fmt: skip
    return vocab, docs


@pytest.fixture()
def vocab() -> Vocab:
    return Vocab()
