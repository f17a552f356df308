-- A workspace's, an org's or a channel's rows in id order, from the index alone. SQLite's indexes on one column keep
-- equal keys in rowid order (its 005 relies on it); PostgreSQL's do not, so with a million rows the planner either
-- sorted every row of the workspace for each page of `list --team` and each "newest install of this workspace", or
-- walked the primary key backwards filtering by workspace (thousands of rows read for one). With the id in the
-- index, both are one index range read (plans checked by test/store-scale-postgres.test.ts at any size).
-- Building them took 9 s on a million rows (a loaded 2-core machine), once, while writes to installations wait.
DROP INDEX installations_by_team;
CREATE INDEX installations_by_team ON installations (team_id, id);
DROP INDEX installations_by_enterprise;
CREATE INDEX installations_by_enterprise ON installations (enterprise_id, id);
DROP INDEX installations_by_channel;
CREATE INDEX installations_by_channel ON installations (channel_id, id);
DROP INDEX installations_active_by_team;
CREATE INDEX installations_active_by_team ON installations (team_id, id) WHERE revoked_at IS NULL;
