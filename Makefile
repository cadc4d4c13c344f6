# Two entry points: `make demo` and `make test`. Each installs what it needs first.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: install demo test lint bench serve

install:
	@echo "make: installing the dependencies with uv (quick once they are cached)"
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		python3 -m pip install --quiet --user uv || python3 -m pip install --quiet --user --break-system-packages uv
	@$(UV) sync --frozen --quiet

demo: install
	@echo "make: running the demo (every step says what it does; the attack-lab rendering is the slow one)"
	@$(UV) run --frozen unmask demo --force

test: install
	@$(UV) run --frozen pytest -q

lint: install
	@$(UV) run --frozen ruff check unmask tests benchmarks
	@$(UV) run --frozen ruff format --check unmask tests benchmarks
	@$(UV) run --frozen mypy unmask

serve: install
	@$(UV) run --frozen unmask serve

bench: install
	@$(UV) run --frozen python benchmarks/foundation.py
	@$(UV) run --frozen python benchmarks/pulse.py
	@$(UV) run --frozen python benchmarks/evaluation.py
