-- As SQLite's 007: Events API deliveries already handled, by Slack's event_id, so that a replay or a retry within the
-- hour is answered and ignored, across restarts and by every replica.
CREATE TABLE seen_events (
  event_id text PRIMARY KEY,
  seen_at  bigint NOT NULL -- milliseconds since the Unix epoch
);

CREATE INDEX seen_events_by_time ON seen_events (seen_at);
