-- The landing page has an address of its own (Post/Redirect/Get): /slack/installed/<landing_id>, an opaque random id.
-- Rows from before have none: their landing pages were shown once, by the callback itself.
ALTER TABLE installations ADD COLUMN landing_id TEXT;
CREATE UNIQUE INDEX installations_by_landing_id ON installations (landing_id);

-- The landing session remembers the nonce of the OAuth state that completed its install (so a reload of the used
-- callback in the same browser is told from a stranger's) and the result of its last test message.
ALTER TABLE landing_sessions ADD COLUMN state_nonce TEXT;
ALTER TABLE landing_sessions ADD COLUMN last_test TEXT; -- JSON: {"ok": boolean, "message": string}

-- Generated values such as the install secret are sealed like webhook URLs; key_id names the key (NULL: plaintext,
-- from before this migration, sealed at start-up).
ALTER TABLE settings ADD COLUMN key_id TEXT;
