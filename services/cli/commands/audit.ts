import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../../audit/verify-chain.ts';
import { runAudit } from '../../audit/main.ts';
import { type Command, UsageError, withPool } from '../command.ts';

const HELP = `usage: loupe audit serve | verify [--json]
  serve    run the GraphQL audit API (LOUPE_AUDIT_HTTP_PORT, default 8083) at /graphql
  verify   walk the audit log's hash chain; exit 0 if it holds, 1 naming the first broken entry.
           Prints the head (sequence and hash): record it elsewhere to detect a rewritten chain later.`;

export const auditCommand: Command = {
  summary: 'audit serve | verify: the GraphQL audit API, and the audit log hash-chain check',
  async run(args, { config, logger }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}\n\n${HELP}`);
    if (action === 'serve') {
      await runAudit(config, logger);
      return;
    }
    if (action !== 'verify') throw new UsageError(`${action === undefined ? 'missing action' : `unknown action "${action}"`}\n\n${HELP}`);

    return withPool({ config, logger }, async (pool) => {
      let reported = 0;
      const result = await verifyAuditChain(pool, ({ checked, total }) => {
        if (checked - reported >= 100_000) {
          reported = checked;
          logger.info({ checked, total }, 'verifying');
        }
      });
      if (values.json) console.log(JSON.stringify(result));
      else if (result.ok) console.log(`audit chain holds: ${result.entriesChecked} entries; head ${result.head.seq} ${result.head.hash}`);
      else console.log(`audit chain BROKEN at entry ${result.firstBroken!.seq}${result.firstBroken!.id ? ` (row id ${result.firstBroken!.id})` : ''}: ${result.firstBroken!.reason}: ${result.firstBroken!.detail}`);
      return result.ok ? 0 : 1;
    });
  },
};
