#!/usr/bin/env bash
# System packages the test suite needs: Chromium for the browser tests (driven by playwright-core,
# which must not download its own browser). No fonts: every font a test or golden draws with is in
# fonts/ (Japanese too: scripts/subset-cjk-font.ts), so results do not depend on what the machine
# has installed. The system-fallback cases of test/render/fonts.test.ts (Korean, emoji) run where
# such a font happens to be installed and skip elsewhere.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# The Tautulli oracle runs SQLite's 'localtime' in each zone under test: glibc reads tzdata, and
# silently falls back to UTC without it.
dpkg -s tzdata >/dev/null 2>&1 || need+=(tzdata)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
