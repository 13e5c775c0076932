#!/usr/bin/env bash
# System packages the test suite needs: Chromium for the browser tests (driven by playwright-core,
# which must not download its own browser), and CJK/emoji fonts so fallback rendering is tested.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need+=(fonts-noto-color-emoji)
# The Tautulli oracle runs SQLite's 'localtime' in each zone under test: glibc reads tzdata, and
# silently falls back to UTC without it.
dpkg -s tzdata >/dev/null 2>&1 || need+=(tzdata)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
