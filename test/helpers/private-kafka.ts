import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { canListen, freePort } from './ports.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHARED_LIBS = join(REPO_ROOT, '.cache', 'kafka', 'libs');

/**
 * A Kafka broker of one test's own, started with ops/kafka.sh on free ports and a temporary
 * LOUPE_KAFKA_HOME. The shared test broker (9092) serves other test files at the same time, so a
 * test that restarts or kills its broker must use one of these.
 */
export interface PrivateBroker {
  /** `127.0.0.1:<port>`, for KAFKA_BROKERS. */
  readonly bootstrap: string;
  /** Controlled shutdown (SIGTERM, as `ops/kafka.sh stop`); returns once the JVM is gone. */
  stop(): Promise<void>;
  /** `ops/kafka.sh start`; returns once the broker accepts connections. Data survives stop/kill. */
  start(): Promise<void>;
  /** SIGKILL of the broker's JVM: no controlled shutdown, no flush. Returns once it is gone. */
  kill(): Promise<void>;
  /** Stops the broker if it runs and deletes its home directory. */
  dispose(): Promise<void>;
}

export async function startPrivateBroker(): Promise<PrivateBroker> {
  // Reuse the jars ops/test.sh already fetched (their .pom.sha256 marker lives inside libs/, so a
  // symlinked libs/ counts as up to date); fetch them there first if this machine has none yet.
  if (!existsSync(join(SHARED_LIBS, '.pom.sha256'))) await run('bash', ['ops/kafka.sh', 'fetch'], { cwd: REPO_ROOT });
  const home = await mkdtemp(join(tmpdir(), 'loupe-kafka-'));
  await symlink(SHARED_LIBS, join(home, 'libs'), 'dir');
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const env = {
    ...process.env,
    LOUPE_KAFKA_HOME: home,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_HEAP_OPTS: '-Xmx384m -Xms384m',
  };
  const kafkaSh = async (command: 'start' | 'stop') => {
    try {
      await run('bash', ['ops/kafka.sh', command], { cwd: REPO_ROOT, env, timeout: 120_000 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`ops/kafka.sh ${command} (home ${home}) failed: ${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`);
    }
  };
  const brokerPid = async () => Number((await readFile(join(home, 'broker.pid'), 'utf8')).trim());
  // A killed JVM may linger as a zombie until whoever inherited it reaps it; like ops/kafka.sh, count
  // a process with an empty command line as gone.
  const alive = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).length > 0;

  await kafkaSh('start');
  return {
    bootstrap: `127.0.0.1:${port}`,
    start: () => kafkaSh('start'),
    stop: () => kafkaSh('stop'),
    async kill() {
      const pid = await brokerPid();
      process.kill(pid, 'SIGKILL');
      // The JVM is detached (setsid, nohup): no exit event reaches us, so poll until it is gone. An
      // exiting process drops its memory (and so its command line) before its files, so its ports
      // are polled too: a restart that finds them still bound refuses to start.
      await waitFor(`Kafka broker pid ${pid} to die and free its ports`, async () => !(await alive(pid)) && (await canListen(port)) && (await canListen(controllerPort)), 10_000);
    },
    async dispose() {
      try {
        await kafkaSh('stop');
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    },
  };
}
