import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a benchmark with tiny settings and returns the one JSON object it prints. */
async function bench(name: string, args: string[]): Promise<Record<string, any>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...args], {
    env: { ...process.env, BENCH_DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/loupe_test' },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 240_000,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines.at(-1)!);
}

// Benchmarks are not tests: these only keep each one working, on sizes too small to mean anything.
describe('benchmarks still run (tiny sizes)', () => {
  it('rules stage: compiled rules agree with json-rules-engine and report the 50-rule rate', async () => {
    const out = await bench('rules-stage', ['--records', '300']);
    assert.equal(out.benchmark, 'rules-stage');
    assert.ok(out.rulesEvalsPerSec50 > 0 && out.fiftyRules.rules === 50);
  });

  it('feature stage: state for many accounts, with its ceilings', async () => {
    const out = await bench('feature-stage', ['--accounts', '2000', '--small-accounts', '200', '--transactions', '4000']);
    assert.ok(out.featureTxPerSec > 0 && out.ratioToJsonParse > 0);
  });

  it('pipeline stages: each pure stage of the scorer, its batch path included, against JSON.parse', async () => {
    const out = await bench('pipeline-stages', ['--records', '3000']);
    for (const stage of ['parseAndValidate', 'featuresWithState', 'rulesCompiled', 'policy', 'decideBatchRulesOnly', 'encodeRowsAndMessages']) {
      assert.ok(out[stage].perSec > 0 && out[stage].ratioToJsonParse > 0, `${stage}: ${JSON.stringify(out[stage])}`);
    }
  });

  it('end to end: a scorer process on each Kafka client decides every record, beside both ceilings', async () => {
    const out = await bench('end-to-end', ['--records', '1500', '--accounts', '500', '--rounds', '1']);
    assert.deepEqual(out.runs.map((run: { client: string }) => run.client), ['kafkajs', 'platformatic']);
    assert.ok(out.endToEndTxPerSecByClient.kafkajs > 0 && out.endToEndTxPerSecByClient.platformatic > 0 && out.platformaticToKafkajs > 0);
    assert.ok(out.endToEndTxPerSec > 0 && out.kafkaConsumeCeilingPerSec > 0 && out.postgresCopyCeilingPerSec > 0 && out.endToEndCeilingRatio > 0);
    for (const run of out.runs) {
      assert.ok(run.batches > 0 && run.ceilingRatio > 0, `${run.client}: batches and its own ceiling ratio`);
      assert.equal(run.postgresCopyPerSec, Math.max(run.postgresCopyOneStreamPerSec, run.postgresCopyBatchedPerSec), `${run.client}: the better COPY is the ceiling`);
      assert.ok(run.postgresCopyOneStreamPerSec > 0 && run.postgresCopyBatchedPerSec > 0);
      assert.ok(run.scorerCpuUsPerTx > 0, `${run.client}: the scorer's CPU per transaction`);
      assert.deepEqual(Object.keys(run.phaseSeconds).sort(), ['persist', 'publish', 'read', 'score']);
      assert.ok(run.phaseSeconds.persist > 0 && run.phaseSeconds.publish > 0);
    }
  });

  it('latency: every transaction of a steady load is measured', async () => {
    const out = await bench('latency', ['--rate', '200', '--seconds', '3', '--accounts', '300']);
    assert.equal(out.measured, 600);
    assert.ok(out.latencyP99Ms >= out.latencyP50Ms && out.latencyP50Ms > 0);
    assert.ok(out.batchesDuringLoad > 0 && out.meanBatchPhaseMs.persist > 0 && out.meanBatchPhaseMs.publish > 0);
  });

  it('review API: 20 analysts claim and label, each item labelled once', async () => {
    const out = await bench('review-api', ['--seconds', '2', '--ceiling-seconds', '1', '--warmup-seconds', '1', '--items', '400']);
    assert.equal(out.verification.ok, true);
    assert.ok(out.reviewP99Ms > 0);
  });
});
