/**
 * Collects WHERE conditions with numbered parameters, so optional filters compose without string
 * juggling at each call site. Values always go in as parameters, never into the SQL text.
 */
export class SqlFilter {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  /** Adds a condition; each `?` in it is replaced by the next parameter. */
  add(condition: string, ...values: unknown[]): this {
    let i = 0;
    this.conditions.push(
      condition.replace(/\?/g, () => {
        this.params.push(values[i++]);
        return `$${this.params.length}`;
      }),
    );
    return this;
  }

  /** Adds the condition only when `value` is given. */
  optional(condition: string, value: unknown): this {
    return value === undefined || value === null ? this : this.add(condition, value);
  }

  /** The next parameter's placeholder, for LIMIT and the like. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get where(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }
}

/** timestamptz as ISO 8601 text with microseconds: exact, so it can go into a cursor and back. */
export const isoMicros = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
