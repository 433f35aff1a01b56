// Runs every benchmark, one after another (they share 2 cores; running them together would only
// measure the contention), each in a process of its own. Writes each one's JSON to
// bench/results/<name>.json and the headline figures, the bars and whether each is met, to
// bench/results/summary.json. A benchmark that fails is recorded as failed; the others still run.
//   npm run bench            (node --import tsx bench/run-all.ts [--only name,name])
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = new URL('.', import.meta.url).pathname;
const RESULTS = join(HERE, 'results');

/** Each benchmark, its arguments, and how to read its headline figures. */
const BENCHMARKS: Record<string, { args: string[]; figures: (out: Record<string, any>) => Record<string, number> }> = {
  'scoring-kernel': { args: [], figures: (o) => ({ scoringRowsPerSec: o.scoringRowsPerSec, scoringRawRatio: o.scoringRawRatio }) },
  'rules-stage': { args: [], figures: (o) => ({ rulesEvalsPerSec50: o.rulesEvalsPerSec50, rulesRatioToJsonRulesEngine50: o.ratioToJsonRulesEngine50 }) },
  'feature-stage': { args: [], figures: (o) => ({ featureTxPerSec: o.featureTxPerSec, featureRatioToJsonParse: o.ratioToJsonParse }) },
  'pipeline-stages': { args: [], figures: () => ({}) },
  'end-to-end': {
    args: [],
    figures: (o) => ({
      endToEndTxPerSec: o.endToEndTxPerSec,
      endToEndCeilingRatio: o.endToEndCeilingRatio,
      ...Object.fromEntries(Object.entries(o.endToEndTxPerSecByClient).map(([client, perSec]) => [`endToEndTxPerSecOn_${client}`, perSec as number])),
    }),
  },
  latency: { args: [], figures: (o) => ({ latencyP50Ms: o.latencyP50Ms, latencyP95Ms: o.latencyP95Ms, latencyP99Ms: o.latencyP99Ms }) },
  'review-api': { args: [], figures: (o) => ({ reviewP99Ms: o.reviewP99Ms }) },
  scale: { args: [], figures: (o) => Object.fromEntries(o.runs.map((r: { scorers: number; endToEndTxPerSec: number }) => [`endToEndTxPerSecWith${r.scorers}Scorers`, r.endToEndTxPerSec])) },
};

/** The bars of DESIGN.md and the performance issue, checked mechanically. */
const BARS: Array<{ figure: string; test: (value: number) => boolean; bar: string }> = [
  { figure: 'scoringRowsPerSec', test: (v) => v >= 1_000_000, bar: '>= 1,000,000 rows/s at batch 1024' },
  { figure: 'scoringRawRatio', test: (v) => v >= 0.6, bar: '>= 0.6 of the raw fused chain' },
  { figure: 'rulesEvalsPerSec50', test: (v) => v >= 200_000, bar: '>= 200,000 evaluations/s, 50 rules, one core' },
  { figure: 'endToEndTxPerSec', test: (v) => v >= 20_000, bar: '>= 20,000 tx/s through one scorer' },
  { figure: 'endToEndCeilingRatio', test: (v) => v >= 0.5, bar: '>= 0.5 of the lower of Kafka consume and Postgres COPY' },
  { figure: 'latencyP99Ms', test: (v) => v < 35, bar: 'p99 < 35 ms at 5,000 tx/s' },
  { figure: 'reviewP99Ms', test: (v) => v < 20, bar: 'p99 < 20 ms, 20 concurrent analysts' },
];

/** The JSON object a benchmark printed: all of stdout (pretty-printed), or its last line (after logs). */
function lastJsonObject(stdout: string): Record<string, unknown> {
  try {
    return JSON.parse(stdout);
  } catch {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  }
}

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only?.split(',');
await mkdir(RESULTS, { recursive: true });
// With --only, the other benchmarks' figures are kept from the last summary (their own files keep their dates).
const previous = only ? ((await readFile(join(RESULTS, 'summary.json'), 'utf8').then(JSON.parse, () => ({}))) as Record<string, unknown>) : {};
const figures: Record<string, number> = Object.fromEntries(Object.entries(previous).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && !['cores', 'loadAverage1m'].includes(entry[0])));
const failures: Record<string, string> = {};
for (const [name, benchmark] of Object.entries(BENCHMARKS)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`[bench] ${name} …\n`);
  const started = performance.now();
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(HERE, `${name}.ts`), ...benchmark.args], { maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 });
    const output = lastJsonObject(stdout);
    await writeFile(join(RESULTS, `${name}.json`), `${JSON.stringify(output, null, 2)}\n`);
    Object.assign(figures, benchmark.figures(output));
    process.stderr.write(`[bench] ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  } catch (error) {
    failures[name] = (error as Error).message.split('\n').slice(0, 5).join(' ');
    process.stderr.write(`[bench] ${name} FAILED: ${failures[name]}\n`);
  }
}

const summary = {
  date: new Date().toISOString(),
  cores: cpus().length,
  loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  ...figures,
  bars: BARS.filter(({ figure }) => figure in figures).map(({ figure, test, bar }) => ({ figure, value: figures[figure], bar, met: test(figures[figure]!) })),
  failures,
};
await writeFile(join(RESULTS, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary));
