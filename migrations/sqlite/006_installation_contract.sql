-- Everything of @slack/oauth's Installation that an install or a Bolt app hands the store, so fetchInstallation
-- gives it back: the bot's id (B…), rotating tokens (refresh token and expiry, bot and user), the installer's user
-- token and scopes, the org's URL, the token type and auth version. Tokens and refresh tokens are sealed like
-- bot_token (AES-256-GCM under key_id, associated data naming the column). Expiries are unix seconds, as
-- @slack/oauth keeps them. Rows from before this migration keep NULL here and read as they did.
ALTER TABLE installations ADD COLUMN bot_id TEXT;
ALTER TABLE installations ADD COLUMN bot_refresh_token TEXT;
ALTER TABLE installations ADD COLUMN bot_expires_at INTEGER;
ALTER TABLE installations ADD COLUMN user_token TEXT;
ALTER TABLE installations ADD COLUMN user_scopes TEXT;
ALTER TABLE installations ADD COLUMN user_refresh_token TEXT;
ALTER TABLE installations ADD COLUMN user_expires_at INTEGER;
ALTER TABLE installations ADD COLUMN enterprise_url TEXT;
ALTER TABLE installations ADD COLUMN token_type TEXT;
ALTER TABLE installations ADD COLUMN auth_version TEXT;
