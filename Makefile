# memory-dynamics: `make` runs the default pipeline, `make test` the test suite.
# Both create .venv (Python >= 3.11) and install the project into it when needed; `make`
# calls the `memory-dynamics` command (validates the config, then runs Snakemake).
#   make [PRESET=quick|default|large] [STUDY="hopfield fisher"] [CORES=n]

PYTHON ?= python3
VENV   ?= .venv
PRESET ?= default
CORES  ?= all
STUDY  ?=
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CLI    := $(BIN)/memory-dynamics
RUN    := $(CLI) run --preset $(PRESET) $(foreach s,$(STUDY),--study $(s))

.PHONY: all run report test test-lowest lint dryrun bench clean help slurm-test

all: run report

help:
	@echo "make [PRESET=default|quick|large] [STUDY=name] [CORES=n]  run and build the report"
	@echo "make test                                    run the test suite"
	@echo "make report | lint | dryrun | bench | clean | slurm-test | test-lowest"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "memory-dynamics needs Python >= 3.11 (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(RUN) --cores $(CORES)

report: $(STAMP)
	$(CLI) report
	@echo "Report: results/report.html   Figures: results/*/figures/   Checks: results/*/checks.csv"

test: $(STAMP)
	$(BIN)/python -m pytest -n 2

# The lowest supported versions: every direct dependency at its lower bound in pyproject.toml
# (uv --resolution lowest-direct) in .venv-lowest, then the tests that do not run the
# whole pipeline (those run in `make test` with the newest versions).
LOWEST := .venv-lowest
test-lowest: $(STAMP)
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	test -x $(LOWEST)/bin/python || $(BIN)/uv venv --quiet --python $(PYTHON) $(LOWEST)
	$(BIN)/uv pip install --quiet --python $(LOWEST)/bin/python --resolution lowest-direct -e ".[test]"
	$(BIN)/uv pip list --python $(LOWEST)/bin/python | grep -E -i "^(numpy|scipy|xarray|h5netcdf|h5py|matplotlib|pandas|jsonschema|pyyaml|snakemake) "
	$(LOWEST)/bin/python -m pytest -n 2 -m "not pipeline and not slurm"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/snakemake --lint

dryrun: $(STAMP)
	$(RUN) --dry-run -- --quiet rules

bench: $(STAMP)
	$(BIN)/python benchmarks/hopfield_vs_neurodynex.py
	$(BIN)/python benchmarks/hopfield_scaling.py
	$(BIN)/python benchmarks/fisher_lyapunov_vs_naive.py
	$(BIN)/python benchmarks/reservoir_vs_reservoirpy.py
	$(BIN)/python benchmarks/lsm_vs_brian2.py

clean:
	rm -rf results/*/ results/report.html results/config.yaml .snakemake

# A real single-node SLURM on this machine (root; installs Debian's slurm-wlm and munge when
# missing), the quick preset through the slurm profile, compared with a local run; then down.
slurm-test: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[slurm,test]"
	workflows/profiles/slurm/local-cluster.sh up
	$(BIN)/python -m pytest -m slurm -v tests/test_slurm.py; rc=$$?; \
	workflows/profiles/slurm/local-cluster.sh down; exit $$rc
