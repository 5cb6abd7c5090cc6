"""Benchmark: building Docs for all of UD EWT train and DocBin write/read, plait vs spaCy 3.8.

Both sides get the same sentences (parsed once here with the ``conllu``
package) and build Docs through their public Doc API, then write the corpus
to a DocBin file and read every doc back. Timings are the best of
``--repeat`` runs, in process CPU time (``time.process_time``) so that other
jobs on a shared machine do not skew the comparison. Usage:

    .venv/bin/python bench/docbin.py [--repeat 3] [--write-readme]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import conllu
from plait.tokens import Doc, DocBin
from plait.vocab import Vocab

ROOT = Path(__file__).resolve().parents[1]
EWT_TRAIN = ROOT.parent / "shared" / "data" / "ud-english-ewt" / "en_ewt-ud-train.conllu"
SPACY_PY = ROOT / "bench" / ".venv-spacy" / "bin" / "python"
SECTION = "## DocBin (EWT train)"


def read_conllu(path: Path) -> list[dict]:
    """Sentences as dicts of per-word lists (words, spaces, tags, pos, morphs, lemmas, heads, deps)."""
    sents = []
    with path.open(encoding="utf8") as f:
        for sent in conllu.parse_incr(f):
            words, spaces, tags, pos, morphs, lemmas, heads, deps = ([] for _ in range(8))
            range_start, range_end, range_space = -1, -1, True
            for tok in sent:
                tid = tok["id"]
                if isinstance(tid, tuple):
                    if tid[1] == "-":  # multi-word range: its SpaceAfter belongs to its last word
                        range_start, range_end = tid[0], tid[2]
                        range_space = (tok["misc"] or {}).get("SpaceAfter") != "No"
                    continue
                words.append(tok["form"])
                space = (tok["misc"] or {}).get("SpaceAfter") != "No"
                if tid == range_end:
                    space = range_space
                elif range_start <= tid < range_end:
                    space = False  # inside a multi-word token
                spaces.append(space)
                tags.append(tok["xpos"])
                pos.append(tok["upos"])
                feats = tok["feats"]
                morphs.append("|".join(f"{k}={v}" for k, v in feats.items()) if feats else "")
                lemmas.append(tok["lemma"])
                heads.append(tok["head"] - 1 if tok["head"] else len(words) - 1)
                deps.append("ROOT" if tok["deprel"] == "root" else tok["deprel"])
            if words:
                spaces[-1] = False
                sents.append({"words": words, "spaces": spaces, "tags": tags, "pos": pos, "morphs": morphs,
                              "lemmas": lemmas, "heads": heads, "deps": deps})  # fmt: skip
    return sents


def bench_plait(sents: list[dict], repeat: int) -> dict:
    best: dict[str, float] = {}
    size = 0
    for _ in range(repeat):
        vocab = Vocab()
        t0 = time.process_time()
        docs = [Doc(vocab, s["words"], s["spaces"], tags=s["tags"], pos=s["pos"], morphs=s["morphs"],
                    lemmas=s["lemmas"], heads=s["heads"], deps=s["deps"]) for s in sents]  # fmt: skip
        build = time.process_time() - t0
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "train.plait"
            t0 = time.process_time()
            DocBin(docs=docs).to_disk(out)
            write = time.process_time() - t0
            size = out.stat().st_size
            t0 = time.process_time()
            n = sum(1 for _ in DocBin().from_disk(out).get_docs(Vocab()))
            read = time.process_time() - t0
            assert n == len(sents)
        for key, value in (("build", build), ("write", write), ("read", read)):
            best[key] = min(best.get(key, value), value)
    return {**best, "bytes": size}


def bench_spacy(sents: list[dict], repeat: int) -> dict | None:
    if not SPACY_PY.exists():
        print(f"(spaCy venv {SPACY_PY} absent: skipping the spaCy side)", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "sents.json"
        data.write_text(json.dumps(sents))
        runs = []
        for _ in range(repeat):
            res = subprocess.run([str(SPACY_PY), str(ROOT / "bench" / "_docbin_spacy.py"), str(data)],
                                 check=True, capture_output=True, text=True)  # fmt: skip
            runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    best = {key: min(r[key] for r in runs) for key in ("build", "write", "read")}
    return {**best, "bytes": runs[-1]["bytes"], "version": runs[-1]["version"]}


def table(plait: dict, spacy: dict | None, n_sents: int, n_words: int) -> str:
    lines = [
        f"All of UD English EWT train ({n_sents:,} sentences, {n_words:,} words, full annotation: "
        "tag, pos, morph, lemma, head, dep), one Doc per sentence; best of the runs, process CPU seconds, one thread.",
        "",
        "| | plait | spaCy " + (spacy or {}).get("version", "(absent)") + " | spaCy / plait |",
        "| --- | --- | --- | --- |",
    ]
    rows = [("Doc build (s)", "build", "{:.3f}"), ("DocBin size (bytes)", "bytes", "{:,}"),
            ("write (s)", "write", "{:.3f}"), ("read all docs (s)", "read", "{:.3f}")]  # fmt: skip
    for label, key, fmt in rows:
        if spacy:
            ratio = spacy[key] / plait[key] if plait[key] else float("inf")
            lines.append(
                f"| {label} | {fmt.format(plait[key])} | {fmt.format(spacy[key])} | {ratio:.2f}x |"
            )
        else:
            lines.append(f"| {label} | {fmt.format(plait[key])} | - | - |")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = ROOT / "bench" / "README.md"
    body = readme.read_text() if readme.exists() else "# Benchmarks\n"
    section = f"{SECTION}\n\nRun: `.venv/bin/python bench/docbin.py --write-readme`\n\n{text}\n"
    if SECTION in body:
        start = body.index(SECTION)
        nxt = body.find("\n## ", start + len(SECTION))
        body = body[:start] + section + (body[nxt + 1 :] if nxt >= 0 else "")
    else:
        body = body.rstrip("\n") + "\n\n" + section
    readme.write_text(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    sents = read_conllu(EWT_TRAIN)
    n_words = sum(len(s["words"]) for s in sents)
    plait = bench_plait(sents, args.repeat)
    spacy = bench_spacy(sents, args.repeat)
    text = table(plait, spacy, len(sents), n_words)
    print(text)
    if args.write_readme:
        write_readme(text)


if __name__ == "__main__":
    main()
