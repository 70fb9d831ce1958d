#!/usr/bin/env bash
# Installs Debian's Chromium, which run-chromium.mjs drives, when it is missing.
set -euo pipefail

if [[ ! -x /usr/bin/chromium ]]; then
  sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
