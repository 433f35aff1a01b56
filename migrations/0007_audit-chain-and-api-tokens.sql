-- Up Migration

-- The audit log becomes a hash chain. Each entry carries a gapless sequence number, the previous
-- entry's hash and its own: sha256 over its content and the previous hash. The chain is linked by
-- the database itself (a BEFORE INSERT trigger), so no writer can forget or get it wrong, and the
-- order is the order in which entries committed: the trigger locks the single head row, which stays
-- locked until the inserting transaction ends (a rolled-back entry leaves no gap).
--
-- Changing an entry breaks its hash; deleting one breaks the sequence or the next entry's link;
-- cutting the tail leaves the head row pointing past the end. `loupe audit verify` and the GraphQL
-- `verifyAuditChain` query walk the chain and name the first broken entry.

-- The canonical text of an entry: a JSON array (jsonb's text form is deterministic: keys sorted,
-- fixed spacing), the time in UTC with microseconds. Used by the trigger and by verification alike.
CREATE FUNCTION audit_entry_hash(seq bigint, at timestamptz, actor text, kind text, subject text, payload jsonb, prev_hash bytea)
RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT sha256(convert_to(jsonb_build_array(
    seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, kind, subject, payload, encode(prev_hash, 'hex')
  )::text, 'UTF8'))
$$;

CREATE TABLE audit_chain_head (
  only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  seq       bigint NOT NULL,
  hash      bytea NOT NULL
);

ALTER TABLE audit_log
  ADD COLUMN seq       bigint,
  ADD COLUMN prev_hash bytea,
  ADD COLUMN hash      bytea;

-- Entries written before this migration are chained in id order (the guard is lifted for that alone).
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
DO $$
DECLARE
  entry record;
  previous bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
  n bigint := 0;
BEGIN
  FOR entry IN SELECT id, at, actor, kind, subject, payload FROM audit_log ORDER BY id LOOP
    n := n + 1;
    UPDATE audit_log
       SET seq = n, prev_hash = previous,
           hash = audit_entry_hash(n, entry.at, entry.actor, entry.kind, entry.subject, entry.payload, previous)
     WHERE id = entry.id
    RETURNING hash INTO previous;
  END LOOP;
  INSERT INTO audit_chain_head (seq, hash) VALUES (n, previous);
END;
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;

ALTER TABLE audit_log
  ALTER COLUMN seq SET NOT NULL,
  ALTER COLUMN prev_hash SET NOT NULL,
  ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
-- Decision batches name their transactions; "which audit entries touch transaction X" reads this.
CREATE INDEX audit_log_transaction_ids ON audit_log USING gin ((payload -> 'transactionIds') jsonb_path_ops);

CREATE FUNCTION audit_chain_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head audit_chain_head%ROWTYPE;
BEGIN
  SELECT * INTO head FROM audit_chain_head FOR UPDATE;
  NEW.seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  NEW.hash := audit_entry_hash(NEW.seq, NEW.at, NEW.actor, NEW.kind, NEW.subject, NEW.payload, NEW.prev_hash);
  UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash;
  RETURN NEW;
END;
$$;
CREATE TRIGGER audit_log_chain
  BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_chain_link();

-- The head moves only through the trigger above; removing it would let the chain restart unnoticed.
CREATE TRIGGER audit_chain_head_kept
  BEFORE DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();
CREATE TRIGGER audit_chain_head_no_truncate
  BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_append_only();

-- API tokens for the audit API. Only the SHA-256 of a token is stored, as for review sessions.
CREATE TABLE api_tokens (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
  role         text NOT NULL CHECK (role IN ('auditor', 'analyst', 'admin')),
  token_hash   bytea NOT NULL UNIQUE,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  revoked_at   timestamptz
);

-- Lists the audit API pages through, newest first, with a stable tie-break.
CREATE INDEX decisions_account_decided ON decisions (account_id, decided_at DESC, transaction_id DESC);
CREATE INDEX decisions_rule_hits ON decisions USING gin (rule_hits jsonb_path_ops);
