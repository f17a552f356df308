-- OAuth states are now signed tokens that carry their own issue time, so issuing one writes nothing.
-- Only their use is recorded, by the token's random nonce, so that each state works once, across restarts too.
DROP TABLE oauth_states;

CREATE TABLE used_oauth_states (
  nonce      TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL -- when the state would have expired anyway; the row can go after that
) STRICT, WITHOUT ROWID;
