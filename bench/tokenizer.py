"""Tokenizer benchmark: plait vs spaCy on UD English EWT (boundary F1, speed).

Boundary F1 compares the (start_char, end_char) spans of the non-space tokens
with the gold syntactic words of the ``# text`` lines ("don't" = "do" "n't");
a multi-word token whose words do not spell its form counts as one span.
Speed: tokens/s on unseen text (a fresh tokenizer, EWT test, one pass) and
on 10,000 train texts through ``tokenizer.pipe``.

    .venv/bin/python bench/tokenizer.py               # plait, then spaCy
    .venv/bin/python bench/tokenizer.py --impl plait  # one side only

spaCy runs in its own environment (bench/.venv-spacy), never plait's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EWT = (ROOT / ".." / "shared" / "data" / "ud-english-ewt").resolve()
SPACY_PYTHON = ROOT / "bench" / ".venv-spacy" / "bin" / "python"


def read_gold(path: Path) -> list[tuple[str, list[tuple[int, int]]]]:
    """RETURNS (list): (text, gold word spans) per sentence of a CoNLL-U file."""
    out = []
    text = None
    rows: list[list[str]] = []
    for line in path.read_text(encoding="utf8").splitlines() + [""]:
        if line.startswith("# text = "):
            text = line[len("# text = "):]
        elif line and not line.startswith("#"):
            rows.append(line.split("\t"))
        elif not line and rows:
            out.append((text, _gold_spans(text, rows)))
            text, rows = None, []
    return out


def _gold_spans(text: str, rows: list[list[str]]) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    skip_until = 0
    words = {int(r[0]): r[1] for r in rows if r[0].isdigit()}
    for row in rows:
        wid = row[0]
        if "." in wid:
            continue
        if "-" in wid:
            first, last = (int(x) for x in wid.split("-"))
            form = row[1]
            start = text.index(form, pos)
            parts = [words[i] for i in range(first, last + 1)]
            if "".join(parts) == form:
                for part in parts:
                    spans.append((start, start + len(part)))
                    start += len(part)
            else:
                spans.append((start, start + len(form)))
            pos = start if "".join(parts) == form else start + len(form)
            skip_until = last
            continue
        if int(wid) <= skip_until:
            continue
        start = text.index(row[1], pos)
        spans.append((start, start + len(row[1])))
        pos = start + len(row[1])
    return spans


def pred_spans(words: list[str], spaces: list[bool]) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for word, space in zip(words, spaces, strict=True):
        if not word.isspace():
            spans.append((pos, pos + len(word)))
        pos += len(word) + (1 if space else 0)
    return spans


def f1(gold: list[list[tuple[int, int]]], pred: list[list[tuple[int, int]]]) -> dict[str, float]:
    tp = n_gold = n_pred = 0
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(g), set(p)
        tp += len(gs & ps)
        n_gold += len(gs)
        n_pred += len(ps)
    prec, rec = tp / n_pred, tp / n_gold
    return {"p": prec, "r": rec, "f": 2 * prec * rec / (prec + rec)}


def make_tokenizer(impl: str):
    """RETURNS (tokenizer, to_words): a fresh English tokenizer and a Doc -> (words, spaces)."""
    if impl == "spacy":
        import spacy

        nlp = spacy.blank("en")
    else:
        import plait

        nlp = plait.blank("en")
    return nlp.tokenizer, lambda doc: ([t.text for t in doc], [bool(t.whitespace_) for t in doc])


def run(impl: str, splits: list[str], repeat: int = 5) -> dict:
    result: dict = {"impl": impl}
    for split in splits:
        data = read_gold(EWT / f"en_ewt-ud-{split}.conllu")
        tokenizer, to_words = make_tokenizer(impl)
        docs = [tokenizer(text) for text, _ in data]
        for (text, _), doc in zip(data, docs, strict=True):
            if doc.text != text:
                raise SystemExit(f"{impl}: doc.text differs from the input: {text!r}")
        pred = [pred_spans(*to_words(doc)) for doc in docs]
        result[f"f1_{split}"] = f1([g for _, g in data], pred)
    # Speed on unseen text: a fresh tokenizer (and vocab) over EWT test, one
    # pass. The machine is shared, so the best of `repeat` runs is reported.
    texts = [t for t, _ in read_gold(EWT / "en_ewt-ud-test.conllu")]
    train = [t for t, _ in read_gold(EWT / "en_ewt-ud-train.conllu")][:10_000]
    result["unseen_tokens_per_s"] = result["pipe_10k_tokens_per_s"] = 0.0
    for _ in range(repeat):
        tokenizer, _ = make_tokenizer(impl)
        start = time.perf_counter()
        n_tokens = sum(len(tokenizer(text)) for text in texts)
        elapsed = time.perf_counter() - start
        result["unseen_tokens_per_s"] = max(result["unseen_tokens_per_s"], n_tokens / elapsed)
        # 10,000 texts through pipe (fresh tokenizer; the cache warms as it goes).
        tokenizer, _ = make_tokenizer(impl)
        start = time.perf_counter()
        n_tokens = sum(len(doc) for doc in tokenizer.pipe(train, batch_size=1000))
        elapsed = time.perf_counter() - start
        result["pipe_10k_tokens_per_s"] = max(result["pipe_10k_tokens_per_s"], n_tokens / elapsed)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=["plait", "spacy", "both"], default="both")
    parser.add_argument("--splits", default="dev,test,train")
    parser.add_argument("--repeat", type=int, default=5, help="speed runs; the best is reported")
    parser.add_argument("--json", action="store_true", help="print one JSON line (used for the spaCy side)")
    args = parser.parse_args()
    splits = args.splits.split(",")
    results = []
    if args.impl in ("plait", "both"):
        results.append(run("plait", splits, args.repeat))
    if args.impl == "spacy":
        results.append(run("spacy", splits, args.repeat))
    if args.impl == "both":
        proc = subprocess.run([str(SPACY_PYTHON), __file__, "--impl", "spacy", "--splits", args.splits, "--repeat", str(args.repeat), "--json"],
                              capture_output=True, text=True, check=True)
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(results[-1]))
        return
    print("| tokenizer | " + " | ".join(f"F1 {s}" for s in splits) + " | unseen tok/s | pipe 10k tok/s |")
    print("| --- |" + " --- |" * (len(splits) + 2))
    for r in results:
        cells = [f"{r[f'f1_{s}']['f'] * 100:.2f}" for s in splits]
        print(f"| {r['impl']} | " + " | ".join(cells)
              + f" | {r['unseen_tokens_per_s']:,.0f} | {r['pipe_10k_tokens_per_s']:,.0f} |")


if __name__ == "__main__":
    main()
