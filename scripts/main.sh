#!/usr/bin/env bash
# The main job: set up, then scan this host and write the HTML report
# (vigil-report.html).
#
# `vigil scan` picks the SCAP Security Guide data stream that matches
# /etc/os-release. SSG 0.1.65 has none for Debian 12, so on a fresh Debian 12
# machine it scans with Vigil's built-in Linux baseline and says so. Extra
# arguments go to `vigil scan` (e.g. --format json, --root DIR, --content FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what a user needs (SSG content, npm dependencies, the build); the tests' tools are scripts/test.sh's.
bash scripts/setup.sh --user
exec node bin/vigil.js scan "$@"
