/**
 * Time-based splits. Fraud data must be split by time, never at random: a random split lets a
 * model see the same compromised card or terminal on both sides and overstates every metric.
 */

const DAY_MS = 86_400_000;

/** The half-open interval [fromMs, toMs). */
export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

export interface Timestamped {
  timestampMs: number;
}

export const inWindow = (timestampMs: number, window: TimeWindow): boolean => timestampMs >= window.fromMs && timestampMs < window.toMs;

/** The records with `fromMs ≤ timestampMs < toMs`, in input order. */
export function recordsInWindow<T extends Timestamped>(records: Iterable<T>, window: TimeWindow): T[] {
  const selected: T[] = [];
  for (const record of records) if (inWindow(record.timestampMs, window)) selected.push(record);
  return selected;
}

/** "YYYY-MM-DD" is UTC midnight of that day; a number is taken as epoch milliseconds. */
export function toStartMs(start: string | number): number {
  if (typeof start === 'number') return start;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(start);
  const ms = match === null ? Number.NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== start) {
    throw new RangeError(`start must be a date like "2018-07-11" or epoch milliseconds, got ${JSON.stringify(start)}`);
  }
  return ms;
}

export interface HandbookSplitOptions {
  /** First training day: "YYYY-MM-DD" (UTC midnight) or epoch ms. Days are counted from here. */
  trainStart: string | number;
  /** Default 7. */
  trainDays?: number;
  /** Days between training and test, standing for the time labels take to arrive. Default 7. */
  delayDays?: number;
  /** Default 7. */
  testDays?: number;
  /**
   * Drop from each test day the accounts already known to be compromised by then: frauds in the
   * training window, plus frauds of each later day once the label delay has passed. Those cards
   * would already be blocked, so scoring them again flatters the model. Default true, as in the
   * handbook's `get_train_test_set`.
   */
  removeKnownCompromised?: boolean;
}

export interface HandbookWindows {
  train: TimeWindow;
  delay: TimeWindow;
  test: TimeWindow;
  /** One window per test day, in order. */
  testDays: TimeWindow[];
}

function checkDays(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  return value;
}

/**
 * The handbook's protocol: train on `trainDays`, wait `delayDays`, test on `testDays`, day by day.
 * For the validation week the handbook reports (test 2018-07-25…31): trainStart "2018-07-11".
 */
export function handbookWindows(options: HandbookSplitOptions): HandbookWindows {
  const start = toStartMs(options.trainStart);
  const trainDays = checkDays('trainDays', options.trainDays ?? 7, 1);
  const delayDays = checkDays('delayDays', options.delayDays ?? 7, 0);
  const testDays = checkDays('testDays', options.testDays ?? 7, 1);
  const at = (day: number) => start + day * DAY_MS;
  const testStart = trainDays + delayDays;
  return {
    train: { fromMs: start, toMs: at(trainDays) },
    delay: { fromMs: at(trainDays), toMs: at(testStart) },
    test: { fromMs: at(testStart), toMs: at(testStart + testDays) },
    testDays: Array.from({ length: testDays }, (_, d) => ({ fromMs: at(testStart + d), toMs: at(testStart + d + 1) })),
  };
}

export interface LabelledTimestamped extends Timestamped {
  label: 0 | 1;
  accountId?: string | undefined;
}

export interface HandbookSplit<T> {
  windows: HandbookWindows;
  train: T[];
  /** Test records in input order (records of known-compromised accounts removed, if asked). */
  test: T[];
  /** How many test-window records were dropped as belonging to known-compromised accounts. */
  removedFromTest: number;
}

/**
 * Splits records as the handbook's `get_train_test_set` does. With day numbers counted from
 * `trainStart`, test day `d` (0-based) keeps the records of day `trainDays + delayDays + d`
 * whose account is not among those with a fraud on days `0 … trainDays + d − 1`: the training
 * frauds, and one more day of labels for each test day that passes. Records without an account
 * are always kept. Records before `trainStart` are ignored, as in the handbook.
 */
export function handbookSplit<T extends LabelledTimestamped>(records: Iterable<T>, options: HandbookSplitOptions): HandbookSplit<T> {
  const windows = handbookWindows(options);
  const trainDays = options.trainDays ?? 7;
  const removeKnown = options.removeKnownCompromised ?? true;
  const start = windows.train.fromMs;

  const train: T[] = [];
  const testCandidates: { record: T; testDay: number }[] = [];
  // For each account with a fraud in the window, the first day number on which it had one.
  const firstFraudDay = new Map<string, number>();
  for (const record of records) {
    const ts = record.timestampMs;
    if (ts < start || ts >= windows.test.toMs) continue;
    const day = Math.floor((ts - start) / DAY_MS);
    if (record.label === 1 && record.accountId !== undefined) {
      const known = firstFraudDay.get(record.accountId);
      if (known === undefined || day < known) firstFraudDay.set(record.accountId, day);
    }
    if (ts < windows.train.toMs) train.push(record);
    else if (ts >= windows.test.fromMs) testCandidates.push({ record, testDay: Math.floor((ts - windows.test.fromMs) / DAY_MS) });
  }

  const test: T[] = [];
  let removedFromTest = 0;
  for (const { record, testDay } of testCandidates) {
    const fraudDay = record.accountId === undefined ? undefined : firstFraudDay.get(record.accountId);
    // Known by test day d: a fraud on a day ≤ trainDays + d − 1.
    if (removeKnown && fraudDay !== undefined && fraudDay <= trainDays + testDay - 1) removedFromTest++;
    else test.push(record);
  }
  return { windows, train, test, removedFromTest };
}
