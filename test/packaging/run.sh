#!/usr/bin/env bash
# The Debian package and the PGXN metadata:
# - META.json is valid JSON and names the version of sora_credits.control (as the SemVer
#   PGXN requires: 1.0 -> 1.0.0), and debian/changelog's upstream version is that version;
# - dpkg-buildpackage builds postgresql-15-sora-credits from a copy of the source tree
#   (it writes next to the tree, so never in the checkout itself);
# - the .deb's name, version, dependencies and files are what PostgreSQL 15 needs;
# - its files, extracted into a private server copy (scripts/pgstage.sh; nothing is
#   installed system-wide), make a working extension in a throwaway cluster: grant,
#   charge and balance as Supabase's roles would call them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

work=$(mktemp -d /tmp/sora_credits_deb.XXXXXX)
chmod a+rx "$work"                                     # the server copy in it runs as postgres
SORA_PG_BIN=$work/stage$(pg_config --bindir)          # the cluster below runs the package
export SORA_PG_BIN
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"
# shellcheck source=../../scripts/pgstage.sh
. "$root/scripts/pgstage.sh"
# shellcheck source=../support/tap.sh
. "$root/test/support/tap.sh"
trap 'pg_stop; rm -rf "$work"' EXIT

# --- versions ---------------------------------------------------------------------------
version=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$root/sora_credits.control")
IFS=. read -r major minor patch <<<"$version"
semver=$major.${minor:-0}.${patch:-0}
meta=$(perl -MJSON::PP -0777 -ne '
  my $m = decode_json($_);
  print join("|", $m->{name}, $m->{version}, $m->{provides}{sora_credits}{version},
                  $m->{provides}{sora_credits}{file}, $m->{provides}{sora_credits}{docfile},
                  $m->{"meta-spec"}{version}), "\n"' "$root/META.json") \
  || bail_out "META.json is not valid JSON"
IFS='|' read -r meta_name meta_version meta_ext_version meta_file meta_docfile meta_spec <<<"$meta"
is "META.json name" "$meta_name" sora_credits
is "META.json version is the control file's default_version $version" "$meta_version" "$semver"
is "META.json provides sora_credits at that version" "$meta_ext_version" "$semver"
is "META.json meta-spec" "$meta_spec" 1.0.0
for f in "$meta_file" "$meta_docfile"; do
  is "META.json names $f, which exists" "$([ -f "$root/$f" ] && echo yes)" yes
done
deb_version=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
upstream=${deb_version#*:}
is "debian/changelog upstream version is the control file's default_version" "${upstream%-*}" "$version"

# --- build ------------------------------------------------------------------------------
src=$work/sora-credits
mkdir "$src"
# The files git tracks or would track, as they are in the working tree (not build outputs).
(cd "$root" && git ls-files -z --cached --others --exclude-standard \
   | tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$src"
package=postgresql-15-sora-credits
deb=$work/${package}_${upstream}_$(dpkg --print-architecture).deb
build_package() { (cd "$src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 && [ -f "$deb" ]; }
ok "dpkg-buildpackage builds $(basename "$deb")" build_package
[ -f "$deb" ] || { tail -n 60 "$work/build.log"; ls "$work"; bail_out "no package to check"; }

# --- metadata ---------------------------------------------------------------------------
is "package name" "$(dpkg-deb -f "$deb" Package)" "$package"
is "package version" "$(dpkg-deb -f "$deb" Version)" "$deb_version"
is "Depends names postgresql-15" \
  "$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -x postgresql-15)" postgresql-15
pkglibdir=$(pg_config --pkglibdir) extdir=$(pg_config --sharedir)/extension
files=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's/^\.//')
is "the shared library is in $pkglibdir" \
  "$(grep -x "$pkglibdir/sora_credits.so" <<<"$files")" "$pkglibdir/sora_credits.so"
is "$extdir holds the control file and every sql/sora_credits--*.sql, nothing else" \
  "$(grep "^$extdir/." <<<"$files" | sort)" \
  "$( (echo "$extdir/sora_credits.control"; cd "$root/sql" && printf "$extdir/%s\n" sora_credits--*.sql) | sort)"

# --- install into a private server copy and call the extension -------------------------
pg_stage "$work/stage" dpkg-deb -x "$deb" "$work/stage"
# The C++ runtime is linked in (Makefile.pgxs): the library loads into a server that was not
# built on Debian (Supabase's image builds its PostgreSQL with Nix) without libstdc++.
is "the shared library needs only the C library and the loader" \
  "$(readelf -d "$work/stage$pkglibdir/sora_credits.so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')" \
  "ld-linux-x86-64.so.2 libc.so.6 "
is "and exports none of the C++ runtime's own symbols" \
  "$(objdump -T "$work/stage$pkglibdir/sora_credits.so" | grep -v '\*UND\*' | grep -c 'GLIBCXX\|CXXABI' || true)" 0
pg_start
sora_db sora_deb
psql -X -q -v ON_ERROR_STOP=1 -f "$root/test/support/pgtap_helpers.sql"
user=0d000000-0000-4000-8000-000000000001
got=$(psql -X -q -At -v ON_ERROR_STOP=1 <<SQL
SELECT extversion FROM pg_extension WHERE extname = 'sora_credits';
INSERT INTO auth.users (id, email) VALUES ('$user', 'deb@example.com');
BEGIN;
SELECT test.act_as('service_role');
SELECT r->>'credits_granted', r->>'credits_remaining'
  FROM grant_credits('$user', 100, 'purchase', 'deb-check-1') r;
COMMIT;
BEGIN;
SELECT test.act_as('authenticated', '$user');
SELECT r->>'credits_charged', r->>'credits_remaining', r->>'status'
  FROM create_video_generation('A lighthouse in a storm, from a .deb', 5, '720p') r;
SELECT r->>'credits', r->>'credits_reserved', r->>'active_videos' FROM get_credit_info() r;
COMMIT;
SELECT credits FROM profiles WHERE id = '$user';
SQL
)
is "the packaged extension: version, grant 100, charge 15 for 5 s of 720p, balance 85" \
  "$(grep -v '^$' <<<"$got")" "$(printf '%s\n' "$version" '100|100' '15|85|pending' '85|15|1' 85)"

done_testing
