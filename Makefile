# `make demo` and `make test` are the two commands a new user needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# plugins/gpu needs CuPy (hundreds of MB, useless without an NVIDIA GPU):
# only `make install-gpu` installs it.
PLUGINS := $(filter-out plugins/gpu/pyproject.toml,$(wildcard plugins/*/pyproject.toml))

.PHONY: install install-gpu demo test test-fast lint bench clean

$(VENV)/.installed: core/pyproject.toml $(PLUGINS) requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q -e core $(foreach p,$(PLUGINS),-e $(dir $(p)))
	touch $@

install: $(VENV)/.installed

# On a machine with an NVIDIA GPU (CUDA 12): the plait-gpu plugin and CuPy.
install-gpu: install
	$(PY) -m pip install -q -e plugins/gpu
	$(PY) -m plait info

demo: install
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH bash demo/run.sh

test: install
	$(PY) -m pytest -q -n 2 --dist loadgroup

test-fast: install
	$(PY) -m pytest -q -n 2 -m "not slow"

lint: install
	$(PY) -m ruff check core plugins tests bench
	$(PY) -m mypy

bench: install
	$(MAKE) -C bench

clean:
	rm -rf $(VENV) demo-output
