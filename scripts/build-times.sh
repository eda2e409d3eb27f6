#!/usr/bin/env bash
# Time to first run: `cargo build --release -p chat-local` in an empty target directory, for
# this checkout and for a reference commit, one after the other in the same run on the same
# machine (crates already downloaded: the registry is shared, so download time is not in
# either figure). Writes docs/build-times.md with both wall times and, from `cargo --timings`,
# where each build's time went. About 15 minutes on 2 cores; not part of scripts/test.sh.
#   bash scripts/build-times.sh [REFERENCE]   (default d521309: before the cuts of "Fast where
#                                              users feel it")
set -euo pipefail
cd "$(dirname "$0")/.."

ref=${1:-d521309}
work=$(mktemp -d)
cleanup() {
  git worktree remove --force "$work/ref" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
git worktree add --detach "$work/ref" "$ref" >/dev/null

# name, source directory: builds there into a target directory of its own, prints the seconds.
measure() {
  local name=$1 dir=$2 start end
  start=$(date +%s%N)
  (cd "$dir" && CARGO_TARGET_DIR="$work/target-$name" \
    cargo build --release --locked -p chat-local --timings >"$work/$name.log" 2>&1) || {
    tail -20 "$work/$name.log" >&2
    exit 1
  }
  end=$(date +%s%N)
  cp "$work/target-$name/cargo-timings/cargo-timing.html" "$work/$name.html"
  rm -rf "$work/target-$name"
  echo $(((end - start) / 1000000))
}

echo "==> reference $ref" >&2
ref_ms=$(measure reference "$work/ref")
echo "==> this checkout ($(git rev-parse --short HEAD))" >&2
new_ms=$(measure current .)

python3 - "$work" "$ref" "$(git rev-parse --short HEAD)" "$ref_ms" "$new_ms" "$(nproc)" >docs/build-times.md <<'EOF'
import json, re, sys
work, ref, head, ref_ms, new_ms, cores = sys.argv[1:]

def units(name):
    html = open(f"{work}/{name}.html").read()
    data = re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S)
    return json.loads(data.group(1)) if data else []

def top(rows, n=10):
    by = {}
    for u in rows:
        key = u["name"]
        by[key] = by.get(key, 0.0) + float(u.get("duration", 0.0))
    return sorted(by.items(), key=lambda kv: -kv[1])[:n], sum(by.values()), len(rows)

print("# Time to first run\n")
print(f"`bash scripts/build-times.sh`: `cargo build --release -p chat-local` in an empty target "
      f"directory, {cores} cores, crates already downloaded; the reference ({ref}) and this "
      f"checkout ({head}) one after the other in the same run.\n")
print("| build | wall | units (crates, build scripts) | sum of unit durations |\n|---|---:|---:|---:|")
tops = {}
for name, label, ms in (("reference", ref, ref_ms), ("current", head, new_ms)):
    t, total, count = top(units(name))
    tops[label] = t
    print(f"| {label} | {int(ms) / 1000:.0f} s | {count} | {total:.0f} s |")
print()
for label, t in tops.items():
    print(f"Longest units, {label} (s, from `--timings`):\n")
    print("| crate | s |\n|---|---:|")
    for crate, s in t:
        print(f"| {crate} | {s:.1f} |")
    print()
EOF
echo "wrote docs/build-times.md: reference $((ref_ms / 1000)) s, this checkout $((new_ms / 1000)) s" >&2
