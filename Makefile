# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_DIR ?= /tmp/fairfollow-pg
PG_PORT ?= 55432

.PHONY: demo serve test test-fast bench bench-full lint venv clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	npm ci --prefix tests/web/axe --no-audit --no-fund --silent  # axe-core for the page checks
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/fairfollow --workspace ./fairfollow-data demo

# After `make demo`: the web pages on http://127.0.0.1:8000/ over the demo's replay of the
# 2019 case (the workspace whose releases went through the door into the log).
serve: $(STAMP)
	@ws=$$(ls -d fairfollow-data/reports/replays/*/ 2>/dev/null | tail -n 1); \
	if [ -z "$$ws" ]; then echo "run make demo first"; exit 2; fi; \
	$(BIN)/fairfollow --workspace "$$ws" serve --site-accounts

# The suite runs ledger tests on SQLite and on a private PostgreSQL server started here;
# without PostgreSQL it fails rather than pass on half the backends.
test: $(STAMP)
	@bash scripts/pg.sh start $(PG_DIR) $(PG_PORT) || { echo "make test needs PostgreSQL (apt-get install postgresql)"; exit 1; }
	FAIRFOLLOW_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$(PG_PORT)/postgres \
		$(BIN)/pytest -n 2 -q; rc=$$?; bash scripts/pg.sh stop $(PG_DIR) $(PG_PORT); exit $$rc

# The quick local loop: SQLite only, slow tests left out, no server needed.
test-fast: $(STAMP)
	FAIRFOLLOW_TEST_BACKENDS=sqlite $(BIN)/pytest -n 2 -q -m "not slow"

# Benchmarks that compare backends (consent, web) also run on a private PostgreSQL server.
bench: $(STAMP)
	@bash scripts/pg.sh start $(PG_DIR)-bench $(PG_PORT) || { echo "make bench needs PostgreSQL (apt-get install postgresql)"; exit 1; }
	FAIRFOLLOW_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$(PG_PORT)/postgres \
		$(BIN)/python -m bench; rc=$$?; bash scripts/pg.sh stop $(PG_DIR)-bench $(PG_PORT); exit $$rc

# The whole season at full scale (800,000 students), stage by stage: not part of test or CI.
bench-full: $(STAMP)
	$(BIN)/python -m bench.full

# Every page of every role (ja, en, phone) as PNG under build/screenshots/ (not a test).
screenshots: $(STAMP)
	FAIRFOLLOW_TEST_BACKENDS=sqlite $(BIN)/python -m tests.web.screenshots

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) fairfollow-data .pytest_cache .mypy_cache .ruff_cache
