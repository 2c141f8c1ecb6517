#!/usr/bin/env bash
# Sets up (Debian packages for the oscap oracle, npm dependencies), then runs
# the type check and every test. Set VIGIL_REQUIRE_ORACLE=1 to make a missing
# oscap or SSG content a failure instead of a skip (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
