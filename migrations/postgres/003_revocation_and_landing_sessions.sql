-- Installations are never deleted when Slack removes them: they are marked revoked, and kept as history.
ALTER TABLE installations ADD COLUMN revoked_at bigint; -- milliseconds since the Unix epoch; NULL while active
ALTER TABLE installations ADD COLUMN revoked_reason text;

CREATE INDEX installations_active_by_team ON installations (team_id) WHERE revoked_at IS NULL;

-- The landing page's short session: it lets the browser that just installed send a test message.
-- Only hashes of the session cookie and of the CSRF token are kept.
CREATE TABLE landing_sessions (
  session_hash    text PRIMARY KEY,
  installation_id bigint NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
  csrf_hash       text NOT NULL,
  expires_at      bigint NOT NULL,
  uses            integer NOT NULL DEFAULT 0
);

CREATE INDEX landing_sessions_by_expiry ON landing_sessions (expires_at);
