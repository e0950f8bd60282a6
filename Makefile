# Two commands for a newcomer: `make demo` and `make test`. Everything else they need,
# these targets install: a virtualenv with the pinned dependencies, Elasticsearch (via mvn).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test eval bench bench-alerts chaos digest-preview lint es-start es-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/earshot demo

# Two workers, each with its own Elasticsearch node and Airflow home; a test file stays on
# one worker, so its fixtures are built once.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile

eval: $(STAMP)
	$(BIN)/python -m bench.evaluation

bench: $(STAMP)
	$(BIN)/python -m bench.enrichment

# Earshot's spike alerts next to ElastAlert2's spike rule on a seeded synthetic stream.
bench-alerts: $(STAMP)
	$(BIN)/python -m bench.alerts $(ARGS)

# Issue 18's faults, Elasticsearch killed, full and restarted, under the collect DAG: a table
# of what was lost, doubled, brought back after erasure or leaked (a few minutes; not in test).
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos

# The digest rendered from sample figures, and a screenshot of it by headless Chromium.
digest-preview: $(STAMP)
	command -v chromium >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	$(BIN)/python -m bench.digest_preview docs/digest-preview.html docs/digest-preview.png

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

es-start: $(STAMP)
	$(BIN)/earshot es start

es-stop: $(STAMP)
	$(BIN)/earshot es stop

clean:
	[ ! -x $(BIN)/earshot ] || $(BIN)/earshot es destroy
	rm -rf $(VENV) .earshot
