-- webhook_url and bot_token now hold AES-256-GCM ciphertext; key_id names the key that sealed them.
-- Rows written before this migration have key_id NULL and are sealed by the server at start-up.
ALTER TABLE installations ADD COLUMN key_id TEXT;
