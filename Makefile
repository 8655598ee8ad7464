# Stackfleet task runner: the same commands locally and in CI. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# uv on PATH, else the one `make install` puts beside python3.
UV := $(or $(shell command -v uv 2>/dev/null),python3 -m uv)
VENV := .venv
PY := $(VENV)/bin/python
SITES ?= 3

.PHONY: help install demo test test-real lint fmt bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --python 3.11
	@touch $@

install: $(VENV)/.installed ## Create .venv with every dependency, from uv.lock

demo: install ## Emulated sites + the control plane over them (API on :8600); shows what to try
	$(VENV)/bin/stackfleet demo --sites $(SITES)

test: install ## Run the test suite (unit, integration, conformance against the emulator)
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

# Real tier: Debian's Zed packages, 2 sites on loopback (deploy/real_sites/README.md).
REAL_STATE ?= /var/tmp/stackfleet-real
test-real: install ## Conformance suite vs 2 real Zed sites and the emulator, side by side
	STACKFLEET_REAL_STATE=$(REAL_STATE) $(PY) -m deploy.real_sites up --sites 2
	$(PY) -m tests.real.driver --clouds-yaml $(REAL_STATE)/clouds.yaml --sites site1 site2 \
		--out $(REAL_STATE)/junit
	STACKFLEET_REAL_STATE=$(REAL_STATE) $(PY) -m deploy.real_sites memory --save

lint: install ## ruff, ruff format --check, mypy --strict, import-linter
	$(VENV)/bin/ruff check src tests bench deploy
	$(VENV)/bin/ruff format --check src tests bench deploy
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt: install ## Format and autofix
	$(VENV)/bin/ruff format src tests bench deploy
	$(VENV)/bin/ruff check --fix src tests bench deploy

bench: install ## Run the benchmarks; results in bench/results/ and docs/performance.md
	$(PY) -m bench.run

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
