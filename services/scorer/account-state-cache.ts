import type { AccountState } from '../domain/index.ts';

/**
 * The account state a scorer keeps in memory for one partition, bounded: Postgres holds every
 * account's state, so an account dropped here is only read again when it next transacts. Without a
 * bound the cache grew with every account ever seen (about 900 bytes of heap each; see
 * bench/feature-stage.ts), which a long-running scorer on a large card base cannot afford.
 * Accounts are kept in order of their last write, and the least recently written go first.
 */
export class AccountStateCache {
  private readonly states = new Map<string, AccountState>();

  constructor(private readonly maxAccounts: number) {}

  get size(): number {
    return this.states.size;
  }

  get(accountId: string): AccountState | undefined {
    return this.states.get(accountId);
  }

  has(accountId: string): boolean {
    return this.states.has(accountId);
  }

  /** Stores `state` as the most recently written, then drops the least recently written beyond the bound. */
  set(accountId: string, state: AccountState): this {
    this.states.delete(accountId);
    this.states.set(accountId, state);
    for (const oldest of this.states.keys()) {
      if (this.states.size <= this.maxAccounts) break;
      this.states.delete(oldest);
    }
    return this;
  }
}
