#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (real mail servers, a
# browser, gettext) when they are missing. A policy-rc.d that exits 101 keeps
# the packages' system daemons from starting on public ports: the suite runs
# its own Dovecot and Postfix on 127.0.0.1 from a temporary directory.
set -euo pipefail
# fonts-noto-cjk: Chinese glyphs in the browser tests' screenshots.
packages=(dovecot-imapd dovecot-submissiond postfix chromium chromium-driver gettext fonts-noto-cjk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
