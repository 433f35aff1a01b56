import type pg from 'pg';
import { type PolicyConfig, policyVersion } from '../policy/decide.ts';

/** Stores the policy's parameters under its version (once, whoever uses it first). */
export async function recordPolicyVersion(pool: pg.Pool, policy: PolicyConfig, actor: string): Promise<string> {
  const version = policyVersion(policy);
  await pool.query('INSERT INTO policy_versions (version, params, first_used_by) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING', [
    version,
    JSON.stringify(policy),
    actor,
  ]);
  return version;
}
