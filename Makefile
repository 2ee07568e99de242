# The habits of the project, one target each. `make help` lists them.
CARGO ?= cargo
STRATA = target/release/strata

.PHONY: help setup setup-build build run bundle test lint fmt update-golden bench

help:
	@echo "make run            build strata, check migrations/ and compile it into out/"
	@echo "make bundle         compile migrations/ into out/ (the bundle is committed)"
	@echo "make setup          install the system packages the tests need (or name them when not root)"
	@echo "make test           run every test (unit, fixtures, CLI, robustness)"
	@echo "make lint           cargo fmt --check and clippy with warnings denied"
	@echo "make fmt            format the code"
	@echo "make update-golden  rewrite the golden files of the fixtures (review the diff)"
	@echo "make bench          time strata (and Alembic) on generated projects; BENCH=--quick for less"

# System packages: installed when run as root, named otherwise (.ci/setup says which).
setup:
	.ci/setup test

setup-build:
	.ci/setup build

build: setup-build
	$(CARGO) build --release --locked

# The main job on the example project: check it (against its strata.lock), lint it, then
# compile it into its bundle.
run: build
	$(STRATA) --dir migrations check --locked
	$(STRATA) --dir migrations lint
	$(STRATA) --dir migrations build --out out

bundle: build
	$(STRATA) --dir migrations build --out out

test: setup
	$(CARGO) test --locked

lint: setup-build
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

fmt:
	$(CARGO) fmt

update-golden: setup
	UPDATE_GOLDEN=1 $(CARGO) test --locked

bench:
	python3 bench/bench.py $(BENCH)
