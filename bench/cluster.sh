# Sourced by bench/run.sh and bench/scale.sh: the benchmark's throwaway cluster. Builds the
# extension into a private server copy in a new folder named after $1, starts a cluster from
# it with the benchmark's settings (large enough that no checkpoint falls inside a run;
# fsync stays on, so the synchronous commit workloads measure real commits), stops and
# removes both at exit, and defines q (psql that stops at the first error).
scripts/provision.sh gnuplot-nox
work=$(mktemp -d "/tmp/$1.XXXXXX")
chmod a+rx "$work"  # the server runs as postgres, from the copy inside
stage=$work/stage   # scripts/build.sh --stage wants a folder that does not exist yet
scripts/build.sh --stage "$stage"
export SORA_PG_BIN=$stage$(pg_config --bindir)
. scripts/pgcluster.sh
pg_start -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=1h \
         -c max_connections=50
trap 'pg_stop; rm -rf "$work"' EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
