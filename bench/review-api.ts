// Review API latency with 20 analysts working at once: each signs in, then loops claim -> label as
// fast as the service answers (or with a random pause of mean --think-ms between items). With no
// think time this is a closed loop at saturation: by Little's law a request's latency is about
// analysts / throughput. The service runs as in production (`bin/loupe review`, a process of its
// own, its default pool size) on its own schema in `loupe_bench` and its own topic prefix on the
// local broker. Bar: p99 of a single request (claims and labels pooled) under 20 ms.
//
// Ceiling, measured in the same run under the same 20-way concurrency: authenticated
// `GET /api/session`, which goes through the same HTTP stack and session lookup (one indexed query)
// and does no queue work. Ceiling and claim/label blocks alternate, so both see the same load on
// this shared machine. Prints one JSON object; the service's warnings go to stderr.
//   node --import tsx bench/review-api.ts [--analysts 20] [--seconds 15] [--ceiling-seconds 6]
//     [--warmup-seconds 3] [--items 5000] [--think-ms 0]
// Claims walk partial indexes in priority order (migrations/0008_claim-indexes.sql), so their cost
// does not grow with --items. LOUPE_NODE_ARGS reaches the service's node command line (bin/loupe),
// e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../services/platform/config.ts';
import { createKafka, ensureTopics } from '../services/platform/kafka.ts';
import { createLogger } from '../services/platform/logger.ts';
import { createPool, migrate } from '../services/platform/postgres.ts';
import { upsertUser } from '../services/review/users.ts';
import { freePort } from '../test/helpers/ports.ts';

const { values } = parseArgs({
  options: {
    analysts: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '15' },
    'ceiling-seconds': { type: 'string', default: '6' },
    'warmup-seconds': { type: 'string', default: '3' },
    items: { type: 'string', default: '5000' },
    'think-ms': { type: 'string', default: '0' },
  },
});
const ANALYSTS = Number(values.analysts);
const BLOCKS = 3;
const WORK_MS = (Number(values.seconds) * 1000) / BLOCKS;
const CEILING_MS = (Number(values['ceiling-seconds']) * 1000) / BLOCKS;
const WARMUP_MS = Number(values['warmup-seconds']) * 1000;
const ITEMS = Number(values.items);
const THINK_MS = Number(values['think-ms']);
const PASSWORD = 'bench-password-1';

const REPO = new URL('..', import.meta.url).pathname;
// Same database as the pipeline benches (bench/support/pipeline-bench.ts), without importing that
// module, which loads TensorFlow for its champion.
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/loupe_bench';
const logger = createLogger(process.env.BENCH_LOG_LEVEL ?? 'warn');
const log = (message: string) => process.stderr.write(`[review-api] ${message}\n`);

const id = randomBytes(4).toString('hex');
const env: Record<string, string> = {
  DATABASE_URL,
  DATABASE_SCHEMA: `bench_review_${id}`,
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  LOUPE_TOPIC_PREFIX: `bench-review-${id}.`,
  LOUPE_TOPIC_PARTITIONS: '1',
  LOUPE_REVIEW_HTTP_PORT: String(await freePort()),
  LOG_LEVEL: 'warn',
};
const config = loadConfig(env);

// ---- HTTP: one keep-alive connection per analyst, as a browser tab keeps one.

const agent = new Agent({ keepAlive: true, maxSockets: ANALYSTS });
const baseUrl = `http://127.0.0.1:${config.review.httpPort}`;

interface Analyst {
  username: string;
  cookie: string;
  csrfToken: string;
}

interface Answer {
  status: number;
  body: any;
  /** The session cookie (`name=value`) when the answer sets one. */
  cookie: string | undefined;
  /** From sending the request to the last byte of the answer. */
  ms: number;
}

