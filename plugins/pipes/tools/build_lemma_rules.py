"""Derive the English lemma tables of plait-pipes' ``lemmatizer`` from UD EWT.

    python plugins/pipes/tools/build_lemma_rules.py \\
        ../shared/data/ud-english-ewt/en_ewt-ud-train.conllu \\
        plugins/pipes/plait_pipes/data/en_lemma_rules.json \\
        --dev ../shared/data/ud-english-ewt/en_ewt-ud-dev.conllu

What it derives from the (form, lemma, UPOS) words of the training file:

- ``keep_case``: the POS whose capitalized forms keep their case in the lemma;
- ``rules``: per POS, suffix rewrites (studies -> study is "ies" -> "y") seen
  in at least ``--min-rule-types`` word types, most frequent first;
- ``index``: the lemmas seen per POS (a rule's result must be one of them);
- ``oov_rules``: the rules precise enough (>= ``--oov-precision`` on words
  seen once) to apply to unknown words, most specific suffix first;
- ``exceptions``: per POS, every word type whose most frequent lemma the
  rules above get wrong (irregular forms), with the same algorithm that
  applies them (``plait_pipes._lemma_rules``);
- ``lookup``: form -> most frequent lemma, where it differs from the form.

The output is derived from UD English EWT and is licensed CC BY-SA 4.0
(see plugins/pipes/NOTICE). ``--dev`` prints lemma accuracy with gold POS.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from plait_pipes._lemma_rules import LemmaRules

RULE_POS = ("NOUN", "VERB", "ADJ", "ADV")
MAX_SUFFIX = 4


def read_words(path: Path) -> list[tuple[str, str, str]]:
    """RETURNS (List[Tuple[str, str, str]]): (form, lemma, UPOS) of each syntactic word."""
    words = []
    with open(path, encoding="utf8") as f:
        for line in f:
            if not line or not line[0].isdigit():
                continue
            cols = line.rstrip("\n").split("\t")
            if "-" in cols[0] or "." in cols[0] or cols[2] == "_":
                continue
            words.append((cols[1], cols[2], cols[3]))
    return words


def suffix_rule(key: str, lemma: str) -> tuple[str, str]:
    """The rewrite of the differing ends: ("studies", "study") -> ("ies", "y")."""
    n = 0
    while n < min(len(key), len(lemma)) and key[n] == lemma[n]:
        n += 1
    return key[n:], lemma[n:]


def build(words: list[tuple[str, str, str]], min_rule_types: int, oov_precision: float) -> dict:
    # Case: for capitalized forms, does the lemma keep the form's case?
    kept, lowered = Counter(), Counter()
    for form, lemma, pos in words:
        if form != form.lower():
            kept[pos] += lemma == form
            lowered[pos] += lemma == form.lower()
    keep_case = sorted(pos for pos in kept if kept[pos] > lowered[pos])
    rules_probe = LemmaRules({"rules": {}, "index": {}, "exceptions": {}, "lookup": {},
                              "keep_case": keep_case})
    types: dict[str, Counter] = defaultdict(Counter)  # pos -> (key, lemma) -> count
    for form, lemma, pos in words:
        types[pos][(rules_probe.key(form, pos), lemma)] += 1

    rules, index, oov_rules = {}, {}, {}
    for pos in RULE_POS:
        counts = Counter()
        for key, lemma in types[pos]:
            if key != lemma:
                old, new = suffix_rule(key, lemma)
                if old and len(old) <= MAX_SUFFIX and len(new) <= MAX_SUFFIX:
                    counts[(old, new)] += 1
        kept_rules = [r for r, n in counts.most_common() if n >= min_rule_types]
        rules[pos] = [list(r) for r in kept_rules]
        index[pos] = sorted({lemma for _, lemma in types[pos]})
        # Precision on words seen once: how the rule does on words it has not memorized.
        hits, right = Counter(), Counter()
        for (key, lemma), n in types[pos].items():
            if n != 1:
                continue
            for old, new in kept_rules:
                if key.endswith(old) and len(key) > len(old):
                    hits[(old, new)] += 1
                    right[(old, new)] += key[: len(key) - len(old)] + new == lemma
        reliable = [r for r in kept_rules if hits[r] and right[r] / hits[r] >= oov_precision and right[r] >= 3]
        oov_rules[pos] = [list(r) for r in sorted(reliable, key=lambda r: (-len(r[0]), -right[r]))]

    tables = {"keep_case": keep_case, "rules": rules, "oov_rules": oov_rules, "index": index,
              "exceptions": {}, "lookup": {}}
    engine = LemmaRules(tables)
    exceptions: dict[str, dict[str, str]] = {}
    for pos, pairs in sorted(types.items()):
        best: dict[str, tuple[int, str]] = {}
        for (key, lemma), n in pairs.items():
            if key not in best or n > best[key][0]:
                best[key] = (n, lemma)
        exc = {key: lemma for key, (_, lemma) in sorted(best.items()) if engine.by_rules(key, pos) != lemma}
        if exc:
            exceptions[pos] = exc
    tables["exceptions"] = exceptions

    by_form: dict[str, Counter] = defaultdict(Counter)
    for form, lemma, _ in words:
        by_form[form][lemma] += 1
    tables["lookup"] = {form: c.most_common(1)[0][0] for form, c in sorted(by_form.items())
                        if c.most_common(1)[0][0] != form}
    # The rule index is needed only for the POS that have rules.
    tables["index"] = {pos: words_ for pos, words_ in index.items() if rules.get(pos)}
    return tables


def evaluate(tables: dict, words: list[tuple[str, str, str]]) -> dict[str, float]:
    """RETURNS (dict): lemma accuracy with gold POS, and in lookup mode (= without POS)."""
    engine = LemmaRules(tables)
    n = len(words)
    return {
        "rule_gold_pos": sum(engine.lemmatize(f, p) == lem for f, lem, p in words) / n,
        "lookup": sum(engine.lookup(f) == lem for f, lem, _ in words) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("train", type=Path, help="en_ewt-ud-train.conllu")
    parser.add_argument("output", type=Path, help="the JSON tables to write")
    parser.add_argument("--dev", type=Path, default=None, help="a CoNLL-U file to report accuracy on")
    parser.add_argument("--min-rule-types", type=int, default=3)
    parser.add_argument("--oov-precision", type=float, default=0.6)
    args = parser.parse_args()
    words = read_words(args.train)
    tables = build(words, args.min_rule_types, args.oov_precision)
    tables = {"license": "CC BY-SA 4.0",
              "source": "derived from UD English EWT train (en_ewt-ud-train.conllu) by "
                        "plugins/pipes/tools/build_lemma_rules.py", **tables}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(tables, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    args.output.write_text(text + "\n", encoding="utf8")
    sizes = {k: (len(v) if not isinstance(v, dict) else sum(len(x) if isinstance(x, (list, dict)) else 1
                                                               for x in v.values()))
             for k, v in tables.items() if k not in ("license", "source")}
    print(f"wrote {args.output} ({len(text.encode('utf8')) / 1024:.0f} KB): {sizes}")
    if args.dev is not None:
        for name, acc in evaluate(tables, read_words(args.dev)).items():
            print(f"dev lemma_acc {name}: {acc:.4f}")


if __name__ == "__main__":
    main()
