# The README's commands. Everything installs into .venv; nothing global is touched.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test check lint install clean bench load fuzz

run: $(VENV)/.installed
	$(BIN)/ieum db upgrade
	$(BIN)/ieum demo
	$(BIN)/ieum serve --host $(HOST) --port $(PORT)

# The suite runs in TEST_WORKERS processes (pytest-xdist), each test file whole in one of them:
# most of a test's time is spent waiting on PostgreSQL, the browser or a subprocess.
# TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test
	$(BIN)/ieum check
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The long run of the API fuzzer and the form property tests (make test runs them briefly).
# Set IEUM_TEST_POSTGRES_URL to fuzz PostgreSQL too; FUZZ_EXAMPLES per API operation.
FUZZ_EXAMPLES ?= 300
fuzz: $(VENV)/.installed-test
	IEUM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) IEUM_FUZZ_EXAMPLES_FORMS=$(FUZZ_EXAMPLES) \
		IEUM_FUZZ_EXAMPLES_REWRITE=$$(( $(FUZZ_EXAMPLES) * 20 )) \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz_api.py \
		tests/test_forms_property.py tests/test_validation_rewrite_property.py $(PYTEST_ARGS)

check: $(VENV)/.installed
	$(BIN)/ieum check

lint: $(VENV)/.installed-test
	$(BIN)/ruff check platform tests

install: $(VENV)/.installed

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "ieum needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[test]'
	touch $@ $(VENV)/.installed

# Benchmarks (docs/PERFORMANCE.md): BENCH_ARGS="--quick" for a smoke run; PostgreSQL figures
# need IEUM_BENCH_POSTGRES_URL (or IEUM_TEST_POSTGRES_URL).
bench: $(VENV)/.installed-load
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Load test on PostgreSQL (IEUM_LOAD_POSTGRES_URL or IEUM_TEST_POSTGRES_URL): steps of users
# LOAD_STEPS=25,50,100,200,400 (the knee is capacity.users), LOAD_SECONDS=60 each;
load: $(VENV)/.installed-load
	$(BIN)/python load/run.py

$(VENV)/.installed-load: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[test,load]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

clean:
	rm -rf $(VENV) build platform/*.egg-info .pytest_cache tests/artifacts
