import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../services/platform/config.ts';
import { freePort } from './ports.ts';
import type { TestDatabase } from './postgres.ts';
import { waitFor } from './wait-for.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `loupe score` running as its own process, as in production, against one test's topics and schema. */
export interface ScorerProcess {
  readonly instance: string;
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote (JSON log lines at LOG_LEVEL warn), to print when a test fails. */
  readonly output: string[];
  /** The counters of /metrics, by name. */
  metrics(): Promise<Record<string, number>>;
  /** SIGTERM (drain and commit) and the exit code; SIGKILL (exit code null) if it has not exited within `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function startScorerProcess(
  instance: string,
  { db, config, env = {} }: { db: TestDatabase; config: Config; env?: Record<string, string> },
): Promise<ScorerProcess> {
  const port = await freePort();
  const child = spawn('bin/loupe', ['score'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      DATABASE_SCHEMA: db.schema,
      KAFKA_BROKERS: config.kafka.brokers.join(','),
      LOUPE_TOPIC_PREFIX: config.topics.transactions.replace(/transactions$/, ''),
      LOUPE_TOPIC_PARTITIONS: String(config.kafka.partitions),
      LOUPE_SCORER_GROUP: config.scorer.groupId,
      LOUPE_SCORER_INSTANCE: instance,
      LOUPE_SCORER_HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');

  try {
    await waitFor(`${instance} to report ready on /readyz`, async () => {
      if (child.exitCode !== null) throw new Error(`${instance} exited with ${child.exitCode}`);
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return response.status === 200;
    }, 60_000, 100);
  } catch (error) {
    child.kill('SIGKILL'); // never ready: the caller has no handle to stop it with
    throw new Error(`${(error as Error).message}\n${instance} output (last 20 lines):\n${output.slice(-20).join('\n')}`);
  }

  return {
    instance,
    child,
    port,
    output,
    async metrics() {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Object.fromEntries(
        text
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('#'))
          .map((line) => {
            const [name, value] = line.split(' ');
            return [name!, Number(value)];
          }),
      );
    },
    async stop(timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        const [code] = await exited;
        return code as number | null;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
