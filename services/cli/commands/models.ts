import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { createKafka, createProducer } from '../../platform/kafka.ts';
import { withTransaction } from '../../platform/postgres.ts';
import { announceChampion } from '../../registry/announce-champion.ts';
import { findChampion, findModel, promoteModel } from '../../registry/model-store.ts';
import { findPreviousChampionId, listModelSummaries, type ModelSummary } from '../../registry/model-queries.ts';
import { type Command, type CommandContext, UsageError, withPool } from '../command.ts';

const HELP = `usage: loupe models list [--limit N] [--json]
       loupe models promote ID --reason TEXT [--actor NAME]
       loupe models rollback [--reason TEXT] [--actor NAME]
       loupe models announce
  list       model versions, newest first: id, status, feature spec, created, metrics, parent
  promote    make version ID the champion (the current one is retired); audited with the reason
  rollback   make the most recently retired champion champion again, with reason "rollback"
             (or "rollback: TEXT")
  announce   publish the current champion on model-updates again (promote and rollback do it;
             running scorers swap to it between batches, and poll the registry as a fallback)`;

const usage = (message: string) => new UsageError(`${message}\n\n${HELP}`);

function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'loupe-cli';
  }
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));

function metricsSummary(metrics: Record<string, number>): string {
  return [
    `rows=${metrics['trainingRows'] ?? '-'}`,
    `loss=${fixed(metrics['trainLoss'], 4)}`,
    `val=${fixed(metrics['validationLoss'], 4)}`,
    `p99=${fixed(metrics['calibrationP99'], 4)}`,
  ].join(' ');
}

function table(models: ModelSummary[]): string {
  const rows = models.map((m) => [m.id, m.status, m.featureSpecVersion, m.createdAt.slice(0, 19).replace('T', ' '), metricsSummary(m.metrics), m.parentId ?? '-']);
  const header = ['id', 'status', 'spec', 'created (UTC)', 'metrics', 'parent'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Tells running scorers about the champion now in Postgres. A failure is a warning, not an error:
 * the promotion stands, and scorers find it by polling within LOUPE_MODEL_POLL_SECONDS.
 */
async function announce({ config, logger }: CommandContext, pool: pg.Pool): Promise<void> {
  const kafka = createKafka(config, logger, { retry: { retries: 3, initialRetryTime: 300 } });
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  try {
    await producer.connect();
    const announced = await announceChampion(pool, producer, config.topics['model-updates']);
    if (announced) console.log(`announced ${announced.id} on ${config.topics['model-updates']}`);
  } catch (error) {
    console.error(`loupe: warning: could not announce on ${config.topics['model-updates']} (${(error as Error).message}); scorers will find the champion within ${config.model.pollSeconds} s by polling, or run loupe models announce`);
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

export const modelsCommand: Command = {
  summary: 'models list | promote ID --reason TEXT | rollback | announce: the model registry',
  async run(args, context) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        limit: { type: 'string', default: '50' },
        json: { type: 'boolean', default: false },
        reason: { type: 'string' },
        actor: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    const [action, ...rest] = positionals;
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const actor = values.actor ?? defaultActor();
    switch (action) {
      case 'list': {
        if (rest.length > 0) throw usage(`unexpected arguments: ${rest.join(' ')}`);
        const limit = Number(values.limit);
        if (!(Number.isInteger(limit) && limit >= 1)) throw usage(`--limit must be a whole number ≥ 1, got "${values.limit}"`);
        const models = await withPool(context, (pool) => listModelSummaries(pool, limit));
        if (values.json) console.log(JSON.stringify(models, null, 2));
        else console.log(models.length === 0 ? 'no model versions yet (train one with loupe train)' : table(models));
        return 0;
      }
      case 'promote': {
        const [id, ...more] = rest;
        if (id === undefined || more.length > 0) throw usage('promote takes exactly one model ID');
        if (values.reason === undefined || values.reason.trim() === '') throw usage('promote needs --reason TEXT (it is recorded in the audit log)');
        const reason = values.reason;
        return withPool(context, async (pool) => {
          const model = await findModel(pool, id);
          if (model === null) {
            console.error(`loupe: no model version "${id}" (see loupe models list)`);
            return 1;
          }
          if (model.status === 'champion') {
            console.log(`${id} is already the champion`);
            return 0;
          }
          const previous = await findChampion(pool);
          await withTransaction(pool, (client) => promoteModel(client, id, actor, reason));
          console.log(`${id} is now the champion (was ${previous?.id ?? 'none'})`);
          await announce(context, pool);
          if (previous && previous.featureSpecVersion !== model.featureSpecVersion) {
            console.log(`note: it uses feature spec ${model.featureSpecVersion}, the previous champion ${previous.featureSpecVersion}: scorers must be configured with the new spec`);
          }
          return 0;
        });
      }
      case 'rollback': {
        if (rest.length > 0) throw usage(`unexpected arguments: ${rest.join(' ')}`);
        const reason = values.reason === undefined ? 'rollback' : `rollback: ${values.reason}`;
        return withPool(context, async (pool) => {
          const result = await withTransaction(pool, async (client) => {
            const target = await findPreviousChampionId(client);
            if (target === null) return null;
            const current = await findChampion(client);
            await promoteModel(client, target, actor, reason);
            return { target, current: current?.id ?? null };
          });
          if (result === null) {
            console.error('loupe: no previous champion to roll back to: no model has been retired by a promotion yet (see loupe models list)');
            return 1;
          }
          console.log(`rolled back: ${result.target} is the champion again (retired ${result.current ?? 'none'})`);
          await announce(context, pool);
          return 0;
        });
      }
      case 'announce': {
        if (rest.length > 0) throw usage(`unexpected arguments: ${rest.join(' ')}`);
        return withPool(context, async (pool) => {
          if ((await findChampion(pool)) === null) {
            console.error('loupe: there is no champion to announce');
            return 1;
          }
          await announce(context, pool);
          return 0;
        });
      }
      default:
        throw usage(action === undefined ? 'a subcommand is required' : `unknown subcommand "${action}"`);
    }
  },
};
