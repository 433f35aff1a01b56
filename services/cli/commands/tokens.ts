import { parseArgs } from 'node:util';
import { ApiRole, createApiToken, listApiTokens, revokeApiToken } from '../../audit/api-tokens.ts';
import { MAX_PAGE_SIZE } from '../../audit/pagination.ts';
import { type Command, UsageError, wholeNumberFlag, withPool } from '../command.ts';

const HELP = `usage: loupe tokens create NAME --role auditor|analyst|admin [--days N] [--by WHO]
       loupe tokens list
       loupe tokens revoke ID [--by WHO]
  API tokens for the GraphQL audit API. The secret is printed once at creation; only its hash is kept.
  auditor: everything, with analysts' names and notes, the audit log, replay
  analyst: decisions, models, rules and labels, without people's names or notes
  admin:   what an auditor sees, plus the token list
  --days N   expire after N days (default: never)     --by WHO   who does it, for the audit log (default $USER)`;

const usage = (message: string) => new UsageError(`${message}\n\n${HELP}`);

export const tokensCommand: Command = {
  summary: 'tokens create|list|revoke: API tokens for the audit API',
  async run(args, context) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { role: { type: 'string' }, days: { type: 'string' }, by: { type: 'string' }, help: { type: 'boolean', default: false } },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [action, subject, ...rest] = positionals;
    if (rest.length > 0) throw usage(`unexpected arguments: ${rest.join(' ')}`);
    const actor = values.by ?? process.env.USER ?? 'cli';

    if (action === 'create') {
      if (subject === undefined || subject.length > 128) throw usage('a NAME of at most 128 characters is required');
      const role = ApiRole.safeParse(values.role);
      if (!role.success) throw usage('--role must be auditor, analyst or admin');
      const days = values.days === undefined ? null : wholeNumberFlag('days', values.days, 1, HELP);
      const expiresAt = days === null ? null : new Date(Date.now() + days * 86_400_000);
      const created = await withPool(context, (pool) => createApiToken(pool, { name: subject, role: role.data, createdBy: actor, expiresAt }));
      console.log(`token ${created.id} (${role.data}) for ${subject}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}:\n${created.token}`);
      return 0;
    }
    if (action === 'list') {
      await withPool(context, async (pool) => {
        for (let after: string | null = null; ; ) {
          const page = await listApiTokens(pool, { first: MAX_PAGE_SIZE, after });
          for (const { node } of page.edges) {
            const state = node.revokedAt ? `revoked ${node.revokedAt}` : node.expiresAt ? `expires ${node.expiresAt}` : 'live';
            console.log(`${node.tokenId}\t${node.role}\t${node.name}\tcreated ${node.createdAt} by ${node.createdBy}\t${state}`);
          }
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
      });
      return 0;
    }
    if (action === 'revoke') {
      if (subject === undefined || !/^\d{1,18}$/.test(subject)) throw usage('the ID of the token to revoke is required (loupe tokens list)');
      const revoked = await withPool(context, (pool) => revokeApiToken(pool, subject, actor));
      console.log(revoked ? `token ${subject} revoked` : `no live token ${subject}`);
      return revoked ? 0 : 1;
    }
    throw usage(action === undefined ? 'missing action' : `unknown action "${action}"`);
  },
};
