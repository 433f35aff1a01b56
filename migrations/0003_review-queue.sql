-- Up Migration

-- What the review service needs beyond 0001: who skipped, was assigned or escalated an item, and
-- local users with their sessions.
--
-- Skip is per analyst and only lowers the item's place for the analyst who skipped it last: they see
-- it again only when nothing else is left for them, everyone else sees it where it was. That keeps
-- priority meaningful (a skip says "not me", not "less urgent") with one column and no extra table.
ALTER TABLE review_items
  ADD COLUMN skipped_by     text,
  ADD COLUMN skip_count     integer NOT NULL DEFAULT 0,
  -- Set by a lead: only this analyst may claim the item, and it comes before their other work.
  ADD COLUMN assigned_to    text,
  ADD COLUMN escalated_by   text,
  ADD COLUMN escalated_at   timestamptz,
  ADD COLUMN note           text;

-- Claim considers open items and claimed items whose lease has run out, in priority order.
CREATE INDEX review_items_claimable ON review_items (priority DESC, created_at)
  WHERE status IN ('open', 'claimed');
CREATE INDEX review_items_account ON review_items (account_id, created_at DESC);

CREATE TABLE users (
  username       text PRIMARY KEY CHECK (username ~ '^[A-Za-z0-9._-]{1,64}$'),
  role           text NOT NULL CHECK (role IN ('analyst', 'lead', 'admin')),
  -- scrypt$N$r$p$salt$hash (base64): the parameters travel with the hash so they can be raised later.
  password_hash  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a session token is stored: a leaked table row does not sign anyone in.
CREATE TABLE sessions (
  token_hash     bytea PRIMARY KEY,
  username       text NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  csrf_token     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
