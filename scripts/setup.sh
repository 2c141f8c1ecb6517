#!/usr/bin/env bash
# Installs what Vigil and its tests need on a fresh Debian 12 machine:
#   - Debian packages: OpenSCAP (the oracle the tests compare against), the SSG content,
#     rpm (the oracle for rpm version ordering), and dbus with python3-dbus and python3-gi
#     (a fake systemd on a private bus, to compare the systemd probes with oscap);
#   - openssh-server (test hosts in network namespaces, each with its own sshd), postgresql
#     (the results store's server, started on loopback by the tests), db5.3-util and
#     python3-bsddb3 (Berkeley DB rpm databases for the rpm tests);
#   - npm dependencies (pinned in package-lock.json), then compiles the TypeScript.
# Safe to run again: packages already present are not reinstalled.
#
# `setup.sh --user` installs only what running Vigil from this checkout needs (the SSG
# content, the npm dependencies, the build): scripts/main.sh uses it. Everything else in
# APT_PACKAGES is developer setup, for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(openscap-scanner ssg-debian ssg-debderived ssg-nondebian ssg-applications rpm dbus python3-dbus python3-gi chromium ansible-core ansible libxml2-utils time openssh-server postgresql db5.3-util python3-bsddb3 iproute2 sudo tmux gpg patch)
USER_PACKAGES=(ssg-debian ssg-debderived ssg-nondebian ssg-applications)
[ "${1:-}" != "--user" ] || APT_PACKAGES=("${USER_PACKAGES[@]}")

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  # Packages install without starting their services (sshd, postgresql): the tests start their own.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d && policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
fi

# Native modules (none yet) must build against the system's Node headers, never download them.
export npm_config_nodedir=/usr
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node scripts/build-native.mjs # optional native directory reader; prints one line and goes on if it cannot build
npm run -s build
