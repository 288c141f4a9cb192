#!/usr/bin/env bash
# Two sides on two "hosts" (network namespaces) joined by an emulated thin line, over TLS:
#   sudo deploy/thinline.sh [--delay-ms 300] [--kbit 64] [--compress] [--dir DIR]
# Then type stall, resume, stats or quit. Needs root (ip netns) and the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD:$PWD/protocol${PYTHONPATH:+:$PYTHONPATH}"
exec "${PYTHON:-.venv/bin/python}" -m bench.thinline "$@"