function call(method: string, path: string, options: { analyst?: Analyst; body?: unknown } = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (options.analyst) {
    headers['cookie'] = options.analyst.cookie;
    headers['x-loupe-csrf'] = options.analyst.csrfToken;
  }
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(`${baseUrl}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const ms = performance.now() - started;
        const text = Buffer.concat(chunks).toString('utf8');
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, cookie, ms });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function waitForHealth(child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`review service exited with code ${child.exitCode} before listening`);
    const ok = await call('GET', '/healthz').then((answer) => answer.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`review service not healthy after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ---- Measurement.

interface Samples {
  claim: number[];
  label: number[];
  roundTrip: number[];
  session: number[];
  roundTrips: number;
  workMs: number;
  sessionMs: number;
  /** Answers other than 200/201, by status and code. */
  errors: Record<string, number>;
  exhausted: boolean;
}

const newSamples = (): Samples => ({ claim: [], label: [], roundTrip: [], session: [], roundTrips: 0, workMs: 0, sessionMs: 0, errors: {}, exhausted: false });
const labelled = new Set<number>();

function countError(samples: Samples, what: string, answer: Answer): void {
  const key = `${what} ${answer.status} ${answer.body?.error?.code ?? ''}`.trim();
  samples.errors[key] = (samples.errors[key] ?? 0) + 1;
}

/**
 * An analyst's pause between items: exponential with mean THINK_MS, so twenty analysts do not fall
 * into step and arrive as bursts of twenty (which measures a burst, not a request).
 */
function think(deadline: number): Promise<void> | undefined {
  if (THINK_MS <= 0) return undefined;
  const pause = Math.min(-Math.log(1 - Math.random()) * THINK_MS, Math.max(0, deadline - performance.now()));
  return new Promise((resolve) => setTimeout(resolve, pause));
}

/** Every analyst claims and labels until `ms` have passed; the block's wall time goes to `workMs`. */
async function workBlock(analysts: Analyst[], ms: number, samples: Samples): Promise<void> {
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    analysts.map(async (analyst, a) => {
      await think(deadline);
      for (let n = 0; performance.now() < deadline; n++) {
        const claim = await call('POST', '/api/queue/claim', { analyst });
        if (claim.status !== 200) {
          countError(samples, 'claim', claim);
          continue;
        }
        const item = claim.body.item as { id: number } | null;
        if (item === null) {
          samples.exhausted = true;
          return;
        }
        const label = await call('POST', `/api/items/${item.id}/label`, { analyst, body: { label: (a + n) % 10 === 0 ? 'fraud' : 'legit', reasonCode: 'bench' } });
        if (label.status !== 201) {
          countError(samples, 'label', label);
          continue;
        }
        labelled.add(item.id);
        samples.claim.push(claim.ms);
        samples.label.push(label.ms);
        samples.roundTrip.push(claim.ms + label.ms);
        samples.roundTrips++;
        await think(deadline);
      }
    }),
  );
  samples.workMs += performance.now() - started;
}

/** Every analyst asks who is signed in until `ms` have passed, with the same think time as the work. */
async function sessionBlock(analysts: Analyst[], ms: number, samples: Samples): Promise<void> {
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    analysts.map(async (analyst) => {
      await think(deadline);
      while (performance.now() < deadline) {
        const answer = await call('GET', '/api/session', { analyst });
        if (answer.status === 200) samples.session.push(answer.ms);
        else countError(samples, 'session', answer);
        await think(deadline);
      }
    }),
  );
  samples.sessionMs += performance.now() - started;
}

