# The two commands of the README. Both work on a fresh clone: they install and
# start what they need (scripts/services.sh) and skip what is already there.
.PHONY: demo test services-up services-down lint build

demo:
	scripts/demo.sh

test:
	scripts/test.sh

services-up:
	scripts/services.sh up

services-down:
	scripts/services.sh down

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	scripts/lint-workflows.sh
	scripts/check-msrv.sh
	scripts/check-structure.sh

build:
	cargo build --workspace --release --bins
