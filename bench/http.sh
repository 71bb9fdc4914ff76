#!/usr/bin/env bash
# HTTP benchmark (issue 8): Broadsheet against nginx serving the same bytes,
# at 1,000 and 100,000 articles. Builds the release binary, generates the
# databases once (kept in $CARGO_TARGET_DIR/bench-data: 100,000 articles take
# about 4 minutes), then runs bench/http_bench.py. Loopback only; each wrk run is a
# few seconds. Needs wrk and nginx (Debian: apt-get install wrk nginx-light).
#
#   bench/http.sh                  the full run (about 10 minutes after the build)
#   bench/http.sh --smoke          200 articles, one short round, debug build (what CI runs)
#   bench/http.sh --sizes 1000 --seconds 5
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
if [[ " $* " == *" --smoke "* ]]; then
  cargo build --locked --quiet
  binary="$target/debug/broadsheet"
else
  cargo build --release --locked --quiet
  binary="$target/release/broadsheet"
fi
mkdir -p "$target/bench-data"
exec python3 bench/http_bench.py "$binary" --data "$target/bench-data" "$@"
