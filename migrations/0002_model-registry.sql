-- Up Migration

-- What the registry needs beyond 0001: the model's manifest (architecture, feature names, weight
-- shapes), its calibration (the quantile sketch that turns errors into percentiles), and where it
-- was trained. Decisions record the feature spec their vector was encoded with.
ALTER TABLE model_versions
  ADD COLUMN manifest     jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN calibration  jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN training     jsonb NOT NULL DEFAULT '{}';

ALTER TABLE decisions ADD COLUMN feature_spec_version text;
