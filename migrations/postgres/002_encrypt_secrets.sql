-- webhook_url and bot_token hold AES-256-GCM ciphertext; key_id names the key that sealed them.
ALTER TABLE installations ADD COLUMN key_id text;
