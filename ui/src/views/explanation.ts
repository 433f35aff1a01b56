import type { ItemDetails } from '../api.ts';
import { type Child, h } from '../dom.ts';
import { formatAmount, formatNumber, formatPercent, formatTime } from '../format.ts';

interface RuleHit {
  rule: string;
  type: string;
  reason: string;
  weight?: number;
}
interface Evidence {
  source: string;
  name: string;
  logOdds: number;
}
interface Anomaly {
  error: number;
  percentile: number;
}

const asRecord = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {});
const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
const text = (value: unknown): string => (value === undefined || value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { className: 'panel' }, h('h3', {}, title), ...children);
}

function table(headers: string[], rows: Child[][], className = ''): HTMLElement {
  return h(
    'table',
    { className },
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', {}, header)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))),
  );
}

/** A bar for a signed quantity: right and red toward fraud, left and green toward legit. */
function signedBar(value: number, scale: number): HTMLElement {
  const width = Math.min(50, (Math.abs(value) / scale) * 50);
  return h(
    'div',
    { className: 'signed-bar' },
    h('div', { className: value >= 0 ? 'toward-fraud' : 'toward-legit', dataset: { width: width.toFixed(1) } }),
  );
}

function magnitudeBar(value: number, max: number): HTMLElement {
  return h('div', { className: 'magnitude-bar' }, h('div', { dataset: { width: Math.min(100, (value / max) * 100).toFixed(1) } }));
}

/** "Why was the machine unsure": the probability, how far the confidence fell short, and each log-odds term. */
function whyUnsure(details: ItemDetails): HTMLElement {
  const { decision } = details;
  const evidence = asArray<Evidence>(decision.evidence);
  const scale = Math.max(1, ...evidence.map((term) => Math.abs(term.logOdds)));
  const threshold = decision.confidenceThreshold;
  const verdict =
    decision.decidedBy === 'review_rule'
      ? 'A rule sends this kind of transaction to review whatever the score.'
      : threshold === null
        ? `Confidence ${formatPercent(decision.confidence)}.`
        : `Confidence ${formatPercent(decision.confidence)} is below the ${formatPercent(threshold, 0)} needed to decide alone.`;
  return section(
    'Why it is here',
    h(
      'div',
      { className: 'headline' },
      h('span', { className: 'big', dataset: { testid: 'probability' } }, formatPercent(decision.probability)),
      h('span', {}, ' fraud probability · '),
      h('span', {}, `machine action: ${decision.action} (${decision.decidedBy.replace('_', ' ')})`),
    ),
    h('p', { className: 'verdict' }, verdict),
    table(
      ['evidence', 'log-odds', ''],
      evidence.map((term) => [`${term.source}: ${term.name}`, (term.logOdds >= 0 ? '+' : '') + term.logOdds.toFixed(2), signedBar(term.logOdds, scale)]),
      'evidence',
    ),
  );
}

function transactionPanel(details: ItemDetails): HTMLElement {
  const tx = asRecord(details.decision.transaction);
  const fields: Array<[string, unknown]> = [
    ['transaction', tx['id']],
    ['account', tx['accountId']],
    ['amount', formatAmount(tx['amount'], tx['currency'])],
    ['merchant', tx['merchantId']],
    ['MCC', tx['merchantCategory']],
    ['country', tx['country']],
    ['channel', tx['channel']],
    ['device', tx['deviceId']],
    ['IP', tx['ip']],
    ['time', typeof tx['timestamp'] === 'string' ? tx['timestamp'] : details.decision.eventTime],
  ];
  const attributes = Object.entries(asRecord(tx['attributes']));
  return section(
    'Transaction',
    h('dl', { className: 'fields', dataset: { testid: 'transaction' } }, ...fields.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, text(value))])),
    attributes.length > 0 ? h('dl', { className: 'fields attributes' }, ...attributes.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, text(value))])) : null,
  );
}

function rulesPanel(details: ItemDetails): HTMLElement {
  const hits = asArray<RuleHit>(details.decision.ruleHits);
  return section(
    'Rule hits',
    hits.length === 0
      ? h('p', { className: 'muted' }, 'No rule fired.')
      : table(
          ['rule', 'kind', 'reason', 'weight'],
          hits.map((hit) => [hit.rule, hit.type, hit.reason, hit.weight === undefined ? '' : hit.weight.toFixed(2)]),
          'rule-hits',
        ),
  );
}

function anomalyPanel(details: ItemDetails): HTMLElement {
  const anomaly = details.decision.anomaly as Anomaly | null;
  if (anomaly === null) return section('Anomaly', h('p', { className: 'muted' }, 'No model scored this decision (rules only).'));
  const maxError = Math.max(1e-9, ...details.features.map((f) => f.error));
  return section(
    'Anomaly',
    h('p', {}, `Reconstruction error ${formatNumber(anomaly.error)}: more unusual than ${formatPercent(anomaly.percentile)} of normal traffic. Largest errors:`),
    table(
      ['feature', 'this one', 'account usual', 'overall usual', 'error'],
      details.features.map((f) => [
        f.feature,
        formatNumber(f.value),
        f.accountMedian === null ? 'no history' : `${formatNumber(f.accountMedian)} (n=${f.accountSamples})`,
        formatNumber(f.trainingMean),
        magnitudeBar(f.error, maxError),
      ]),
      'features',
    ),
  );
}

function historyPanel(details: ItemDetails): HTMLElement {
  return section(
    'Account history',
    table(
      ['time', 'amount', 'action', 'probability'],
      details.history.map((entry) => [
        formatTime(entry.eventTime),
        formatAmount(entry.amount, entry.currency),
        entry.transactionId === details.decision.transactionId ? `${entry.action} ← this one` : entry.action,
        formatPercent(entry.probability),
      ]),
      'history',
    ),
  );
}

function versionsPanel(details: ItemDetails): HTMLElement {
  const d = details.decision;
  const rows: Array<[string, string | null]> = [
    ['model', d.modelVersion],
    ['rules', d.rulesVersion],
    ['policy', d.policyVersion],
    ['feature spec', d.featureSpecVersion],
    ['decided', formatTime(d.decidedAt)],
  ];
  return section('Versions', h('dl', { className: 'fields' }, ...rows.flatMap(([name, value]) => [h('dt', {}, name), h('dd', { className: 'mono' }, value ?? '—')])));
}

function labelsPanel(details: ItemDetails): HTMLElement | null {
  if (details.labels.length === 0) return null;
  return section(
    'Labels',
    table(
      ['label', 'by', 'when', 'reason', 'note'],
      details.labels.map((label) => [label.corrects === undefined ? label.label : `${label.label} (correction)`, label.analyst, formatTime(label.labeledAt), label.reasonCode ?? '', label.note ?? '']),
      'labels',
    ),
  );
}

/** Everything an analyst needs to judge one item, most decisive first. */
export function explanation(details: ItemDetails): HTMLElement {
  const element = h(
    'div',
    { className: 'explanation', dataset: { testid: 'explanation', transactionId: details.decision.transactionId } },
    h('div', { className: 'column' }, whyUnsure(details), transactionPanel(details), rulesPanel(details)),
    h('div', { className: 'column' }, anomalyPanel(details), historyPanel(details), labelsPanel(details), versionsPanel(details)),
  );
  // Bar widths are set through the CSSOM, not a style attribute: the CSP forbids inline styles.
  for (const bar of element.querySelectorAll<HTMLElement>('[data-width]')) bar.style.width = `${bar.dataset['width']}%`;
  return element;
}
