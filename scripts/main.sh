#!/usr/bin/env bash
# The main job: set up, then describe the SCAP content installed for this host.
# (Until the scan engine lands this is `vigil info`; it becomes `vigil scan`.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

CONTENT=/usr/share/xml/scap/ssg/content
# The SSG data stream for this host, or the nearest one (SSG 0.1.65 stops at Debian 11).
. /etc/os-release
case "${ID:-}${VERSION_ID:-}" in
  ubuntu22.04) ds=ssg-ubuntu2204-ds.xml ;;
  ubuntu20.04) ds=ssg-ubuntu2004-ds.xml ;;
  debian10) ds=ssg-debian10-ds.xml ;;
  rhel9*|centos9*|almalinux9*|rocky9*) ds=ssg-rhel9-ds.xml ;;
  rhel8*|centos8*|almalinux8*|rocky8*) ds=ssg-rhel8-ds.xml ;;
  *) ds=ssg-debian11-ds.xml ;;
esac
echo "vigil: ${PRETTY_NAME:-this host}: using ${CONTENT}/${ds}" >&2
exec node bin/vigil.js info "${CONTENT}/${ds}" "$@"
