# Hồ Sơ: two commands on a fresh machine (only Python 3.11 and pip needed).
#   make run   — sets up .venv with what running needs and serves
#                http://127.0.0.1:8000/fhir on SQLite (var/hoso.db)
#   make test  — adds the test tools to .venv, installs Debian's chromium and poppler-utils
#                if missing, and runs ruff and the test suite (PostgreSQL too when
#                HOSO_TEST_DATABASE_URL is set, as .ci/run does)
#   make smoke — every `hoso` command once, in a fresh virtualenv with `pip install .` alone
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLES := .cache/fhir/hl7.fhir.r4.examples-4.0.1.tgz
AXE := .cache/npm/axe-core-4.14.1.tgz
# One stamp per install: `make run` installs [project] dependencies only, so that a
# runtime import missing from them fails there and not only on a machine without the
# test extras; `make test` adds the extras.
RUN_INSTALLED := $(VENV)/.installed-run
TEST_INSTALLED := $(VENV)/.installed-test

.PHONY: run test lint debian-tools smoke examples bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): pyproject.toml $(RUN_INSTALLED)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(RUN_INSTALLED)
	$(BIN)/hoso serve --host 127.0.0.1 --port 8000

# The official R4 examples come from the npm registry package, fetched once.
$(EXAMPLES):
	mkdir -p .cache/fhir
	cd .cache/fhir && npm pack --silent hl7.fhir.r4.examples@4.0.1 >/dev/null

examples: $(EXAMPLES)

# axe-core, Deque's accessibility rules engine: the health book's browser test runs its
# WCAG 2.1 A/AA rules on every page (tests/api/test_book_browser.py).
$(AXE):
	mkdir -p .cache/npm
	cd .cache/npm && npm pack --silent axe-core@4.14.1 >/dev/null

lint: $(TEST_INSTALLED)
	$(BIN)/ruff check src tests bench tools

# The page tests drive Debian's chromium (/usr/bin/chromium) through Playwright and
# the PDF tests read the health book back with poppler's pdftotext; the outbreak-detection and
# R_t tests compare with R's surveillance and EpiEstim (Debian's r-cran-*); .ci/run installs
# them: with apt-get (as root, or through sudo) when one is missing. The warehouse's Spark
# tests need a Java runtime (openjdk-17-jre-headless).
debian-tools:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	Rscript -e 'library(surveillance); library(EpiEstim)' >/dev/null 2>&1 || \
	  missing="$$missing r-base-core r-cran-surveillance r-cran-epiestim"; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "Thiếu$$missing và không có apt-get: hãy cài bằng trình quản lý gói của hệ" \
	         "thống; các bài kiểm thử trang và PDF cần chúng / missing:$$missing and there" \
	         "is no apt-get: install them with this system's package manager; the page and" \
	         "PDF tests need them, the outbreak-detection and R_t tests R's surveillance and EpiEstim" >&2; \
	    exit 1; \
	  fi; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "Cài / installing$$missing (apt-get)" >&2; \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(TEST_INSTALLED) $(EXAMPLES) $(AXE) debian-tools lint
	HOSO_FHIR_EXAMPLES=$(EXAMPLES) HOSO_AXE=$(AXE) $(BIN)/pytest -n 2 -q

# A fresh virtualenv in a temporary folder, `pip install .` without extras, every
# command of the CLI once on a small SQLite store (tools/cli_smoke.py; one to three
# minutes, most of it pip).
smoke:
	$(PYTHON) tools/cli_smoke.py

# The issue-4 suite whose figures docs/performance.md records (about two hours):
# generation speed; bulk import of 10,000 residents on both backends and 100,000 on each,
# with PostgreSQL's COPY floor and peak memory; latency and throughput at 1/16/64
# clients on 1,000,000 residents on PostgreSQL.
bench: $(TEST_INSTALLED)
	$(BIN)/python -m bench.synth --people 10000
	$(BIN)/python -m bench.bulk --people 10000
	$(BIN)/python -m bench.bulk --backend postgresql --people 100000
	$(BIN)/python -m bench.bulk --backend sqlite --people 100000
	$(BIN)/python -m bench.latency --backend postgresql --patients 1000000 --pg-database hoso_bench_1m --label 1m --seconds 15 --concurrent-kinds read search_cccd search_name observations everything metadata

clean:
	rm -rf $(VENV) var .cache
