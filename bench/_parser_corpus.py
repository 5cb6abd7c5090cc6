"""Corpora of bench/parser.py, read identically in the plait and the spaCy interpreter.

Why it exists: the side-by-side parser and NER benchmark must feed both tools
exactly the same words, spaces and labels. Like _pipes_corpus.py (whose EWT
reader this module reuses) it needs only `conllu` and the standard library.

- EWT (`parse`): UD English EWT sentences grouped into documents of up to
  `n_sents` consecutive sentences of the same `# newdoc` document (what
  `spacy convert -n 10` / `plait convert -n 10` give), so the parser's
  sentence boundaries are scored on real documents.
- UNER English EWT (`uner`, IOB2 `id word tag - annotator`) and WNUT-17
  (`wnut`, `word<TAB>tag`, a line holding only a TAB ends a sentence too,
  lines starting with '#' are hashtag tokens): one sentence per document.

A document is a dict: words, spaces, text, and per task tags / heads (index in
the document) / deps / sent_starts (parse) or ents (IOB2 tags, ner).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _pipes_corpus

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
NER_FILES = {
    "uner": {"train": DATA / "uner-english-ewt" / "en_ewt-ud-dev.iob2",
             "test": DATA / "uner-english-ewt" / "en_ewt-ud-test.iob2"},
    "wnut": {"train": DATA / "wnut17" / "wnut17train.conll", "dev": DATA / "wnut17" / "emerging.dev.conll",
             "test": DATA / "wnut17" / "emerging.test.annotated"},
}
# Which splits each task trains on and scores (UNER has no train split here:
# train on dev, evaluate on test).
EVAL_SPLITS = {"parse": ("dev", "test"), "uner": ("test",), "wnut": ("dev", "test")}


def read_ewt_docs(split: str, n_sents: int = 10, limit: int = 0) -> list[dict[str, Any]]:
    """EWT `split` as documents of up to `n_sents` sentences (never across a `# newdoc`).

    split (str): "train", "dev" or "test".
    n_sents (int): sentences per document.
    limit (int): keep the first `limit` sentences (0: all).
    RETURNS (list[dict]): words, spaces, text, tags, heads, deps, sent_starts per document.
    """
    sents = _pipes_corpus.read_split(split, limit=limit)
    docs: list[dict[str, Any]] = []
    group: list[dict[str, Any]] = []
    for sent in sents:
        if group and (sent["newdoc"] or len(group) >= n_sents):
            docs.append(_join(group))
            group = []
        group.append(sent)
    if group:
        docs.append(_join(group))
    return docs


def _join(group: list[dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {"words": [], "spaces": [], "tags": [], "heads": [], "deps": [], "sent_starts": []}
    for sent in group:
        offset = len(doc["words"])
        doc["words"].extend(sent["words"])
        doc["spaces"].extend(sent["spaces"][:-1] + [True])  # sentences of a document part with a space
        doc["tags"].extend(sent["tags"])
        doc["heads"].extend(h + offset for h in sent["heads"])
        doc["deps"].extend(sent["deps"])
        doc["sent_starts"].extend([1] + [0] * (len(sent["words"]) - 1))
    doc["spaces"][-1] = False
    doc["text"] = "".join(w + (" " if s else "") for w, s in zip(doc["words"], doc["spaces"]))
    return doc


def read_ner(task: str, split: str, limit: int = 0) -> list[dict[str, Any]]:
    """One NER file as one document per sentence.

    task (str): "uner" or "wnut".
    split (str): a key of NER_FILES[task] ("train", "dev", "test").
    limit (int): keep the first `limit` sentences (0: all).
    RETURNS (list[dict]): words, spaces, text and ents (IOB2 tags) per document.
    """
    path = NER_FILES[task][split]
    docs: list[dict[str, Any]] = []
    words: list[str] = []
    tags: list[str] = []
    text = ""
    uner = task == "uner"

    def flush() -> None:
        nonlocal words, tags, text
        if words:
            spaces = _spaces(words, text) if text else None
            if spaces is None:
                spaces = [True] * (len(words) - 1) + [False]
            docs.append({"words": words, "spaces": spaces, "ents": tags,
                         "text": "".join(w + (" " if s else "") for w, s in zip(words, spaces))})
        words, tags, text = [], [], ""

    with path.open(encoding="utf8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                flush()
                continue
            if uner and line.startswith("#"):
                if line.startswith("# text = "):
                    text = line[len("# text = "):]
                continue
            cols = line.split("\t")
            word, tag = (cols[1], cols[2]) if uner else (cols[0], cols[1])
            words.append(word)
            tags.append(tag)
    flush()
    return docs[:limit] if limit else docs


def _spaces(words: list[str], text: str) -> list[bool] | None:
    """Spaces from the sentence text when the words spell it out, else None."""
    spaces: list[bool] = []
    pos = 0
    for w in words:
        if not text.startswith(w, pos):
            return None
        pos += len(w)
        space = pos < len(text) and text[pos] == " "
        spaces.append(space)
        pos += space
    return spaces if pos == len(text) else None


def entity_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) token spans of IOB2 tags."""
    spans: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate(tags + ["O"]):
        if label and not (tag.startswith("I-") and tag[2:] == label):
            spans.append((start, i, label))
            label = ""
        if tag.startswith("B-") or (tag.startswith("I-") and not label):
            start, label = i, tag[2:]
    return spans
