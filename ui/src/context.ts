import type { ReviewApi, SignedIn } from './api.ts';
import type { Command } from './keyboard.ts';

/** What every view gets from the shell. */
export interface Context {
  api: ReviewApi;
  session: SignedIn;
  /** A status line message; errors stay until the next message. */
  notify(message: string, kind?: 'info' | 'error'): void;
  /** Reports an error from the API (or anything else) on the status line. */
  fail(error: unknown): void;
}

export interface View {
  element: HTMLElement;
  onCommand?(command: Command): void;
  dispose?(): void;
}
