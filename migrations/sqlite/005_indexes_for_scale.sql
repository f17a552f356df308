-- Indexes so that start-up, installs and the operator's commands take the same time with a million rows as with
-- none (each query's plan is checked in test/store-scale.test.ts):
-- - start-up asks which key ids rows are sealed under, and which rows are still plaintext: key_id;
-- - `list --team` and `list --channel` read a workspace's or a channel's rows in id order: an index on the column
--   alone keeps equal keys in rowid order, so SQLite need not sort them (the (team_id, installed_at) and
--   (enterprise_id, installed_at) indexes made it sort; the newest installation is now found by id);
-- - `prune` finds revoked rows by date, and deleting an installation finds its landing sessions (the foreign key's
--   cascade) without reading all of them;
-- - every install prunes expired OAuth state uses by date.
DROP INDEX installations_by_team;
CREATE INDEX installations_by_team ON installations (team_id);
DROP INDEX installations_by_enterprise;
CREATE INDEX installations_by_enterprise ON installations (enterprise_id);
CREATE INDEX installations_by_key ON installations (key_id);
CREATE INDEX installations_by_channel ON installations (channel_id);
CREATE INDEX installations_revoked ON installations (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX landing_sessions_by_installation ON landing_sessions (installation_id);
CREATE INDEX used_oauth_states_by_expiry ON used_oauth_states (expires_at);
