import type { LabelBody, ReviewItem, Role } from '../../services/domain/review.ts';
import type { Label } from '../../services/domain/label.ts';
import type { Dashboard } from '../../services/review/dashboard.ts';
import type { ItemDetails } from '../../services/review/item-details.ts';
import type { QueueStats } from '../../services/review/queue/queue-stats.ts';

export type { Dashboard, ItemDetails, Label, QueueStats, ReviewItem, Role };

export type SearchBy = { transaction: string } | { account: string } | { status: string };

export interface SignedIn {
  username: string;
  role: Role;
  csrfToken: string;
}

/** An error the API answered with: its stable code (README, "Review API") and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The review API as the page uses it: same-origin cookie session plus the CSRF header. */
export class ReviewApi {
  private csrfToken: string | null = null;

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.csrfToken && method !== 'GET') headers['x-loupe-csrf'] = this.csrfToken;
    const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, error?.code ?? 'INTERNAL', error?.message ?? `HTTP ${res.status}`);
    }
    return parsed as T;
  }

  private remember(session: SignedIn): SignedIn {
    this.csrfToken = session.csrfToken;
    return session;
  }

  async currentSession(): Promise<SignedIn | null> {
    try {
      return this.remember(await this.call<SignedIn>('GET', '/api/session'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  }
  async signIn(username: string, password: string): Promise<SignedIn> {
    return this.remember(await this.call<SignedIn>('POST', '/api/session', { username, password }));
  }
  async signOut(): Promise<void> {
    await this.call('DELETE', '/api/session');
    this.csrfToken = null;
  }
  queue = () => this.call<QueueStats & { yours: ReviewItem[] }>('GET', '/api/queue');
  claimNext = async () => (await this.call<{ item: ReviewItem | null }>('POST', '/api/queue/claim')).item;
  item = (id: number) => this.call<ItemDetails>('GET', `/api/items/${id}`);
  label = (id: number, body: LabelBody) => this.call<{ label: Label }>('POST', `/api/items/${id}/label`, body);
  correct = (id: number, body: LabelBody) => this.call<{ label: Label }>('POST', `/api/items/${id}/correct`, body);
  skip = (id: number) => this.call<null>('POST', `/api/items/${id}/skip`);
  release = (id: number) => this.call<null>('POST', `/api/items/${id}/release`);
  escalate = (id: number, note: string | undefined) => this.call<null>('POST', `/api/items/${id}/escalate`, note ? { note } : {});
  assign = (id: number, analyst: string) => this.call<null>('POST', `/api/items/${id}/assign`, { analyst });
  search = (query: SearchBy) =>
    this.call<{ items: ReviewItem[] }>('GET', `/api/search?${new URLSearchParams(query).toString()}`);
  dashboard = (hours: number) => this.call<Dashboard>('GET', `/api/dashboard?hours=${hours}`);
}
