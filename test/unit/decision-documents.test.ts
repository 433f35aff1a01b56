import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Decision, DecisionSchema, parseMessage } from '../../services/domain/index.ts';
import { decisionDocuments } from '../../services/scorer/decision-documents.ts';

const decision: Decision = {
  transactionId: 'tx-1',
  accountId: 'acct-"quoted"',
  action: 'review',
  probability: 0.4312345678901234,
  confidence: 0.13,
  decidedBy: 'threshold',
  anomaly: { error: 0.8691520690917969, percentile: 0.88, topFeatures: [{ feature: 'country=IE', error: 36.77621078491211 }] },
  ruleHits: [{ rule: 'velocity', type: 'signal', reason: 'five in ten minutes\nnewline', weight: 1.2 }],
  evidence: [{ source: 'prior', name: 'base rate', logOdds: -4.59511985013459 }],
  modelVersion: 'model-1',
  rulesVersion: 'rules-1',
  policyVersion: 'policy-1',
  decidedAt: '2026-12-08T04:00:00.000Z',
  latencyMs: 12,
};

describe('decisionDocuments', () => {
  it('encodes the documents once and splices them into a message that parses back to the decision', () => {
    const documents = decisionDocuments(decision);
    assert.equal(documents.anomaly, JSON.stringify(decision.anomaly));
    assert.equal(documents.ruleHits, JSON.stringify(decision.ruleHits));
    assert.equal(documents.evidence, JSON.stringify(decision.evidence));
    assert.deepEqual(JSON.parse(documents.message), decision);
    assert.deepEqual(parseMessage(DecisionSchema, Buffer.from(documents.message)), decision);
  });

  it('writes a rules-only decision\'s missing anomaly as null', () => {
    const rulesOnly = { ...decision, anomaly: null, modelVersion: null, ruleHits: [], evidence: [] };
    const documents = decisionDocuments(rulesOnly);
    assert.equal(documents.anomaly, 'null');
    assert.deepEqual(JSON.parse(documents.message), rulesOnly);
  });
});
