#!/usr/bin/env bash
# The benchmarks, one command. Builds what it needs, runs chat-local and DynamoDB Local itself,
# and rewrites docs/performance.md, docs/cost.md and docs/img/*.png from what it measured.
#   bash scripts/bench.sh           full run (release builds; about 5 minutes after the build)
#   bash scripts/bench.sh --smoke   every mode for a few seconds (CI): debug builds, results and
#                                   documents under target/bench/smoke/, docs/ untouched
# Uses DYNAMODB_ENDPOINT if it is set (e.g. by scripts/test.sh), otherwise starts DynamoDB Local
# (bash scripts/setup.sh installs it). All traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
case "${1:-}" in
  --smoke) smoke=true ;;
  "") ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac

step() { printf '\n==> %s\n' "$*"; }

functions=()
for f in functions/*/; do functions+=("$(basename "$f")"); done
packages=(-p chat-local -p chat-bench -p hello-lambda)
for name in "${functions[@]}"; do packages+=(-p "$name"); done

if $smoke; then
  out=target/bench/smoke
  bin=target/debug
  profile=()
else
  out=target/bench/results
  bin=target/release
  profile=(--release)
fi
rm -rf "$out"
mkdir -p "$out"
# The last run of the test command's step times (scripts/test.sh), for the report.
if [ -f target/test-times.txt ]; then cp target/test-times.txt "$out/"; fi
# chat-local and ws-message with the system allocator, for the side-by-side comparisons
# (built first: the build after them puts the default one back).
step "build chat-local with the system allocator"
cargo build "${profile[@]}" --locked -p chat-local --no-default-features
cp "$bin/chat-local" "$out/chat-local-system-malloc"
step "build ws-message with the system allocator"
cargo build "${profile[@]}" --locked -p ws-message --no-default-features
cp "$bin/ws-message" "$out/ws-message-system-malloc"
if $smoke; then
  step "build (debug, smoke)"
  # Every target of the workspace, as `cargo test --workspace` builds them: the same feature
  # set, so after scripts/test.sh's tests only chat-local is linked again.
  cargo build --locked --workspace --all-targets
else
  step "build (release)"
  cargo build --release --locked "${packages[@]}"
fi

# 10,000 connections need 10,000 descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

local_pid=""
relay_pid=""
ddb_started=false
cleanup() {
  if [ -n "$local_pid" ]; then kill "$local_pid" 2>/dev/null || true; wait "$local_pid" 2>/dev/null || true; fi
  if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; fi
  if $ddb_started; then bash scripts/dynamodb-local.sh stop "$endpoint"; fi
}
trap cleanup EXIT

# chat-local as its own process on a free port, logs in $out/chat-local-$1.*, more flags after
# the name; sets $port and $local_pid.
start_local() {
  local log="$out/chat-local-$1"
  shift
  local exe="$bin/chat-local"
  if [ "${1:-}" = --exe ]; then exe=$2; shift 2; fi
  local flags=(--port 0 "$@")
  # The per-sender rate limit (10 messages/s by default) would be what is measured otherwise.
  if "$exe" --help | grep -q -- '--rate-limit'; then flags+=(--rate-limit 0); fi
  # So would the abuse guard on frames in flight (16 per connection, 1,000 in all): the fixed
  # rate offers frames whatever the latency, and a debug build on a busy machine holds more.
  # The overload pass keeps it (keep_guards=true): it is what refuses the excess there.
  if ! ${keep_guards:-false} && "$exe" --help | grep -q -- '--frames-in-flight'; then
    flags+=(--frames-in-flight 100000 --frames-in-flight-total 1000000)
  fi
  "$exe" "${flags[@]}" >"$log.out" 2>"$log.err" &
  local_pid=$!
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n '1s/^chat-local listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log.out" 2>/dev/null || true)
    [ -n "$port" ] && return 0
    kill -0 "$local_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "chat-local did not start:" >&2
  cat "$log.err" >&2
  exit 1
}
stop_local() {
  kill "$local_pid" 2>/dev/null || true
  wait "$local_pid" 2>/dev/null || true
  local_pid=""
}

# "+changes": the tree differs from the commit (other than in the documents this run rewrites).
commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs/performance.md' ':!docs/cost.md' ':!docs/img' 2>/dev/null || echo '+changes')"
meta_flags=()
$smoke && meta_flags+=(--smoke)
"$bin/bench-report" meta "$out" --date "$(date -u +%Y-%m-%dT%H:%MZ)" --commit "$commit" "${meta_flags[@]}"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

if $smoke; then
  rounds=1; pairs_sweep=(2); window=8; rates=(500); rate_pairs=4; warmup=0.5; duration=2; drain=3
  idle_connections=200; hold=1; cold_runs=2; lambda_runs=1; lambda_warm=2; lambda_passes=(128)
  ddb_flags=(--mark-read 1,10 --admin-peers 10 --history-messages 60)
  check=(--fail-on-loss)
else
  rounds=3; pairs_sweep=(1 4 16 64 256); window=8; rates=(1000 5000 10000); rate_pairs=50; warmup=2; duration=10; drain=5
  idle_connections=10000; hold=10; cold_runs=25; lambda_runs=10; lambda_warm=5; lambda_passes=(128 128-noprime 256 1769)
  ddb_flags=()
  check=()
fi

# The saturation sweep and the side-by-side runs, in $rounds interleaved rounds (a busy
# moment of the machine hits every server alike; the report keeps each run's median round).
# Every run on a fresh server: an instance holds every message it stored, and a sweep on one
# instance measured its last points on the fullest store.
side=(saturate --pairs 20 --window 16 --warmup "$warmup" --duration "$duration" --drain "$drain")
# name, then start_local's flags: one chat-local measured into side-<name>.<round>.json.
side_local() {
  local name=$1
  shift
  start_local "side-$name" "$@"
  "$bin/chat-bench" --url "ws://127.0.0.1:$port" --server-pid "$local_pid" \
    --json "$out/side-$name.$round.json" "${check[@]}" "${side[@]}"
  stop_local
}
side_relay() {
  "$bin/ws-relay" --port 0 >"$out/ws-relay.out" 2>"$out/ws-relay.err" &
  relay_pid=$!
  relay_port=""
  for _ in $(seq 1 100); do
    relay_port=$(sed -n 's/^ws-relay listening on ws:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/ws-relay.out" 2>/dev/null || true)
    [ -n "$relay_port" ] && break
    sleep 0.1
  done
  [ -n "$relay_port" ] || { echo "ws-relay did not start" >&2; cat "$out/ws-relay.err" >&2; exit 1; }
  "$bin/chat-bench" --url "ws://127.0.0.1:$relay_port" --server-pid "$relay_pid" \
    --json "$out/side-relay.$round.json" "${check[@]}" "${side[@]}"
  kill "$relay_pid" 2>/dev/null || true
  wait "$relay_pid" 2>/dev/null || true
  relay_pid=""
}
for round in $(seq 1 "$rounds"); do
  step "round $round of $rounds: saturation, ${pairs_sweep[*]} pairs"
  for p in "${pairs_sweep[@]}"; do
    start_local "load-$p"
    "$bin/chat-bench" --url "ws://127.0.0.1:$port" --server-pid "$local_pid" \
      --json "$out/saturate-$(printf '%04d' "$p").$round.json" "${check[@]}" \
      saturate --pairs "$p" --window "$window" --warmup "$warmup" --duration "$duration" --drain "$drain"
    stop_local
  done
  step "round $round of $rounds: side by side, chat-local (posts in-process, over TCP, with the system allocator) and the bare relay, 20 pairs x 16 in flight"
  side_local chat-local
  side_local chat-local-tcp --management-over-tcp
  side_local chat-local-system-malloc --exe "$out/chat-local-system-malloc"
  side_relay
done

step "fixed rate: ${rates[*]} messages/s"
start_local rate
for r in "${rates[@]}"; do
  "$bin/chat-bench" --url "ws://127.0.0.1:$port" --server-pid "$local_pid" \
    --json "$out/rate-$(printf '%06d' "$r").json" "${check[@]}" \
    rate --rate "$r" --pairs "$rate_pairs" --warmup "$warmup" --duration "$duration" --drain "$drain"
done
stop_local

# Twice what chat-local delivered at saturation, with its guards on: API Gateway answers
# overload by throttling the sender, and so must chat-local (not queue until posts time out).
# (The median round's.)
overload_rate=$(python3 -c 'import json, statistics, sys; print(max(100, int(2 * statistics.median_low(json.load(open(f))["messages_per_s"] for f in sys.argv[1:]))))' "$out"/side-chat-local.*.json)
step "overload: $overload_rate messages/s offered (twice the side-by-side saturation), guards on"
keep_guards=true start_local overload
"$bin/chat-bench" --url "ws://127.0.0.1:$port" --server-pid "$local_pid" --json "$out/overload.json" \
  rate --rate "$overload_rate" --pairs "$rate_pairs" --warmup "$warmup" --duration "$duration" --drain "$drain"
stop_local

step "idle connections: $idle_connections (fresh chat-local)"
start_local idle
sleep 1
"$bin/chat-bench" --url "ws://127.0.0.1:$port" --server-pid "$local_pid" \
  --json "$out/idle.json" "${check[@]}" idle --connections "$idle_connections" --hold "$hold"
stop_local

step "DynamoDB Local"
if [ -n "${DYNAMODB_ENDPOINT:-}" ] && curl -s -o /dev/null "$DYNAMODB_ENDPOINT"; then
  endpoint=$DYNAMODB_ENDPOINT
else
  endpoint=$(bash scripts/dynamodb-local.sh start)
  ddb_started=true
fi
echo "DynamoDB Local at $endpoint"

step "cold starts: the request-path functions and hello-lambda, $cold_runs runs each"
# The functions a client waits on. events and webhook run off the request path (streams and
# queues, configured with a bus and queues): their cold start delays an event, not a message.
cold_flags=()
for name in "${functions[@]}" hello-lambda; do
  case "$name" in events|webhook) continue ;; esac
  cold_flags+=(--function "$name=$bin/$name")
done
# The same ws-message with glibc's malloc: the functions' allocator, measured beside it.
cold_flags+=(--function "ws-message+system-malloc=$out/ws-message-system-malloc")
"$bin/cold-start" --dynamodb-endpoint "$endpoint" --runs "$cold_runs" --logs "$out/cold-start-logs" \
  --json "$out/cold-start.json" --warm "$lambda_warm" "${cold_flags[@]}"

# As on Lambda: TLS to every endpoint, and the CPU share of each memory size from the first
# /next on (a cgroup v1 CPU quota: root only; without it the passes run at full CPU).
cpu_root=/sys/fs/cgroup/cpu
if [ -w "$cpu_root" ] && [ -f "$cpu_root/cpu.cfs_quota_us" ]; then share=true; else share=false; fi
for pass in "${lambda_passes[@]}"; do
  mb=${pass%%-*}
  pass_flags=(--tls)
  if $share; then pass_flags+=(--cpu-share "$mb"); else echo "no writable cgroup v1 CPU controller: pass $pass at full CPU"; fi
  [[ $pass == *noprime ]] && pass_flags+=(--env CHAT_PRIME=0)
  step "cold starts as on Lambda: $pass MB pass, TLS, $lambda_runs runs each"
  "$bin/cold-start" --dynamodb-endpoint "$endpoint" --runs "$lambda_runs" --logs "$out/cold-start-logs-$pass" \
    --json "$out/cold-start-lambda-$pass.json" --warm "$lambda_warm" "${pass_flags[@]}" "${cold_flags[@]}"
done

step "DynamoDB cost per operation"
"$bin/ddb-cost" --dynamodb-endpoint "$endpoint" --json "$out/ddb-cost.json" "${ddb_flags[@]}"

step "report"
if $smoke; then
  "$bin/bench-report" render "$out" --docs "$out/docs"
else
  "$bin/bench-report" render "$out" --docs docs
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
