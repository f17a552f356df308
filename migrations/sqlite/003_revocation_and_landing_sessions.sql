-- Installations are never deleted when Slack removes them: they are marked revoked, and kept as history.
ALTER TABLE installations ADD COLUMN revoked_at INTEGER; -- milliseconds since the Unix epoch; NULL while active
ALTER TABLE installations ADD COLUMN revoked_reason TEXT;

CREATE INDEX installations_active_by_team ON installations (team_id) WHERE revoked_at IS NULL;

-- The landing page's short session: it lets the browser that just installed send a test message.
-- Only hashes of the session cookie and of the CSRF token are kept.
CREATE TABLE landing_sessions (
  session_hash    TEXT PRIMARY KEY,
  installation_id INTEGER NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
  csrf_hash       TEXT NOT NULL,
  expires_at      INTEGER NOT NULL,
  uses            INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX landing_sessions_by_expiry ON landing_sessions (expires_at);
