import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import type { Role } from '../../services/domain/index.ts';
import { createLabelOutbox } from '../../services/labels/label-outbox.ts';
import { buildReviewApp } from '../../services/review/app.ts';
import { upsertUser } from '../../services/review/users.ts';
import { testLogger } from './kafka.ts';

/** A decision with every NOT NULL column filled, and its review item. */
export async function seedReviewItem(
  pool: pg.Pool,
  options: { transactionId: string; accountId?: string; priority?: number; probability?: number; transaction?: Record<string, unknown> },
): Promise<number> {
  const accountId = options.accountId ?? 'acct-1';
  const probability = options.probability ?? 0.5;
  const transaction = options.transaction ?? {
    id: options.transactionId,
    timestamp: '2026-01-01T12:00:00Z',
    accountId,
    amount: '42.00',
    currency: 'EUR',
    merchantId: 'm-1',
  };
  await pool.query(
    `INSERT INTO decisions (transaction_id, account_id, action, probability, confidence, decided_by, anomaly, rule_hits, evidence,
                            transaction, facts, model_version, rules_version, policy_version, event_time, decided_at, latency_ms,
                            source_topic, source_partition, source_offset, scorer_instance)
     VALUES ($1, $2, 'review', $3, 0.4, 'threshold', $4, $5, '[]', $6, '{}', 'model-test', 'rules-test', 'policy-test',
             '2026-01-01T12:00:00Z', now(), 1.5, 'transactions', 0, 0, 'test')`,
    [
      options.transactionId,
      accountId,
      probability,
      JSON.stringify({ error: 0.3, percentile: 0.97, topFeatures: [{ feature: 'amount_z', error: 0.2 }] }),
      JSON.stringify([{ rule: 'new-device', type: 'signal', reason: 'device never seen on this account', weight: 1.2 }]),
      JSON.stringify(transaction),
    ],
  );
  const { rows } = await pool.query<{ id: string }>(
    'INSERT INTO review_items (transaction_id, account_id, priority) VALUES ($1, $2, $3) RETURNING id',
    [options.transactionId, accountId, options.priority ?? probability],
  );
  return Number(rows[0]!.id);
}

export interface ReviewServer {
  url: string;
  /** Labels are answered before they are published: resolves once the sends they started are over. */
  publishingIdle(): Promise<void>;
  close(): Promise<void>;
}

/** The review app on an ephemeral port on 127.0.0.1, in this process. */
export async function startReviewServer(deps: { pool: pg.Pool; producer: Producer; labelsTopic?: string; leaseSeconds?: number; uiDir?: string }): Promise<ReviewServer> {
  const labelOutbox = createLabelOutbox({ pool: deps.pool, producer: deps.producer, topic: deps.labelsTopic ?? 'labels', logger: testLogger });
  const app = buildReviewApp({
    pool: deps.pool,
    labelOutbox,
    ...(deps.uiDir === undefined ? {} : { uiDir: deps.uiDir }),
    logger: testLogger,
    leaseSeconds: deps.leaseSeconds ?? 300,
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    publishingIdle: () => labelOutbox.idle(),
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      await labelOutbox.stop();
    },
  };
}

/**
 * A producer that only records what it was asked to send: for tests that do not look at Kafka.
 * While `failing()` is true every send rejects, as kafkajs does when the broker is unreachable.
 */
export function recordingProducer(failing: () => boolean = () => false): { producer: Producer; sent: Array<{ topic: string; key: string | null; value: string }> } {
  const sent: Array<{ topic: string; key: string | null; value: string }> = [];
  const producer = {
    async send(record: { topic: string; messages: Array<{ key?: string | null; value: string | null }> }) {
      if (failing()) throw new Error('broker unreachable (test)');
      for (const message of record.messages) sent.push({ topic: record.topic, key: message.key ?? null, value: message.value ?? '' });
      return [];
    },
  } as unknown as Producer;
  return { producer, sent };
}

export interface ApiResponse {
  status: number;
  body: any;
}

/** A signed-in API client: keeps the session cookie and sends the CSRF header unless told not to. */
export class ReviewClient {
  cookie: string | null = null;
  csrfToken: string | null = null;
  constructor(
    readonly baseUrl: string,
    readonly username: string,
  ) {}

  async signIn(password: string): Promise<ApiResponse> {
    const res = await this.request('POST', '/api/session', { body: { username: this.username, password } });
    if (res.status === 201) this.csrfToken = res.body.csrfToken;
    return res;
  }

  async request(method: string, path: string, options: { body?: unknown; rawBody?: string; csrf?: boolean } = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers['cookie'] = this.cookie;
    if (this.csrfToken && options.csrf !== false) headers['x-loupe-csrf'] = this.csrfToken;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.rawBody !== undefined ? { body: options.rawBody } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
}

export async function createUsers(pool: pg.Pool, users: Array<{ username: string; role: Role }>, password: string): Promise<void> {
  await Promise.all(users.map((user) => upsertUser(pool, { ...user, password })));
}
