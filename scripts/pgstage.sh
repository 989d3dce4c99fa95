# shellcheck shell=bash
# A private copy of the system's PostgreSQL 15 server (sourced, not run), for the tests.
#
# The copy holds its own postgres, initdb and pg_ctl next to symlinks to the system's
# libraries and share files; PostgreSQL finds its lib and share folders relative to its own
# binary, so a cluster started from the copy's bin folder loads the extension files put
# into the copy and nothing else can overwrite them (tests of several checkouts can run
# side by side, and nothing system-wide changes). Start clusters from it with
# SORA_PG_BIN=DIR$(pg_config --bindir) (scripts/pgcluster.sh).

# pg_stage DIR COMMAND...: copies the server into DIR, then runs COMMAND, which puts the
# extension's files into DIR at their system paths (make install DESTDIR=DIR, dpkg-deb -x).
pg_stage() {
  local stage=$1 bindir pkglibdir sharedir
  shift
  bindir=$(pg_config --bindir) pkglibdir=$(pg_config --pkglibdir) sharedir=$(pg_config --sharedir)
  mkdir -p "$stage$bindir" "$stage$pkglibdir" "$stage$sharedir"
  cp -a "$bindir/." "$stage$bindir/"            # real copies: they locate lib/share from here
  cp -rs "$pkglibdir/." "$stage$pkglibdir/"
  cp -rs "$sharedir/." "$stage$sharedir/"
  # A system-wide install of another version must not shine through.
  rm -f "$stage$pkglibdir"/sora_credits.so "$stage$sharedir"/extension/sora_credits*
  "$@" >/dev/null
  chmod -R a+rX "$stage"                         # the server runs as postgres
  # ... and reaches the copy through the folders above it, which may be closed (/root).
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$stage$bindir/postgres"; then
    echo "pg_stage: the postgres user cannot reach $stage (a folder above it is closed);" \
         "use a folder it can reach, such as a build tree under /tmp" >&2
    return 1
  fi
}
