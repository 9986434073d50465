# A fresh clone needs only Python 3.10+ and make: the first target builds .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench clean

$(BIN)/ecsinit-lint: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## Lint the bundled examples: they have findings (exit status 1), as they should; 2 would be an error
run: $(BIN)/ecsinit-lint
	$(BIN)/ecsinit-lint check examples || [ $$? -eq 1 ]

## The whole test suite
test: $(BIN)/ecsinit-lint
	$(BIN)/python -m pytest

bench: $(BIN)/ecsinit-lint
	$(BIN)/python -m pytest benchmarks --benchmark-only -p no:cacheprovider

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
