import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnomalyModel } from '../../services/model/anomaly-model.ts';
import { createModelSlot } from '../../services/scorer/model-slot.ts';

function fakeModel(version: string): AnomalyModel & { disposed: number } {
  return {
    version,
    disposed: 0,
    featureSpec: {} as AnomalyModel['featureSpec'],
    head: null,
    assess: () => [],
    dispose() {
      this.disposed += 1;
    },
  };
}

describe('model slot', () => {
  it('swaps between batches: a batch keeps its model, and the old one is freed after its last batch', () => {
    const v1 = fakeModel('v1');
    const v2 = fakeModel('v2');
    const slot = createModelSlot(v1);
    const inFlight = slot.acquire();
    assert.equal(slot.swap(v2), 'v1');
    assert.equal(slot.current(), v2);
    assert.equal(inFlight, v1, 'the batch in flight still holds the old model');
    assert.equal(v1.disposed, 0, 'not freed while a batch uses it');
    slot.release(inFlight);
    assert.equal(v1.disposed, 1, 'freed once its last batch is done');
    assert.equal(slot.acquire(), v2);
  });

  it('frees an unused model at once, and everything at dispose', () => {
    const v1 = fakeModel('v1');
    const v2 = fakeModel('v2');
    const slot = createModelSlot(v1);
    slot.swap(v2);
    assert.equal(v1.disposed, 1);
    slot.dispose();
    assert.equal(v2.disposed, 1);
    assert.equal(slot.current(), null);
    assert.equal(createModelSlot(null).acquire(), null, 'rules-only: no model');
  });
});
