import express from 'express';
import type pg from 'pg';
import type { ScorerStatus } from './scorer.ts';

/**
 * Liveness: the process answers and the scorer has not stopped (a consumer kafkajs gave up on is
 * rebuilt by the scorer, so it is not a reason to be killed). Readiness: rules loaded, group
 * joined, and Postgres answering, so traffic can be decided.
 */
export function buildHealthApp(deps: { status: () => ScorerStatus; pool: pg.Pool }) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    const { state } = deps.status();
    const live = state !== 'stopped';
    res.status(live ? 200 : 503).json({ live, state });
  });
  app.get('/readyz', async (_req, res) => {
    const status = deps.status();
    let database = false;
    try {
      await deps.pool.query('SELECT 1');
      database = true;
    } catch {
      database = false;
    }
    const ready = status.state === 'running' && status.joinedGroup && status.rulesVersion !== null && database;
    res.status(ready ? 200 : 503).json({ ready, database, ...status });
  });
  app.get('/metrics', (_req, res) => {
    const { totals, assignedPartitions } = deps.status();
    const cpu = process.cpuUsage();
    const metrics: Array<[name: string, type: 'counter' | 'gauge', value: number]> = [
      ['loupe_scorer_decisions_total', 'counter', totals.decisions],
      ['loupe_scorer_replayed_total', 'counter', totals.replayed],
      ['loupe_scorer_duplicates_total', 'counter', totals.duplicates],
      ['loupe_scorer_dead_letters_total', 'counter', totals.deadLetters],
      ['loupe_scorer_batches_total', 'counter', totals.batches],
      ['loupe_scorer_batch_failures_total', 'counter', totals.failures],
      ['loupe_scorer_assigned_partitions', 'gauge', assignedPartitions.length],
      // Prometheus's standard name; over the decisions counter it gives what a decision costs in CPU.
      ['process_cpu_seconds_total', 'counter', (cpu.user + cpu.system) / 1e6],
    ];
    const text = metrics.map(([name, type, value]) => `# TYPE ${name} ${type}\n${name} ${value}\n`).join('');
    // Where batch time goes, summed over batches (partitions overlap, so the sum can outrun the clock).
    const phases = Object.entries(totals.phasesMs).map(([phase, ms]) => `loupe_scorer_batch_phase_seconds_total{phase="${phase}"} ${ms / 1000}\n`);
    res.type('text/plain; version=0.0.4').send(`${text}# TYPE loupe_scorer_batch_phase_seconds_total counter\n${phases.join('')}`);
  });
  return app;
}
