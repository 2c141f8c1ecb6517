#!/usr/bin/env bash
# The main job: set up, then scan this host with the installed SCAP Security
# Guide content and write the HTML report (vigil-report.html).
#
# `vigil scan` picks the data stream that matches /etc/os-release. SSG 0.1.65
# has no Debian 12 content, so on Debian 12 `--nearest` takes Debian 11's and
# says so; its platform checks then decide which rules apply. Extra arguments
# go to `vigil scan` (e.g. --profile standard, --format json, --root DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/vigil.js scan --nearest "$@"
