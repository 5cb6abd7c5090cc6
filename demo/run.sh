#!/usr/bin/env bash
# The main job on bundled sample data: convert → init config → train → evaluate.
# Run through `make demo` (which installs everything first).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=demo-output
rm -rf "$OUT" && mkdir -p "$OUT/corpus"

step() { printf '\n== %s\n' "$*"; }

step "Convert the CoNLL-U sample to .plait"
plait convert demo/data/ewt-train-sample.conllu "$OUT/corpus" --converter conllu -n 10
plait convert demo/data/ewt-dev-sample.conllu "$OUT/corpus" --converter conllu -n 10

step "Generate a config: tagger, morphologizer and dependency parser sharing one tok2vec"
plait init config "$OUT/config.cfg" --lang en --pipeline tagger,morphologizer,parser

step "Check the data against the config"
plait debug data "$OUT/config.cfg" \
  --paths.train "$OUT/corpus/ewt-train-sample.plait" --paths.dev "$OUT/corpus/ewt-dev-sample.plait" || true

step "Train (a few hundred steps on the sample)"
plait train "$OUT/config.cfg" --output "$OUT/model" \
  --paths.train "$OUT/corpus/ewt-train-sample.plait" --paths.dev "$OUT/corpus/ewt-dev-sample.plait" \
  --training.max_steps 300 --training.eval_frequency 100

step "Evaluate the best model on the dev sample"
plait evaluate "$OUT/model/model-best" "$OUT/corpus/ewt-dev-sample.plait" --output "$OUT/metrics.json"

step "Use it from Python"
python - <<PY
import plait
nlp = plait.load("$OUT/model/model-best")
doc = nlp("I would recommend this place to anyone who wants a good meal.")
print([(t.text, t.tag_, t.pos_) for t in doc])
print([(t.text, t.dep_, t.head.text) for t in doc])
print([s.text for s in doc.sents])
PY
