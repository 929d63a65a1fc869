# Two entry points: `make demo` and `make test`. Everything else is what they need.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
SYNCED := $(VENV)/.synced

# uv must use the machine's Python, never download one.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo test lint fmt bench clean

$(UV):
	@echo "==> installing uv $(UV_VERSION) into $(TOOLS)/"
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(SYNCED): $(UV) pyproject.toml uv.lock
	@echo "==> installing locked dependencies into $(VENV)/"
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(SYNCED)

demo: install
	$(VENV)/bin/pulse demo

test: install
	$(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(VENV)/bin/python benchmarks/github_requests.py
	$(VENV)/bin/python benchmarks/metrics_recompute.py --scale 0.1

clean:
	rm -rf .demo $(VENV) $(TOOLS) .pytest_cache .ruff_cache
