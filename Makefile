# Hồ Sơ: two commands on a fresh machine (only Python 3.11 and pip needed).
#   make run   — sets up .venv and serves http://127.0.0.1:8000/fhir on SQLite (var/hoso.db)
#   make test  — sets up .venv and runs ruff and the test suite
#                (PostgreSQL too when HOSO_TEST_DATABASE_URL is set, as .ci/run does)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXAMPLES := .cache/fhir/hl7.fhir.r4.examples-4.0.1.tgz

.PHONY: run test lint examples bench clean

$(BIN)/hoso: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/hoso

run: $(BIN)/hoso
	$(BIN)/hoso serve --host 127.0.0.1 --port 8000

# The official R4 examples come from the npm registry package, fetched once.
$(EXAMPLES):
	mkdir -p .cache/fhir
	cd .cache/fhir && npm pack --silent hl7.fhir.r4.examples@4.0.1 >/dev/null

examples: $(EXAMPLES)

lint: $(BIN)/hoso
	$(BIN)/ruff check src tests bench tools

test: $(BIN)/hoso $(EXAMPLES) lint
	HOSO_FHIR_EXAMPLES=$(EXAMPLES) $(BIN)/pytest -n 2 -q

# The issue-4 suite whose figures docs/performance.md records (about two hours):
# generation speed; bulk import of 10,000 residents on both backends and 100,000 on each,
# with PostgreSQL's COPY floor and peak memory; latency and throughput at 1/16/64
# clients on 1,000,000 residents on PostgreSQL.
bench: $(BIN)/hoso
	$(BIN)/python -m bench.synth --people 10000
	$(BIN)/python -m bench.bulk --people 10000
	$(BIN)/python -m bench.bulk --backend postgresql --people 100000
	$(BIN)/python -m bench.bulk --backend sqlite --people 100000
	$(BIN)/python -m bench.latency --backend postgresql --patients 1000000 --pg-database hoso_bench_1m --label 1m --seconds 15 --concurrent-kinds read search_cccd search_name observations everything metadata

clean:
	rm -rf $(VENV) var .cache
