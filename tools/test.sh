#!/usr/bin/env bash
# Installs, builds and runs every test (unit tests and the CLI end-to-end
# suites on real files and loop devices). Needs root for loop devices.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cd "${CUSTODY_BUILD_DIR:-build}"
ctest --output-on-failure -j1 --timeout 1200
