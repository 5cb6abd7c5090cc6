"""spaCy side of bench/docbin.py: run inside bench/.venv-spacy.

Reads the sentences parsed by bench/docbin.py (JSON), builds spaCy Docs,
writes and reads a .spacy DocBin, and prints the timings as JSON.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab


def main(path: str) -> None:
    sents = json.loads(Path(path).read_text())
    vocab = Vocab()
    t0 = time.process_time()
    docs = [
        Doc(
            vocab,
            words=s["words"],
            spaces=s["spaces"],
            tags=s["tags"],
            pos=s["pos"],
            morphs=s["morphs"],
            lemmas=s["lemmas"],
            heads=s["heads"],
            deps=s["deps"],
        )
        for s in sents
    ]
    build = time.process_time() - t0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "train.spacy"
        t0 = time.process_time()
        DocBin(docs=docs).to_disk(out)
        write = time.process_time() - t0
        size = out.stat().st_size
        t0 = time.process_time()
        n = sum(1 for _ in DocBin().from_disk(out).get_docs(Vocab()))
        read = time.process_time() - t0
    print(
        json.dumps(
            {
                "version": spacy.__version__,
                "build": build,
                "write": write,
                "read": read,
                "bytes": size,
                "n": n,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
