-- Up Migration

-- When an item left the analysts' queue (labelled or escalated). The dashboard's queue depth at a time
-- t is "created by t and not resolved by t", which needs this moment kept, not recomputed from labels.
ALTER TABLE review_items ADD COLUMN resolved_at timestamptz;
UPDATE review_items ri SET resolved_at = coalesce(
  (SELECT min(l.labeled_at) FROM labels l WHERE l.transaction_id = ri.transaction_id), ri.escalated_at, ri.updated_at)
 WHERE status IN ('labeled', 'escalated');
CREATE INDEX review_items_created ON review_items (created_at);
CREATE INDEX review_items_resolved ON review_items (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX labels_labeled_at ON labels (labeled_at);

-- Labels waiting to go on the `labels` topic. A label and its outbox row are written in one
-- transaction; a publisher sends and then deletes the row, so a crash between commit and send
-- delays the topic copy instead of losing it (at least once; consumers key on the label id).
CREATE TABLE label_outbox (
  label_id     bigint PRIMARY KEY REFERENCES labels (id),
  enqueued_at  timestamptz NOT NULL DEFAULT now()
);

-- A correction names the label it corrects; the latest label of a transaction counts.
ALTER TABLE labels ADD COLUMN corrects bigint REFERENCES labels (id);

-- The parameters behind each policy version a decision names (the version is their hash), so a
-- reader can see the threshold a decision was held to and a replay can use the same policy.
CREATE TABLE policy_versions (
  version        text PRIMARY KEY,
  params         jsonb NOT NULL,
  first_used_by  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
