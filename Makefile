# The two commands: `make run` and `make test`. Everything else is what they stand on.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UI     := brickwork/builder_ui
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEMO   ?= 200
# Test processes: two keep a 2-core CI machine busy (tests share nothing but the database server).
TEST_WORKERS ?= 2

.PHONY: run test assets test-support bench schemas catalogs clean

run: $(VENV)/.installed-run assets
	$(BIN)/brickwork db upgrade
	$(BIN)/brickwork templates install crm --demo-data $(DEMO) --if-no-apps
	$(BIN)/brickwork serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev assets test-support
	$(BIN)/ruff check brickwork tests bench
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Figures for docs/PERFORMANCE.md, e.g. make bench BENCH_ARGS="--records 100000".
bench: $(VENV)/.installed-dev assets
	$(BIN)/python bench/bench_records.py $(BENCH_ARGS)

assets: $(UI)/static/vendor/.built

$(UI)/static/vendor/.built: $(UI)/package.json $(UI)/package-lock.json $(UI)/build.mjs
	cd $(UI) && npm ci --no-audit --no-fund && node build.mjs

# The OpenID Connect provider the sign-in tests run on loopback (tests/support/oidc_provider.mjs).
test-support: tests/support/node_modules/.installed

tests/support/node_modules/.installed: tests/support/package.json tests/support/package-lock.json
	cd tests/support && npm ci --no-audit --no-fund
	touch $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed-run

# Regenerate the published JSON Schemas after changing a definition model.
schemas: $(VENV)/.installed-run
	$(BIN)/brickwork schema dump brickwork/platform/schemas

# Refresh the message catalogs after adding or changing translatable text.
catalogs: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o brickwork/locale/messages.pot .
	$(BIN)/pybabel update -i brickwork/locale/messages.pot -d brickwork/locale -D messages --no-fuzzy-matching

clean:
	rm -rf $(VENV) $(UI)/node_modules $(UI)/static/vendor tests/support/node_modules
