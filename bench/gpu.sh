#!/usr/bin/env bash
# The GPU check of issue 16, in one step, on a machine with an NVIDIA GPU and
# CUDA 12: installs plait with the plait-gpu plugin, spaCy 3.8 with CuPy (in
# bench/.venv-spacy only), then trains and runs both tools on the CPU and the
# GPU (bench/gpu.py) and prints the tables. Arguments go to gpu.py, e.g.
#   bash bench/gpu.sh --steps 1500 --tasks parse
set -euo pipefail
cd "$(dirname "$0")/.."
make install-gpu
make -C bench .venv-spacy/.installed
bench/.venv-spacy/bin/python -m pip install -q "cupy-cuda12x>=13"
cd bench
../.venv/bin/python gpu.py "$@"
