# Two commands for a newcomer: `make demo` and `make test`. Everything else they need,
# these targets install: a virtualenv with the pinned dependencies, Elasticsearch (via mvn).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test eval train bench bench-ingest bench-scale bench-alerts chaos digest-preview desk-preview lint es-start es-stop desk-stop clean

# Debian's Chromium for the previews and the desk's browser tests: Playwright drives it and
# never downloads a browser of its own.
CHROMIUM := /usr/bin/chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# axe-core for the desk's accessibility tests, at the version tests/axe/package-lock.json pins.
AXE := tests/axe/node_modules/axe-core/axe.min.js

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/earshot demo

# Three workers on two cores, each with its own Elasticsearch node and Airflow home: a third
# fills the time the others wait on servers and subprocesses. A test file stays on one
# worker, so its fixtures are built once; files with a long test start first (conftest.py).
test: $(STAMP) $(CHROMIUM) $(AXE)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 3 --dist loadfile --no-loadscope-reorder --durations=15

.PHONY: test-stack stack stack-stop

# The whole stack of `make stack` under its real scheduler: heavy, so on its own (CI runs it too).
test-stack: $(STAMP)
	$(BIN)/pytest -p no:xdist -m stack tests/stack

# The production shape on one machine without Docker (README, "Running it for real: make stack").
stack: $(STAMP)
	$(BIN)/earshot stack start

stack-stop: $(STAMP)
	$(BIN)/earshot stack stop

eval: $(STAMP)
	$(BIN)/python -m bench.evaluation

# Refits the learned models on the dev split into enrichment/data/ (same files each run):
# toward_force (posts, then news) and the risk flags first, then the action's second opinion,
# which reads both.
train: $(STAMP)
	$(BIN)/python -m bench.train_toward_force
	$(BIN)/python -m bench.train_toward_news
	$(BIN)/python -m bench.train_flags
	$(BIN)/python -m bench.train_action

bench: $(STAMP)
	$(BIN)/python -m bench.enrichment

# One RSS source through Earshot's collect next to a plain httpx → feedparser → VADER → bulk
# loop, alternately on one local node; ARGS="--items 2000 --pairs 3" to choose, and
# ARGS="--off-topic 0.5" for a feed half of whose items do not name the force.
bench-ingest: $(STAMP)
	$(BIN)/python -m bench.ingest $(ARGS)

# A node filled with synthetic mentions over 90 days (1,000,000 unless ARGS="--mentions N"),
# and p50/p95 of the queue, alerts, digest, erasure and retention against it.
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale $(ARGS)

# Earshot's spike alerts next to ElastAlert2's spike rule on a seeded synthetic stream.
bench-alerts: $(STAMP)
	$(BIN)/python -m bench.alerts $(ARGS)

# Issue 18's faults, Elasticsearch killed, full and restarted, under the collect DAG: a table
# of what was lost, doubled, brought back after erasure or leaked (a few minutes; not in test).
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos

# The digest rendered from sample figures, and a screenshot of it by headless Chromium.
digest-preview: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m bench.digest_preview docs/digest-preview.html docs/digest-preview.png

# The desk's queue, item and alerts pages with sample mentions, screenshotted by Chromium.
desk-preview: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m bench.desk_preview docs

$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

$(AXE): tests/axe/package-lock.json
	command -v npm >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y npm)
	cd tests/axe && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

es-start: $(STAMP)
	$(BIN)/earshot es start

es-stop: $(STAMP)
	$(BIN)/earshot es stop

# The desk `make demo` left running in the background.
desk-stop: $(STAMP)
	$(BIN)/earshot desk-stop

clean:
	[ ! -x $(BIN)/earshot ] || $(BIN)/earshot desk-stop
	[ ! -x $(BIN)/earshot ] || $(BIN)/earshot es destroy
	rm -rf $(VENV) .earshot
