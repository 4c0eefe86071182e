# The two commands of the README:  `make demo`  and  `make test`.
# Both install what they need on a fresh machine (venv, Python deps, Kafka jars).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test setup lint typecheck unit integration faults broker-start broker-stop bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@# Optional speed-up (~2x): the engine compiled with mypyc in place. The script
	@# falls back to the pure-Python engine with a warning, so a failure never fails setup.
	-$(BIN)/python scripts/accelerate.py
	touch $(STAMP)

setup: $(STAMP)

## The main job: the demo federation end to end (starts and stops its own broker).
demo: setup
	$(BIN)/ivex demo

## Lint, type-check and every test, integration tests included (real Kafka broker).
# A private base temp dir: pytest prunes old ones under /tmp/pytest-of-<user>, which would
# pull the session's PostgreSQL data dir from under it if another pytest run started.
test: setup lint typecheck
	@set +e; tmp=$$(mktemp -d /tmp/ivex-tests-XXXXXX); \
	$(BIN)/pytest -p no:cacheprovider --basetemp=$$tmp/t; rc=$$?; rm -rf $$tmp; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -m "not integration"

integration: setup
	$(BIN)/pytest -m integration

## The long fault-injection profile (docs/reliability.md); ~25 min. The short one runs in
## `make test`. IVEX_FAULTS_SEED=<seed> replays a run; figures go to faults-results.jsonl.
faults: setup
	@set +e; rm -f faults-results.jsonl; tmp=$$(mktemp -d /tmp/ivex-faults-XXXXXX); \
	IVEX_FAULTS_PROFILE=long IVEX_FAULTS_RESULTS=$(CURDIR)/faults-results.jsonl \
	$(BIN)/pytest -p no:cacheprovider -m faults -s --basetemp=$$tmp/t tests/faults; rc=$$?; \
	if [ $$rc -eq 0 ]; then rm -rf $$tmp; else echo "run directories (logs) kept in $$tmp"; fi; \
	$(BIN)/python -m tests.faults.results faults-results.jsonl; exit $$rc

broker-start: setup
	$(BIN)/ivex broker start

broker-stop: setup
	$(BIN)/ivex broker stop

bench: setup
	$(BIN)/python -m bench.engine_bench
	$(BIN)/python -m bench.codec_bench
	$(BIN)/python -m bench.pipeline_bench

clean:
	-$(BIN)/ivex broker stop
	rm -rf .ivex out
