# tracewire's task runner: the same verbs for every language.
#
#   make demo            the order pipeline over a real Kafka broker, printing the trace tree
#   make demo FAIL=payment   the same, with the payment service failing the order
#   make test            every test in every language (what CI runs)
#   make dist            the installable packages, in dist/
#   make bench           benchmarks
#
# Every target installs what it needs (rustup targets, maturin, npm packages,
# wasm-bindgen-cli, Chromium, the Kafka jars) and caches it, so a second run is fast.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

FAIL ?=
export FAIL

.PHONY: demo test lint test-rust test-fuzz test-py test-node test-wasm test-e2e test-interop \
	dist dist-py dist-node dist-wasm bench toolchain

## The main job: the order pipeline from the story, printed as a trace tree.
demo: dist
	examples/pipeline/demo.sh

## Everything CI checks.
test: lint test-rust test-fuzz test-py test-node test-wasm test-e2e test-interop

## Rust components the build needs (rustfmt, clippy, the wasm target).
toolchain:
	rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

lint: toolchain
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --all-features -- -D warnings
	# The W3C-only browser module has code only on its target.
	cargo clippy -p tracewire-wasm-w3c --target wasm32-unknown-unknown -- -D warnings
	cargo fmt --manifest-path examples/pipeline/rust/Cargo.toml --check
	cargo fmt --manifest-path core/fuzz/Cargo.toml --check
	CARGO_TARGET_DIR=target/pipeline cargo clippy --manifest-path examples/pipeline/rust/Cargo.toml --all-targets -- -D warnings

test-rust:
	cargo test -p tracewire --all-features
	cargo test -p tracewire --all-features --release --test bounds --test ids
	cargo run -q -p tracewire --example quickstart
	cargo run -q -p tracewire --example formats
	cargo run -q -p tracewire --all-features --example opentelemetry
	cargo run -q -p tracewire --all-features --example kafka
	cargo run -q -p tracewire --all-features --example tracing_logs

## Every fuzz target for a minute (nightly Rust and cargo-fuzz, installed on first use);
## `core/fuzz/run.sh long` runs each to 10 million executions.
test-fuzz:
	core/fuzz/run.sh short

dist: dist-py dist-node dist-wasm

dist-py:
	bindings-py/build.sh

dist-node:
	bindings-node/build.sh

dist-wasm: toolchain
	bindings-wasm/build.sh

test-py: dist-py
	bindings-py/test.sh

test-node: dist-node dist-wasm
	tests/js/test.sh

test-wasm: dist-node dist-wasm
	bindings-wasm/test.sh

test-e2e: dist
	examples/pipeline/test.sh

## tracewire against the OpenTelemetry SDKs of Python, JS, Java and Go (the
## interop matrix), a Java Kafka consumer, and a real Zipkin server.
test-interop: dist-py dist-node
	tests/interop/test.sh

## Benchmarks: tracewire against the OpenTelemetry propagators of each language, on
## the same inputs, interleaved in one process: Rust (criterion), Python, Node
## (Node-API and WebAssembly packages) and headless Chromium.
bench: dist-py dist-node dist-wasm
	cargo bench -p tracewire
	.venv/bin/python bindings-py/bench.py
	bindings-node/bench/run.sh
	bindings-wasm/bench/run.sh
