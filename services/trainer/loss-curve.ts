import type { EpochReport } from '../model/index.ts';

const BAR_WIDTH = 30;

/**
 * The loss curve as a small text table, one line per epoch, with a bar for the validation loss (the
 * training loss when there is none) scaled to its largest value, so a plateau or a validation loss
 * turning upwards (overfitting) is visible at a glance:
 *
 *   epoch       loss   val loss       s  val loss
 *       1   1.045135   0.549966    0.30  ##############################
 *       2   0.967044   0.511758    0.14  ############################
 */
export function formatLossCurve(epochs: readonly EpochReport[]): string {
  const shown = (e: EpochReport) => e.valLoss ?? e.loss;
  const largest = Math.max(0, ...epochs.map(shown).filter(Number.isFinite));
  const number = (value: number | null, width: number, digits: number) => (value === null ? '-' : value.toFixed(digits)).padStart(width);
  const barLabel = epochs.some((e) => e.valLoss !== null) ? 'val loss' : 'loss';
  const lines = [`${'epoch'.padStart(5)}  ${'loss'.padStart(9)}  ${'val loss'.padStart(9)}  ${'s'.padStart(6)}  ${barLabel}`];
  for (const e of epochs) {
    const value = shown(e);
    const bar = largest > 0 && Number.isFinite(value) ? '#'.repeat(Math.max(1, Math.round((value / largest) * BAR_WIDTH))) : '';
    lines.push(`${String(e.epoch).padStart(5)}  ${number(e.loss, 9, 6)}  ${number(e.valLoss, 9, 6)}  ${number(e.seconds, 6, 2)}  ${bar}`);
  }
  return lines.join('\n');
}
