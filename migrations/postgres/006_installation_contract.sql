-- As SQLite's 006: everything of @slack/oauth's Installation that an install or a Bolt app hands the store, so
-- fetchInstallation gives it back: the bot's id, rotating tokens (refresh token and expiry, bot and user), the
-- installer's user token and scopes, the org's URL, the token type and auth version. Tokens and refresh tokens are
-- sealed like bot_token. Expiries are unix seconds, as @slack/oauth keeps them.
ALTER TABLE installations ADD COLUMN bot_id text;
ALTER TABLE installations ADD COLUMN bot_refresh_token text;
ALTER TABLE installations ADD COLUMN bot_expires_at bigint;
ALTER TABLE installations ADD COLUMN user_token text;
ALTER TABLE installations ADD COLUMN user_scopes text;
ALTER TABLE installations ADD COLUMN user_refresh_token text;
ALTER TABLE installations ADD COLUMN user_expires_at bigint;
ALTER TABLE installations ADD COLUMN enterprise_url text;
ALTER TABLE installations ADD COLUMN token_type text;
ALTER TABLE installations ADD COLUMN auth_version text;
