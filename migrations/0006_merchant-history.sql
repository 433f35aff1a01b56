-- Up Migration

-- Label-derived merchant features in the live scorer. A merchant's transactions arrive on every
-- partition (they are keyed by account), so its history is kept here, shared by all scorers: the
-- transaction count per UTC day, incremented in the same transaction as the decisions (a replayed
-- batch adds nothing), and its confirmed frauds read from labels joined to decisions by merchant.
ALTER TABLE decisions ADD COLUMN merchant_id text GENERATED ALWAYS AS (transaction->>'merchantId') STORED;
CREATE INDEX decisions_merchant_time ON decisions (merchant_id, event_time);

CREATE TABLE merchant_days (
  merchant_id  text NOT NULL,
  day          integer NOT NULL,          -- days since 1970-01-01, UTC
  count        integer NOT NULL,
  PRIMARY KEY (merchant_id, day)
);
