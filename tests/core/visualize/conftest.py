"""Gold EWT parses and UNER entities as Docs, for the visualizer tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def ewt_parsed_docs(ewt_dir: Path, n_sents: int, per_doc: int = 3) -> list:
    """The first `n_sents` EWT dev sentences, `per_doc` to a Doc, with gold heads and deps."""
    import conllu
    import plait
    from plait.tokens import Doc

    nlp = plait.blank("en")
    sents = []
    with (ewt_dir / "en_ewt-ud-dev.conllu").open(encoding="utf8") as fh:
        for i, sent in enumerate(conllu.parse_incr(fh)):
            if i >= n_sents:
                break
            toks = [t for t in sent if isinstance(t["id"], int)]
            sents.append(toks)
    docs = []
    for start in range(0, len(sents), per_doc):
        words, spaces, heads, deps, pos, starts = [], [], [], [], [], []
        for toks in sents[start:start + per_doc]:
            offset = len(words)
            for t in toks:
                words.append(t["form"])
                spaces.append(not (t["misc"] and t["misc"].get("SpaceAfter") == "No"))
                heads.append(offset + (t["head"] - 1 if t["head"] else t["id"] - 1))
                deps.append(t["deprel"])
                pos.append(t["upos"])
                starts.append(t["id"] == 1)
        docs.append(Doc(nlp.vocab, words=words, spaces=spaces, heads=heads, deps=deps, pos=pos,
                        sent_starts=starts))
    return docs


def uner_docs(uner_dir: Path, n_sents: int) -> list:
    """The first `n_sents` UNER dev sentences as Docs with their entities."""
    import plait
    from plait.tokens import Doc

    nlp = plait.blank("en")
    docs, words, tags = [], [], []
    with (uner_dir / "en_ewt-ud-dev.iob2").open(encoding="utf8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line:
                if words:
                    docs.append(Doc(nlp.vocab, words=words, ents=tags))
                    words, tags = [], []
                    if len(docs) >= n_sents:
                        break
                continue
            cols = line.split("\t")
            words.append(cols[1])
            tags.append(cols[2])
    return docs


@pytest.fixture(scope="module")
def parsed_docs(ewt_dir):
    return ewt_parsed_docs(ewt_dir, 30)


@pytest.fixture(scope="module")
def ent_docs(uner_dir):
    docs = uner_docs(uner_dir, 200)
    return [d for d in docs if d.ents][:20]
