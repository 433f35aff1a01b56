#!/usr/bin/env bash
# One command from a fresh clone to decisions on screen: installs dependencies, starts the local
# Kafka broker (unless KAFKA_BROKERS points at one), creates the database and topics, runs a scorer,
# the simulator, the trainer, the review service with its UI (a lead user "demo" with a fresh
# password printed here) and the GraphQL audit API (a one-day auditor token printed here), and prints decisions as they are committed. Ctrl-C stops everything it
# started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .cache
log() { printf '[up] %s\n' "$*"; }

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund
fi

started_kafka=0
pids=()
cleanup() {
  trap - EXIT INT TERM
  log "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $started_kafka == 1 ]]; then bash ops/kafka.sh stop; fi
}
trap cleanup EXIT INT TERM

if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  if ! bash ops/kafka.sh status >/dev/null 2>&1; then
    bash ops/kafka.sh start
    started_kafka=1
  fi
fi

bin/loupe migrate
bin/loupe topics
log "building the analyst UI"
node --import tsx ui/build.ts

log "starting the scorer (logs: .cache/scorer.log, health: http://127.0.0.1:${LOUPE_SCORER_HTTP_PORT:-8081}/readyz)"
bin/loupe score >>.cache/scorer.log 2>&1 &
pids+=($!)

log "starting the simulator (logs: .cache/simulator.log, ground truth: .cache/truth.jsonl)"
bin/loupe simulate --count "${SIMULATE_COUNT:-1000000}" --rate "${SIMULATE_RATE:-200}" --fraud-rate 0.005 \
  --truth .cache/truth.jsonl >>.cache/simulator.log 2>&1 &
pids+=($!)

log "starting the review service and UI at http://127.0.0.1:${LOUPE_REVIEW_HTTP_PORT:-8082}/ (logs: .cache/review.log)"
bin/loupe users add "${LOUPE_DEMO_USER:-demo}" --role lead
bin/loupe review >>.cache/review.log 2>&1 &
pids+=($!)

log "starting the trainer (logs: .cache/trainer.log): labels → supervised head → gated promotion"
bin/loupe trainer >>.cache/trainer.log 2>&1 &
pids+=($!)

log "starting the audit API at http://127.0.0.1:${LOUPE_AUDIT_HTTP_PORT:-8083}/graphql (logs: .cache/audit.log); an auditor token:"
bin/loupe tokens create "${LOUPE_DEMO_USER:-demo}-auditor" --role auditor --days 1
bin/loupe audit serve >>.cache/audit.log 2>&1 &
pids+=($!)

log "decisions as they are committed (Ctrl-C to stop everything):"
bin/loupe decisions tail &
pids+=($!)
wait "${pids[-1]}"
