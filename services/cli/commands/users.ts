import { randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { Role, Username } from '../../domain/index.ts';
import { createPool, migrate } from '../../platform/postgres.ts';
import { upsertUser } from '../../review/users.ts';
import { type Command, UsageError } from '../command.ts';

const HELP = `usage: loupe users add NAME --role analyst|lead|admin [--password-stdin]
  add   create a review user, or reset the role and password of an existing one.
        With --password-stdin the password is the first line of standard input
        (echo "$PW" | loupe users add ...); otherwise a random one is generated and printed once.`;

const usage = (message: string) => new UsageError(`${message}\n\n${HELP}`);

export const usersCommand: Command = {
  summary: 'users add NAME --role R: local users of the review API',
  async run(args, { config, logger }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { role: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [action, name, ...rest] = positionals;
    if (action !== 'add') throw usage(action === undefined ? 'missing action' : `unknown action "${action}"`);
    if (rest.length > 0) throw usage(`unexpected arguments: ${rest.join(' ')}`);
    const username = Username.safeParse(name);
    if (!username.success) throw usage(`NAME ${username.error.issues[0]?.message ?? 'is invalid'}`);
    const role = Role.safeParse(values.role);
    if (!role.success) throw usage('--role must be analyst, lead or admin');

    let password: string;
    let generated = false;
    if (values['password-stdin']) {
      password = (await text(process.stdin)).split(/\r?\n/)[0] ?? '';
      if (password.length < 8) throw usage('the password must be at least 8 characters');
    } else {
      password = randomBytes(18).toString('base64url');
      generated = true;
    }

    await migrate(config.database, logger);
    const pool = createPool(config.database);
    try {
      await upsertUser(pool, { username: username.data, role: role.data, password });
    } finally {
      await pool.end();
    }
    console.log(`user ${username.data} (${role.data}) saved${generated ? `; password: ${password}` : ''}`);
    return 0;
  },
};
