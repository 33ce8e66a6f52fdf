# CC Hub — the two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-sqlite test-postgres lint venv install install-test install-semantic clean screenshot

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The semantic extra needs PyTorch; CPU torch 2.13.0 is installed first (a local wheel on
# these machines) so that nothing pulls the CUDA build.
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,semantic]'
	touch $@

install-semantic: $(VENV)/.installed
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[semantic]'
	$(BIN)/cchub reindex

venv install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(BIN)/cchub migrate
	$(BIN)/cchub load-demo
	@echo "To sign in and edit: $(BIN)/cchub createadmin   (in another terminal)"
	@$(BIN)/cchub worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/cchub serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python tests/run_suites.py --pg-url '$(PG_URL)'

test-sqlite: $(VENV)/.installed-test
	$(BIN)/pytest

# Style, types, and the layers of docs/architecture.md (import-linter's contracts in
# pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy cchub
	$(BIN)/lint-imports

screenshot:
	bash docs/screenshots.sh http://$(HOST):$(PORT)

clean:
	rm -rf $(VENV) var .pytest_cache
