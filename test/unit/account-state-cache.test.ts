import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyAccountState } from '../../services/features/account-state.ts';
import { AccountStateCache } from '../../services/scorer/account-state-cache.ts';

describe('the scorer account state cache', () => {
  const state = (txCount: number) => ({ ...emptyAccountState(), txCount });

  it('keeps at most its bound, dropping the least recently written accounts', () => {
    const cache = new AccountStateCache(3);
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) cache.set(id, state(i));
    assert.equal(cache.size, 3);
    assert.equal(cache.has('a'), false);
    assert.deepEqual(['b', 'c', 'd'].map((id) => cache.get(id)?.txCount), [1, 2, 3]);
  });

  it('counts a rewrite as recent: a busy account outlives quieter ones written before it', () => {
    const cache = new AccountStateCache(2);
    cache.set('busy', state(1)).set('quiet', state(1)).set('busy', state(2)).set('new', state(1));
    assert.equal(cache.has('quiet'), false);
    assert.equal(cache.get('busy')?.txCount, 2);
    assert.equal(cache.has('new'), true);
  });
});
