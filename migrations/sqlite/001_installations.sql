-- One row per completed install. Never upserted: two installs into one workspace are two rows.
CREATE TABLE installations (
  id                    INTEGER PRIMARY KEY,
  team_id               TEXT,
  team_name             TEXT,
  enterprise_id         TEXT,
  enterprise_name       TEXT,
  is_enterprise_install INTEGER NOT NULL DEFAULT 0 CHECK (is_enterprise_install IN (0, 1)),
  channel_id            TEXT NOT NULL,
  channel_name          TEXT NOT NULL,
  webhook_url           TEXT NOT NULL,
  configuration_url     TEXT,
  app_id                TEXT,
  bot_user_id           TEXT,
  bot_token             TEXT,
  scopes                TEXT NOT NULL,
  installer_user_id     TEXT,
  installed_at          INTEGER NOT NULL -- milliseconds since the Unix epoch
) STRICT;

CREATE INDEX installations_by_team ON installations (team_id, installed_at);
CREATE INDEX installations_by_enterprise ON installations (enterprise_id, installed_at);

-- OAuth state values, stored as SHA-256 hashes; a row is marked used once, so a state cannot be replayed.
CREATE TABLE oauth_states (
  state_hash      TEXT PRIMARY KEY,
  install_options TEXT NOT NULL,
  expires_at      INTEGER NOT NULL,
  used_at         INTEGER
) STRICT;

CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);

-- Values the server generates once and keeps, such as the install secret.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
