#!/usr/bin/env bash
# System packages `npm run bench` needs beyond the tests' (install-test-deps.sh): PHP with GD, the
# reference the fresh-render comparison measures Marquee against (bench/reference/gd-signature.php),
# and util-linux's taskset, which pins the server and the load generator to their own cores.
set -euo pipefail
bash "$(dirname "$0")/install-test-deps.sh"
need=()
command -v php >/dev/null 2>&1 || need+=(php-cli)
php -m 2>/dev/null | grep -qi '^gd$' || need+=(php-gd)
command -v taskset >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
