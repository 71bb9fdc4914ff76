#!/usr/bin/env bash
# Hostile-input and concurrency probe (issue 12): builds the release binary and
# runs bench/probe.py against it on 127.0.0.1. Bounded: about a minute plus the
# build. Pass --seconds N for a longer readers-and-writers phase.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
target="${CARGO_TARGET_DIR:-target}"
exec python3 bench/probe.py "$target/release/broadsheet" "$@"
