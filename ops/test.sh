#!/usr/bin/env bash
# The whole test suite: type check, unit tests, then integration tests against a real Kafka broker
# and real Postgres. Starts the local broker if none is configured or running, and stops what it
# started. Extra arguments are passed to Node's test runner (e.g. a single test file).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started_kafka=0
cleanup() {
  if [[ $started_kafka == 1 ]]; then bash ops/kafka.sh stop; fi
}
trap cleanup EXIT

if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  if ! bash ops/kafka.sh status >/dev/null 2>&1; then
    bash ops/kafka.sh start
    started_kafka=1
  fi
  export KAFKA_BROKERS=127.0.0.1:${KAFKA_PORT:-9092}
fi
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/loupe_test}"

echo "[test] type check (services, tests, UI)"
npx --no-install tsc --noEmit -p .
npx --no-install tsc --noEmit -p ui
echo "[test] build the UI"
node --import tsx ui/build.ts

if [[ $# -gt 0 ]]; then
  files=("$@")
else
  files=(test/unit/*.test.ts test/integration/*.test.ts test/browser/*.test.ts)
fi
echo "[test] ${#files[@]} test files; Kafka at $KAFKA_BROKERS; Postgres at $TEST_DATABASE_URL"
node --import tsx --test --test-concurrency=2 --test-timeout=300000 "${files[@]}"
