#!/usr/bin/env bash
# The seam between C++ and PostgreSQL is enforced by the build: in a copy of the tree, small
# files are compiled exactly as Makefile.pgxs compiles src/api and src/bgworker. One that
# reaches the server only through src/pg's functions compiles; one that calls PostgreSQL
# itself or includes src/pg/postgres.hpp does not, and the header firewall
# (src/core/no_postgres.hpp) stops a server header even where the include path has it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

work=$(mktemp -d /tmp/sora_credits_seam.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$root/src" "$root/sql" "$root/Makefile.pgxs" "$root/sora_credits.control" "$work/"
find "$work/src" -name '*.o' -delete

failures=0
# expect WHAT FILE VERDICT [PATTERN [MAKE ARGS...]]: FILE (a path under src/), compiled as
# the build compiles it, either "compiles" or is "refused" with an error matching PATTERN
# (a failure for any other reason does not count). Prints a TAP line.
expect() {
  local what=$1 file=$2 want=$3 pattern=${4:-} status=0 got
  LC_ALL=C make -s -C "$work" -f Makefile.pgxs WERROR=1 "${file%.cpp}.o" "${@:5}" \
    >"$work/out" 2>&1 || status=$?
  if [ "$status" = 0 ]; then got=compiles
  elif grep -qE -- "$pattern" "$work/out"; then got=refused
  else got="failed otherwise"; fi
  if [ "$got" = "$want" ]; then echo "ok - $what"; else
    echo "not ok - $what: $got"; sed 's/^/#   /' "$work/out"; failures=$((failures + 1))
  fi
}

# An API function as src/api writes them: through src/pg only.
cat >"$work/src/api/probe_allowed.cpp" <<'CPP'
#include "../pg/args.hpp"
#include "../pg/spi.hpp"
#include "../core/no_postgres.hpp"
namespace sora::api {
Datum probe(FunctionCallInfo fcinfo) {
  static pg::Statement one("SELECT 1", {pg::Type::kInt8});
  pg::spi_begin(fcinfo);
  one.run({pg::param(std::int64_t{1})});
  pg::spi_end();
  return pg::jsonb_result("{}");
}
}  // namespace sora::api
CPP
expect "src/api: a function that reaches the server through src/pg compiles" \
  src/api/probe_allowed.cpp compiles

# The same, calling SPI itself.
sed 's/  pg::spi_end();/  SPI_finish();/' "$work/src/api/probe_allowed.cpp" >"$work/src/api/probe_calls_spi.cpp"
expect "src/api: a direct SPI call is a build error" \
  src/api/probe_calls_spi.cpp refused "'SPI_finish' was not declared"

# Opening the door: the PostgreSQL layer's own include of the server headers.
sed 's|#include "../pg/spi.hpp"|#include "../pg/postgres.hpp"|' "$work/src/api/probe_allowed.cpp" \
  >"$work/src/api/probe_includes_postgres.cpp"
expect "src/api: including src/pg/postgres.hpp is a build error" \
  src/api/probe_includes_postgres.cpp refused "postgres.h: No such file"

# Should the build ever compile src/api with the server's include path (here: the
# Makefile's list of server include flags emptied), the firewall still stops it.
expect "src/api: with the server's include path, including src/pg/postgres.hpp stops at the firewall" \
  src/api/probe_includes_postgres.cpp refused "PostgreSQL headers are for src/pg only" SERVER_INCLUDES=

# The background worker's side: waiting on the latch itself instead of pg::wait_for_signal.
cat >"$work/src/bgworker/probe_waits.cpp" <<'CPP'
#include "../pg/background.hpp"
#include "../core/no_postgres.hpp"
namespace sora::bgworker {
void probe() { WaitLatch(nullptr, 0, 0, 0); }
}  // namespace sora::bgworker
CPP
expect "src/bgworker: a direct latch wait is a build error" \
  src/bgworker/probe_waits.cpp refused "'WaitLatch' was not declared"
sed 's/WaitLatch(nullptr, 0, 0, 0)/pg::wait_for_signal(0)/' "$work/src/bgworker/probe_waits.cpp" \
  >"$work/src/bgworker/probe_allowed.cpp"
expect "src/bgworker: the same wait through src/pg compiles" \
  src/bgworker/probe_allowed.cpp compiles

# Every file of src/api and src/bgworker ends its includes with the firewall.
firewall='#include "../core/no_postgres.hpp"  // last: see the file'
for f in "$root"/src/api/*.cpp "$root"/src/bgworker/*.cpp; do
  what="${f#"$root"/} ends its includes with the firewall"
  if [ "$(grep '^#include' "$f" | tail -1)" = "$firewall" ]; then echo "ok - $what"
  else echo "not ok - $what"; failures=$((failures + 1)); fi
done

[ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
