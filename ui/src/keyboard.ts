/**
 * The analyst's keyboard: one key per command, so a queue can be worked without the mouse.
 * Pure (key event fields in, command out) so the map is unit-tested and shown as help from one place.
 */
export type Command =
  | 'claim'
  | 'fraud'
  | 'legit'
  | 'skip'
  | 'release'
  | 'escalate'
  | 'note'
  | 'leave-field'
  | 'queue'
  | 'search'
  | 'dashboard'
  | 'help';

export const SHORTCUTS: ReadonlyArray<{ key: string; command: Command; what: string }> = [
  { key: 'c', command: 'claim', what: 'claim the next item' },
  { key: 'f', command: 'fraud', what: 'label the claimed item fraud (and claim the next)' },
  { key: 'l', command: 'legit', what: 'label the claimed item legit (and claim the next)' },
  { key: 's', command: 'skip', what: 'skip it (someone else takes it; claim the next)' },
  { key: 'e', command: 'escalate', what: 'escalate it to a lead' },
  { key: 'r', command: 'release', what: 'release it back to the queue' },
  { key: 'n', command: 'note', what: 'write a note (Esc returns to the shortcuts)' },
  { key: 'q', command: 'queue', what: 'queue' },
  { key: '/', command: 'search', what: 'search by transaction or account' },
  { key: 'd', command: 'dashboard', what: 'dashboard' },
  { key: '?', command: 'help', what: 'show or hide these shortcuts' },
];

const BY_KEY = new Map(SHORTCUTS.map((shortcut) => [shortcut.key, shortcut.command]));

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** True while the focus is in a text field: letters are text then, only Esc is a command. */
  inTextField: boolean;
}

export function commandFor(press: KeyPress): Command | null {
  if (press.inTextField) return press.key === 'Escape' ? 'leave-field' : null;
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  return BY_KEY.get(press.key.length === 1 ? press.key.toLowerCase() : press.key) ?? null;
}
