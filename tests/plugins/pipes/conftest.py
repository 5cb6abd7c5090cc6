"""Fixtures for the plait-pipes tests: EWT sentences as Docs and Examples.

The CoNLL-U reading here is deliberately small (words, spaces, annotation
of the syntactic words; multi-word token ranges only give the spaces), so
these tests do not depend on the readers plugin.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EWT = (ROOT / ".." / "shared" / "data" / "ud-english-ewt").resolve()


@lru_cache(maxsize=8)
def read_conllu(path: Path, limit: int) -> tuple[dict, ...]:
    """Parse the first `limit` sentences of a CoNLL-U file into dicts."""
    sents: list[dict] = []
    cur: dict = {"words": [], "spaces": [], "tags": [], "pos": [], "morphs": [], "lemmas": [],
                 "heads": [], "deps": [], "sent_id": ""}
    mwt_end = -1
    with open(path, encoding="utf8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# sent_id = "):
                cur["sent_id"] = line[len("# sent_id = "):]
            elif not line:
                if cur["words"]:
                    sents.append(cur)
                    if len(sents) >= limit:
                        break
                cur = {k: ([] if isinstance(v, list) else "") for k, v in cur.items()}
                mwt_end = -1
            elif line[0].isdigit():
                cols = line.split("\t")
                if "." in cols[0]:
                    continue
                no_space = "SpaceAfter=No" in cols[9]
                if "-" in cols[0]:
                    start, end = (int(x) for x in cols[0].split("-"))
                    mwt_end = end
                    cur["_mwt_space"] = not no_space
                    continue
                i = int(cols[0])
                cur["words"].append(cols[1])
                if mwt_end >= i:
                    space = cur["_mwt_space"] if i == mwt_end else False
                else:
                    space = not no_space
                cur["spaces"].append(space)
                cur["lemmas"].append(cols[2])
                cur["pos"].append(cols[3])
                cur["tags"].append(cols[4])
                cur["morphs"].append(cols[5])
                cur["heads"].append(int(cols[6]) - 1 if cols[6] != "0" else i - 1)
                cur["deps"].append(cols[7])
    for s in sents:
        s.pop("_mwt_space", None)
    return tuple(sents)


def ewt_docs(vocab, split: str, limit: int, *, annotate: bool = True) -> list:
    """The first `limit` sentences of EWT `split` as Docs (annotated or bare)."""
    from plait.tokens import Doc

    path = EWT / f"en_ewt-ud-{split}.conllu"
    if not path.exists():
        pytest.skip(f"EWT corpus absent at {path}")
    docs = []
    for s in read_conllu(path, limit):
        if annotate:
            doc = Doc(vocab, s["words"], s["spaces"], tags=s["tags"], pos=s["pos"],
                      morphs=s["morphs"], lemmas=s["lemmas"], heads=s["heads"], deps=s["deps"])
        else:
            doc = Doc(vocab, s["words"], s["spaces"])
        doc.user_data["sent_id"] = s["sent_id"]
        docs.append(doc)
    return docs


def ewt_examples(nlp, split: str, limit: int) -> list:
    """Examples (bare predicted doc, annotated reference) for EWT `split`."""
    from plait.training import Example

    refs = ewt_docs(nlp.vocab, split, limit)
    preds = ewt_docs(nlp.vocab, split, limit, annotate=False)
    return [Example(p, r) for p, r in zip(preds, refs, strict=True)]


def genre(doc) -> str:
    """EWT genre of a sentence: the sent_id prefix before the first '-'."""
    return doc.user_data["sent_id"].split("-", 1)[0]


@pytest.fixture(scope="session")
def load_ewt():
    """`load_ewt(vocab, split, limit, annotate=True)` -> list of Docs."""
    return ewt_docs


@pytest.fixture(scope="session")
def make_ewt_examples():
    """`make_ewt_examples(nlp, split, limit)` -> list of Examples."""
    return ewt_examples


def ewt_multi_sentence_examples(nlp, split: str, limit: int, per_doc: int = 4) -> list:
    """Examples whose docs hold `per_doc` consecutive sentences, with gold
    sentence starts only (for senter / sentencizer)."""
    from plait.tokens import Doc
    from plait.training import Example

    path = EWT / f"en_ewt-ud-{split}.conllu"
    if not path.exists():
        pytest.skip(f"EWT corpus absent at {path}")
    sents = read_conllu(path, limit)
    examples = []
    for i in range(0, len(sents), per_doc):
        group = sents[i : i + per_doc]
        words = [w for s in group for w in s["words"]]
        spaces = [sp for s in group for sp in s["spaces"]]
        starts = [j == 0 for s in group for j in range(len(s["words"]))]
        ref = Doc(nlp.vocab, words, spaces, sent_starts=starts)
        examples.append(Example(Doc(nlp.vocab, words, spaces), ref))
    return examples


@pytest.fixture(scope="session")
def make_paragraph_examples():
    """`make_paragraph_examples(nlp, split, limit, per_doc=4)` -> Examples."""
    return ewt_multi_sentence_examples
