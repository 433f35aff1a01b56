-- Up Migration

-- A model version may carry a supervised head (services/model/supervised-head.ts) trained on labels
-- on top of its autoencoder: logistic-regression weights as JSON. Versions without one score with
-- the prior + rules + anomaly policy alone.
ALTER TABLE model_versions ADD COLUMN head jsonb;

-- A chargeback for a transaction, reported at a given time, is recorded once: re-running an import
-- or re-reading the chargebacks topic adds nothing.
CREATE UNIQUE INDEX labels_chargeback_once ON labels (transaction_id, labeled_at) WHERE source = 'chargeback';