/** Nearest-rank percentile, in ms with 0.01 precision. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return Number(value.toFixed(2));
}

function summary(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: percentile(sorted, 100) };
}

// ---- Set-up, run, check, tear down.

const started = performance.now();
await migrate(config.database, logger);
const pool = createPool({ ...config.database, poolSize: 4 });
const kafka = createKafka(config, logger);
const admin = kafka.admin();
let service: ChildProcess | undefined;

async function stopService(): Promise<void> {
  const child = service;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

try {
  await admin.connect();
  await ensureTopics(admin, config);

  const usernames = Array.from({ length: ANALYSTS }, (_, i) => `bench-analyst-${String(i + 1).padStart(2, '0')}`);
  // scrypt is deliberately slow (passwords.ts); 20 hashes once, up front.
  await Promise.all(usernames.map((username) => upsertUser(pool, { username, role: 'analyst', password: PASSWORD })));

  // Items as the scorer leaves them (a 'review' decision and its queue row; the minimal valid rows of
  // test/helpers/review.ts), in two statements. Priorities are spread so claim has an order to keep.
  await pool.query(
    `INSERT INTO decisions (transaction_id, account_id, action, probability, confidence, decided_by, anomaly, rule_hits, evidence,
                            transaction, facts, model_version, rules_version, policy_version, event_time, decided_at, latency_ms,
                            source_topic, source_partition, source_offset, scorer_instance)
     SELECT 'rb-' || g, 'acct-' || (g % 5000), 'review', p, 0.4, 'threshold', $2::jsonb, $3::jsonb, '[]',
            jsonb_build_object('id', 'rb-' || g, 'timestamp', '2026-01-01T12:00:00Z', 'accountId', 'acct-' || (g % 5000),
                               'amount', '42.00', 'currency', 'EUR', 'merchantId', 'm-1'),
            '{}', 'model-bench', 'rules-bench', 'policy-bench', now() - make_interval(secs => $1::int - g), now() - make_interval(secs => $1::int - g), 1.5,
            'transactions', 0, g, 'bench'
       FROM generate_series(1, $1::int) AS g, LATERAL (SELECT ((g * 7919) % 1000) / 1000.0 AS p) AS priority`,
    [
      ITEMS,
      JSON.stringify({ error: 0.3, percentile: 0.97, topFeatures: [{ feature: 'amount_z', error: 0.2 }] }),
      JSON.stringify([{ rule: 'new-device', type: 'signal', reason: 'device never seen on this account', weight: 1.2 }]),
    ],
  );
  await pool.query(`INSERT INTO review_items (transaction_id, account_id, priority, created_at) SELECT transaction_id, account_id, probability, decided_at FROM decisions`);
  await pool.query('ANALYZE');
  log(`schema ${config.database.schema}: ${ANALYSTS} analysts, ${ITEMS} open items (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  service = spawn(join(REPO, 'bin/loupe'), ['review'], { env: { ...process.env, ...env }, stdio: ['ignore', 2, 2] });
  await waitForHealth(service);

  const analysts: Analyst[] = await Promise.all(
    usernames.map(async (username) => {
      const answer = await call('POST', '/api/session', { body: { username, password: PASSWORD } });
      if (answer.status !== 201 || answer.cookie === undefined) throw new Error(`sign-in of ${username} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      return { username, cookie: answer.cookie, csrfToken: answer.body.csrfToken as string };
    }),
  );

  // Warm-up (JIT, pools, the producer's connection), not recorded.
  const warm = newSamples();
  await sessionBlock(analysts, WARMUP_MS / 3, warm);
  await workBlock(analysts, (2 * WARMUP_MS) / 3, warm);
  if (Object.keys(warm.errors).length > 0) log(`warm-up errors: ${JSON.stringify(warm.errors)}`);

  const samples = newSamples();
  for (let block = 0; block < BLOCKS && !samples.exhausted; block++) {
    await sessionBlock(analysts, CEILING_MS, samples);
    await workBlock(analysts, WORK_MS, samples);
    log(`block ${block + 1} of ${BLOCKS}: ${samples.roundTrips} round trips so far`);
  }

  // Labels still in the outbox go out on the service's 2 s timer; give them that long.
  let outboxLeft = -1;
  for (let i = 0; i < 30 && outboxLeft !== 0; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    outboxLeft = Number((await pool.query('SELECT count(*) AS n FROM label_outbox')).rows[0].n);
  }
  await stopService();

  // Every item labelled here has exactly one label, by the analyst who held it, and no other item has one.
  const check = (
    await pool.query<{ labeled_items: string; items_not_one_label: string; labels_of_unlabeled_items: string; labels_by_other_analyst: string; open_left: string }>(
      `SELECT (SELECT count(*) FROM review_items WHERE status = 'labeled') AS labeled_items,
              (SELECT count(*) FROM review_items ri WHERE ri.status = 'labeled'
                  AND (SELECT count(*) FROM labels l WHERE l.transaction_id = ri.transaction_id) <> 1) AS items_not_one_label,
              (SELECT count(*) FROM labels l WHERE NOT EXISTS
                  (SELECT 1 FROM review_items ri WHERE ri.transaction_id = l.transaction_id AND ri.status = 'labeled')) AS labels_of_unlabeled_items,
              (SELECT count(*) FROM labels l JOIN review_items ri USING (transaction_id) WHERE l.analyst <> ri.claimed_by) AS labels_by_other_analyst,
              (SELECT count(*) FROM review_items WHERE status = 'open') AS open_left`,
    )
  ).rows[0]!;
  const verification = {
    labelledByBench: labelled.size,
    labeledItems: Number(check.labeled_items),
    itemsWithoutExactlyOneLabel: Number(check.items_not_one_label),
    labelsOfUnlabelledItems: Number(check.labels_of_unlabeled_items),
    labelsByAnotherAnalyst: Number(check.labels_by_other_analyst),
    outboxLeft,
    ok: false,
  };
  verification.ok =
    verification.labeledItems === verification.labelledByBench &&
    verification.itemsWithoutExactlyOneLabel === 0 &&
    verification.labelsOfUnlabelledItems === 0 &&
    verification.labelsByAnotherAnalyst === 0;

  const single = summary([...samples.claim, ...samples.label]);
  const ceiling = summary(samples.session);
  console.log(
    JSON.stringify({
      benchmark: 'review-api',
      date: new Date().toISOString(),
      cores: cpus().length,
      // The machine is shared: the load during the run says how much to trust the latencies.
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
      analysts: ANALYSTS,
      thinkMs: THINK_MS,
      seededItems: ITEMS,
      openItemsLeft: Number(check.open_left),
      exhausted: samples.exhausted,
      serviceDatabasePoolSize: config.database.poolSize,
      measuredSeconds: Number((samples.workMs / 1000).toFixed(1)),
      barP99Ms: 20,
      // p99 over every single request, claims and labels pooled together.
      reviewP99Ms: single.p99,
      meetsBar: single.p99 < 20,
      ceilingSessionP99Ms: ceiling.p99,
      ratioToCeiling: Number((single.p99 / ceiling.p99).toFixed(2)),
      roundTripsPerSec: Math.round(samples.roundTrips / (samples.workMs / 1000)),
      ceilingSessionRequestsPerSec: Math.round(samples.session.length / (samples.sessionMs / 1000)),
      singleRequestMs: single,
      claimMs: summary(samples.claim),
      labelMs: summary(samples.label),
      roundTripMs: summary(samples.roundTrip),
      ceilingSessionMs: ceiling,
      errors: samples.errors,
      verification,
    }),
  );
  if (!verification.ok) process.exitCode = 1;
} finally {
  await stopService();
  agent.destroy();
  await admin.deleteTopics({ topics: Object.values(config.topics) }).catch((error: unknown) => log(`could not delete topics: ${String(error)}`));
  await admin.disconnect();
  await pool.query(`DROP SCHEMA IF EXISTS "${config.database.schema}" CASCADE`);
  await pool.end();
}
