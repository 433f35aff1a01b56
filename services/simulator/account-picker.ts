// Who transacts next. Weighted by each account's activity and by the hour of day where it lives, in
// O(log n) per draw and O(n) memory whatever the population: accounts sharing a local offset share
// one daily curve, so an hour's weights are a handful of group totals, not one number per account.
import { type Random, searchCumulative } from './random.ts';
import { HOURLY_ACTIVITY } from './reference-data.ts';
import type { AccountProfile } from './types.ts';

export interface AccountPicker {
  /** An account, by activity and by how awake it is at this UTC hour. */
  atHour(random: Random, hourUtc: number): number;
  /** An account by activity alone: who a fraudster is likely to have compromised. */
  byActivity(random: Random): number;
}

interface Group {
  offsetHours: number;
  accounts: number[];
  /** Running sum of the members' activity. */
  cumulative: Float64Array;
}

const mod24 = (hour: number) => ((hour % 24) + 24) % 24;

function cumulativeOf(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    out[i] = sum;
  }
  return out;
}

function pickIn(random: Random, cumulative: Float64Array): number {
  return searchCumulative(cumulative, random.next() * cumulative[cumulative.length - 1]!);
}

export function createAccountPicker(accounts: readonly AccountProfile[]): AccountPicker {
  const members = new Map<number, number[]>();
  for (const account of accounts) {
    const list = members.get(account.localOffsetHours);
    if (list === undefined) members.set(account.localOffsetHours, [account.index]);
    else list.push(account.index);
  }
  const groups: Group[] = [...members.entries()]
    .sort(([a], [b]) => a - b)
    .map(([offsetHours, indexes]) => ({
      offsetHours,
      accounts: indexes,
      cumulative: cumulativeOf(indexes.map((index) => accounts[index]!.activity)),
    }));
  // For each UTC hour, the running sum over groups of (group activity x how awake the group is).
  const byHour = Array.from({ length: 24 }, (_, hourUtc) =>
    cumulativeOf(
      groups.map((group) => group.cumulative[group.cumulative.length - 1]! * HOURLY_ACTIVITY[mod24(hourUtc + group.offsetHours)]!),
    ),
  );
  const all = cumulativeOf(accounts.map((account) => account.activity));

  return {
    atHour(random, hourUtc) {
      const group = groups[pickIn(random, byHour[mod24(hourUtc)]!)]!;
      return group.accounts[pickIn(random, group.cumulative)]!;
    },
    byActivity: (random) => pickIn(random, all),
  };
}
