// How end-to-end throughput grows with 1, 2 and 4 scorer processes on a 4-partition topic: each
// count is a full end-to-end run on the default client (bench/end-to-end.ts, its own topics, schema
// and ceilings), one after another. On 2 cores it flattens once the processes, the broker and Postgres share them.
// Prints one JSON object.
//   node --import tsx bench/scale.ts [--records 60000] [--scorers 1,2,4]
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);
const { values } = parseArgs({ options: { records: { type: 'string', default: '60000' }, scorers: { type: 'string', default: '1,2,4' } } });
const runs = [];
for (const scorers of values.scorers.split(',').map(Number)) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', new URL('./end-to-end.ts', import.meta.url).pathname, '--records', values.records, '--scorers', String(scorers), '--partitions', '4', '--clients', 'kafkajs', '--rounds', '1'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
  runs.push({ scorers, endToEndTxPerSec: out.endToEndTxPerSec, endToEndCeilingRatio: out.endToEndCeilingRatio, kafkaConsumeCeilingPerSec: out.kafkaConsumeCeilingPerSec, postgresCopyCeilingPerSec: out.postgresCopyCeilingPerSec });
}
const one = runs[0]!.endToEndTxPerSec;
console.log(
  JSON.stringify({
    benchmark: 'scale',
    date: new Date().toISOString(),
    cores: cpus().length,
    records: Number(values.records),
    partitions: 4,
    runs: runs.map((r) => ({ ...r, speedupOverOne: Number((r.endToEndTxPerSec / one).toFixed(2)) })),
  }),
);
