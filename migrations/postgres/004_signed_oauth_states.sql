-- OAuth states are signed tokens that carry their own issue time, so issuing one writes nothing.
-- A state's use is claimed here, by its random nonce, before Slack is called: the primary key makes the claim
-- atomic across replicas (INSERT … ON CONFLICT DO NOTHING inserts for exactly one of them).
DROP TABLE oauth_states;

CREATE TABLE used_oauth_states (
  nonce      text PRIMARY KEY,
  expires_at bigint NOT NULL -- when the state would have expired anyway; the row can go after that
);
