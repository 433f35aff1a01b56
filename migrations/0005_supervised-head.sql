-- Up Migration

-- A model version may carry a supervised head (services/model/supervised-head.ts) trained on labels
-- on top of its autoencoder: logistic-regression weights as JSON. Versions without one score with
-- the prior + rules + anomaly policy alone.
ALTER TABLE model_versions ADD COLUMN head jsonb;
