-- Events API deliveries already handled, by Slack's event_id, so that a replay or a retry within the hour is
-- answered and ignored. In the database rather than in memory: it holds across restarts and for every replica.
CREATE TABLE seen_events (
  event_id TEXT PRIMARY KEY,
  seen_at  INTEGER NOT NULL -- milliseconds since the Unix epoch
) STRICT;

CREATE INDEX seen_events_by_time ON seen_events (seen_at);
