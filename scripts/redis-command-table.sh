#!/bin/sh
# Records the installed redis-server's COMMAND table (name, arity, flags, first key, last key, key step),
# one command a line sorted by name, into protocol-redis/src/test/resources/redis-commands.txt.
# RedisCommandTableTest checks RedisCommand against this file; RedisCommandsIT checks the file against a live
# redis-server, so a new server version fails a test until the file is regenerated and every command classed.
# Usage: scripts/redis-command-table.sh [port]
set -eu
port=${1:-26399}
out=$(dirname "$0")/../protocol-redis/src/test/resources/redis-commands.txt
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize no >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
i=0
until redis-cli -p "$port" PING >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "redis-server did not start" >&2; exit 1; }; sleep 0.1
done
{
  echo "# $(redis-server --version | cut -d' ' -f1-3): name arity flags first-key last-key key-step"
  redis-cli -p "$port" --json COMMAND | python3 -c '
import json, sys
for c in sorted(json.load(sys.stdin), key=lambda c: c[0]):
    print(c[0], c[1], ",".join(c[2]) or "-", c[3], c[4], c[5])
'
} > "$out"
echo "wrote $(grep -vc "^#" "$out") commands to $out"
