#!/usr/bin/env bash
# Installs what building, testing and the demo need, from Debian bookworm packages,
# when it is missing, and any further packages named as arguments (bench/run.sh adds
# gnuplot). Safe to run again: it does nothing when all is there.
set -euo pipefail

packages=(
  g++ make cmake                      # compiler and build tools
  postgresql-15                       # server binaries for the throwaway cluster
  postgresql-server-dev-15            # PGXS, server headers, pg_isolation_regress
  libpqxx-dev                         # C++ client: sora-worker and the integration tests
  libgtest-dev                        # GoogleTest
  postgresql-15-pgtap                 # pgTAP
  libtap-parser-sourcehandler-pgtap-perl  # pg_prove
  build-essential debhelper postgresql-server-dev-all  # the Debian package (dh's PGXS sequence)
  "$@"
)
# Node and npm for the typed client (clients/typescript), only when the commands are
# missing: a Node installed another way (NodeSource's bundles npm) must not be replaced.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
