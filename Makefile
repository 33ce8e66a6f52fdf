# CC Hub — the two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-sqlite test-postgres lint venv install install-test clean screenshot

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(BIN)/cchub migrate
	$(BIN)/cchub load-demo
	$(BIN)/cchub serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python tests/run_suites.py --pg-url '$(PG_URL)'

test-sqlite: $(VENV)/.installed-test
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy cchub

screenshot: $(VENV)/.installed
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) var .pytest_cache
