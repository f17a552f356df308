-- The indexes SQLite's 005 adds, so that start-up, installs and the operator's commands take the same time with a
-- million rows as with none: key ids in use, a workspace's or a channel's rows in id order, revoked rows by date for
-- prune, an installation's landing sessions (the foreign key's cascade), and expired OAuth state uses by date.
DROP INDEX installations_by_team;
CREATE INDEX installations_by_team ON installations (team_id);
DROP INDEX installations_by_enterprise;
CREATE INDEX installations_by_enterprise ON installations (enterprise_id);
CREATE INDEX installations_by_key ON installations (key_id);
CREATE INDEX installations_by_channel ON installations (channel_id);
CREATE INDEX installations_revoked ON installations (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX landing_sessions_by_installation ON landing_sessions (installation_id);
CREATE INDEX used_oauth_states_by_expiry ON used_oauth_states (expires_at);
