# shellcheck shell=bash
# TAP assertions for the cluster-level bash suites (sourced, not run), so that they all
# report alike: one numbered "ok N - ..." or "not ok N - ..." line per check, what differed
# as "#" comments, and the plan at the end. A failed check does not stop the suite;
# bail_out does, when what follows cannot run.
#   is DESCRIPTION GOT EXPECTED    passes when GOT equals EXPECTED
#   ok DESCRIPTION COMMAND...      passes when COMMAND succeeds (its own output is shown)
#   pass DESCRIPTION, fail DESCRIPTION [DIAGNOSTIC...]   a check decided by the caller
#   bail_out REASON                stops the suite at once
#   done_testing                   prints the plan; fails when a check failed
tap_checks=0 tap_failures=0

pass() {
  tap_checks=$((tap_checks + 1))
  echo "ok $tap_checks - $1"
}

fail() {
  local description=$1
  shift
  tap_checks=$((tap_checks + 1)) tap_failures=$((tap_failures + 1))
  echo "not ok $tap_checks - $description"
  [ $# = 0 ] || printf '%s\n' "$@" | sed 's/^/#   /'
}

is() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got:      $2" "expected: $3"; fi
}

ok() {
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description" "failed: $*"; fi
}

bail_out() {
  echo "Bail out! $*"
  exit 1
}

done_testing() {
  echo "1..$tap_checks"
  [ "$tap_failures" = 0 ] || { echo "# $tap_failures of $tap_checks checks failed"; return 1; }
}
