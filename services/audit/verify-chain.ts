import type pg from 'pg';

/** The first entry where the chain does not hold, and why. */
export interface BrokenEntry {
  seq: number;
  /** The row's id, or null when the entry is missing altogether. */
  id: string | null;
  reason: 'content-changed' | 'link-broken' | 'entry-missing' | 'head-mismatch';
  detail: string;
}

export interface ChainVerification {
  ok: boolean;
  entriesChecked: number;
  /** The chain's head as recorded when verification began; entries appended later are not checked. */
  head: { seq: number; hash: string };
  firstBroken: BrokenEntry | null;
}

const GENESIS = '0'.repeat(64);
const PAGE = 5000;

interface ChainRow {
  id: string;
  seq: string;
  prev_hash: string;
  hash: string;
  recomputed: string;
}

/**
 * Walks the audit log in chain order and checks each entry: its hash matches its content, its
 * previous hash is the hash of the entry before it, and no sequence number is skipped; finally that
 * the last entry is the head. Reads one snapshot (REPEATABLE READ), so appends made meanwhile neither
 * break nor extend the check. Hashes are recomputed by the same SQL function that wrote them.
 */
export async function verifyAuditChain(
  pool: pg.Pool,
  onProgress?: (progress: { checked: number; total: number }) => void,
): Promise<ChainVerification> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: heads } = await client.query<{ seq: string; hash: string }>(
      `SELECT seq, encode(hash, 'hex') AS hash FROM audit_chain_head`,
    );
    const head = heads[0] ? { seq: Number(heads[0].seq), hash: heads[0].hash } : { seq: 0, hash: GENESIS };
    let expectedSeq = 1;
    let previousHash = GENESIS;
    let checked = 0;
    const broken = (entry: BrokenEntry): ChainVerification => ({ ok: false, entriesChecked: checked, head, firstBroken: entry });

    for (;;) {
      const { rows } = await client.query<ChainRow>(
        `SELECT id, seq, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash,
                encode(audit_entry_hash(seq, at, actor, kind, subject, payload, prev_hash), 'hex') AS recomputed
           FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`,
        [expectedSeq, PAGE],
      );
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq !== expectedSeq) {
          return broken({ seq: expectedSeq, id: null, reason: 'entry-missing', detail: `entry ${expectedSeq} is missing; the next entry is ${seq}` });
        }
        if (row.prev_hash !== previousHash) {
          return broken({ seq, id: row.id, reason: 'link-broken', detail: `entry ${seq} does not point at the hash of entry ${seq - 1}` });
        }
        if (row.recomputed !== row.hash) {
          return broken({ seq, id: row.id, reason: 'content-changed', detail: `entry ${seq}'s content no longer matches its hash` });
        }
        previousHash = row.hash;
        expectedSeq++;
        checked++;
      }
      onProgress?.({ checked, total: head.seq });
      if (rows.length < PAGE) break;
    }
    if (checked !== head.seq || previousHash !== head.hash) {
      return broken({
        seq: checked + 1,
        id: null,
        reason: 'head-mismatch',
        detail:
          checked < head.seq
            ? `the chain ends at entry ${checked}, but the head records entry ${head.seq}: entries were removed from the end`
            : `the last entry (${checked}) is not the head the chain records (${head.seq})`,
      });
    }
    return { ok: true, entriesChecked: checked, head, firstBroken: null };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
  }
}
