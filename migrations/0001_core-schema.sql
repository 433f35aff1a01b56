-- Up Migration

-- Every decision, with what it takes to replay it: the validated input, the facts and feature
-- vector it saw, and the model, rules and policy versions that made it. One row per transaction id:
-- the primary key is the idempotency key that makes replays after a crash change nothing.
CREATE TABLE decisions (
  transaction_id   text PRIMARY KEY,
  account_id       text NOT NULL,
  action           text NOT NULL CHECK (action IN ('approve', 'decline', 'review')),
  probability      double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
  confidence       double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  decided_by       text NOT NULL,
  anomaly          jsonb,
  rule_hits        jsonb NOT NULL,
  evidence         jsonb NOT NULL,
  transaction      jsonb NOT NULL,
  facts            jsonb NOT NULL,
  feature_vector   real[],
  model_version    text,
  rules_version    text NOT NULL,
  policy_version   text NOT NULL,
  event_time       timestamptz NOT NULL,
  decided_at       timestamptz NOT NULL,
  latency_ms       double precision NOT NULL,
  -- Where the transaction was read from: tells a crash replay (same record) from a duplicate send.
  source_topic     text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  scorer_instance  text NOT NULL
);
CREATE INDEX decisions_account_time ON decisions (account_id, event_time DESC);
CREATE INDEX decisions_decided_at ON decisions (decided_at DESC);
CREATE INDEX decisions_action_time ON decisions (action, decided_at DESC);
CREATE INDEX decisions_model_version ON decisions (model_version, decided_at DESC);

-- The same transaction id sent again (a producer retry, a replayed file) gets no second decision;
-- it is counted here so that nothing arriving on the topic is unaccounted for.
CREATE TABLE duplicate_transactions (
  transaction_id   text NOT NULL REFERENCES decisions (transaction_id),
  source_topic     text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_topic, source_partition, source_offset)
);

CREATE TABLE review_items (
  id               bigserial PRIMARY KEY,
  transaction_id   text NOT NULL UNIQUE REFERENCES decisions (transaction_id),
  account_id       text NOT NULL,
  status           text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'claimed', 'labeled', 'escalated')),
  priority         double precision NOT NULL,
  claimed_by       text,
  lease_expires_at timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_items_open_priority ON review_items (priority DESC, created_at) WHERE status = 'open';

-- Append-only: a correction is a new row; the latest per transaction counts.
CREATE TABLE labels (
  id               bigserial PRIMARY KEY,
  transaction_id   text NOT NULL,
  label            text NOT NULL CHECK (label IN ('fraud', 'legit')),
  source           text NOT NULL CHECK (source IN ('review', 'chargeback')),
  analyst          text NOT NULL,
  note             text,
  reason_code      text,
  labeled_at       timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX labels_transaction ON labels (transaction_id, id DESC);
CREATE INDEX labels_analyst_time ON labels (analyst, labeled_at DESC);

CREATE TABLE model_versions (
  id                   text PRIMARY KEY,
  parent_id            text REFERENCES model_versions (id),
  feature_spec_version text NOT NULL,
  feature_spec         jsonb NOT NULL,
  normalisation        jsonb NOT NULL,
  weights              bytea NOT NULL,
  metrics              jsonb NOT NULL DEFAULT '{}',
  training_from        timestamptz,
  training_to          timestamptz,
  status               text NOT NULL DEFAULT 'candidate'
                       CHECK (status IN ('candidate', 'champion', 'rejected', 'retired')),
  reason               text,
  promoted_by          text,
  promoted_at          timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now()
);
-- At most one champion at a time, enforced by the database rather than by care.
CREATE UNIQUE INDEX model_versions_one_champion ON model_versions ((true)) WHERE status = 'champion';

-- Rule sets by content hash: the same files always have the same version.
CREATE TABLE rule_sets (
  version          text PRIMARY KEY,
  files            jsonb NOT NULL,
  rules            jsonb NOT NULL,
  first_loaded_by  text NOT NULL,
  first_loaded_at  timestamptz NOT NULL DEFAULT now()
);

-- Per-account facts (velocity windows, known devices and countries). Written in the same database
-- transaction as the decisions that changed it, so a replayed batch never counts twice.
CREATE TABLE account_state (
  account_id       text PRIMARY KEY,
  state            jsonb NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Who did what, when. Rows are only ever added: the trigger below refuses UPDATE and DELETE.
CREATE TABLE audit_log (
  id               bigserial PRIMARY KEY,
  at               timestamptz NOT NULL DEFAULT now(),
  actor            text NOT NULL,
  kind             text NOT NULL,
  subject          text,
  payload          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject, id);
CREATE INDEX audit_log_kind_time ON audit_log (kind, at DESC);

CREATE FUNCTION refuse_change_to_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_append_only();

CREATE TRIGGER labels_append_only
  BEFORE UPDATE OR DELETE ON labels
  FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();
