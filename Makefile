# `make demo` and `make test` are the two commands a new user needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PLUGINS := $(wildcard plugins/*/pyproject.toml)

.PHONY: install demo test test-fast lint bench clean

$(VENV)/.installed: core/pyproject.toml $(PLUGINS) requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q -e core $(foreach p,$(PLUGINS),-e $(dir $(p)))
	touch $@

install: $(VENV)/.installed

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
