#!/usr/bin/env bash
# The test command: one command for a fresh machine. It installs what it needs, starts and
# stops DynamoDB Local itself, and runs every check CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall time, written to target/test-times.txt at the end (the report's "Time to
# first run" section shows the last run's).
times=()
step_name=""
step_start=$SECONDS
step() {
  [ -n "$step_name" ] && times+=("$((SECONDS - step_start)) $step_name")
  step_name=$*
  step_start=$SECONDS
  printf '\n==> %s\n' "$*"
}

step "setup"
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings (the workspace; chat-local alone, chat-edge without its lambda feature)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p chat-edge -p chat-local --all-targets --locked -- -D warnings

step "DynamoDB Local"
endpoint=$(bash scripts/dynamodb-local.sh start)
trap 'bash scripts/dynamodb-local.sh stop "$endpoint"' EXIT
echo "DynamoDB Local at $endpoint"

step "cargo test"
DYNAMODB_ENDPOINT="$endpoint" cargo test --workspace --locked
cat target/soak-report.txt  # the delivery soak's figures (tests/tests/soak.rs)
DYNAMODB_ENDPOINT="$endpoint" bash scripts/bench.sh --smoke  # every benchmark mode for a few seconds (results in target/bench/smoke)

step "cfn-lint template.yaml (as is, and with KmsKeyArn and RetentionDays set: both sides of HasKmsKey and HasRetention)"
cfn-lint template.yaml
sed -e "/^  KmsKeyArn:/,/Default:/s|Default: ''|Default: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab|" -e "/^  RetentionDays:/,/Default:/s|Default: 0\$|Default: 30|" template.yaml > target/template-kms.yaml
[ "$(diff template.yaml target/template-kms.yaml | grep -c '^>')" = 2 ] || { echo "target/template-kms.yaml: the two defaults were not replaced" >&2; exit 1; }; cfn-lint target/template-kms.yaml

step "cargo lambda build --release"
packages=()
for f in functions/*/; do packages+=(-p "$(basename "$f")"); done
cargo lambda build --release --locked "${packages[@]}"
for f in functions/*/; do
  name=$(basename "$f")
  test -s "target/lambda/$name/bootstrap" || { echo "no bootstrap for $name" >&2; exit 1; }
  printf '%-16s %8d bytes\n' "$name" "$(stat -c %s "target/lambda/$name/bootstrap")"
done

step "all checks passed"
{
  echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo '+changes')"
  echo "total $SECONDS"
  printf '%s\n' "${times[@]}"
} >target/test-times.txt
echo "in $SECONDS s (each step's time: target/test-times.txt)"
