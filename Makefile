# The habits of the project, one target each. `make help` lists them.
CARGO ?= cargo
STRATA = target/release/strata

.PHONY: help build run test lint fmt update-golden

help:
	@echo "make run            build strata and run the main job on migrations/"
	@echo "make test           run every test (unit, fixtures, CLI, robustness)"
	@echo "make lint           cargo fmt --check and clippy with warnings denied"
	@echo "make fmt            format the code"
	@echo "make update-golden  rewrite the golden files of the fixtures (review the diff)"

build:
	$(CARGO) build --release --locked

# The main job on the example project. Until bundles exist (issue 5) it checks
# migrations/ and reports every problem.
run: build
	$(STRATA) --dir migrations check

test:
	$(CARGO) test --locked

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

fmt:
	$(CARGO) fmt

update-golden:
	UPDATE_GOLDEN=1 $(CARGO) test --locked
