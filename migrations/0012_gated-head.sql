-- Up Migration

-- The head a promotion gate judged, when it is not the head that scores. A trained head is judged
-- on the newest labels, held out; once promoted, the same recipe is refit on every label, held-out
-- ones included, so the newest labels reach the live head at once rather than when they stop being
-- the newest. The next round judges its candidate against this head, not the refit one: the refit
-- head has seen part of the next holdout, and would win every comparison on it.
ALTER TABLE model_versions ADD COLUMN gated_head jsonb;
