# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
# pytest-xdist processes for `make test` (auto: one per core; 0: no xdist).
TEST_WORKERS ?= auto
# Processes for `make security` (the checks with a time bound run alone after).
SECURITY_JOBS ?= 2
export HOST PORT

.PHONY: run test lint security bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# axe-core for the accessibility browser test, from the npm registry when npm is here.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: the accessibility test will be skipped"; fi

run: $(VENV)/.runtime
	WORKERS=$(WORKERS) BIN=$(BIN) ./scripts/serve.sh

test: $(VENV)/.dev
	@$(MAKE) --no-print-directory node_modules/.installed || true
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Style, the architecture contract (pyproject [tool.importlinter]) and the
# type checker (pyproject [tool.mypy]); CI runs this before the tests.
lint: $(VENV)/.dev
	$(BIN)/ruff check cms tests bench config.py wsgi.py
	$(BIN)/ruff format --check cms tests bench config.py wsgi.py
	$(BIN)/lint-imports
	$(BIN)/mypy

# The attack suite: one line `NAME: FOUND/TRIED` per check; fails when any
# FOUND is above its bound (tests/security; also run by `make test`).
security: $(VENV)/.dev
	$(BIN)/python -m tests.security --jobs $(SECURITY_JOBS)

bench: $(VENV)/.dev
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache
