#!/usr/bin/env bash
# Start or stop a private PostgreSQL server for the test suite (loopback only, trust auth).
# usage: scripts/pg.sh start|stop DIR PORT
set -euo pipefail
action=$1; dir=$2; port=$3
bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
if [ -z "$bindir" ]; then echo "pg.sh: no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $action in
  start)
    if [ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      exit 0
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bindir/initdb" -D "$dir/data" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" -w start >/dev/null
    ;;
  stop)
    [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
esac
