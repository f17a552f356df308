/**
 * How long an Events API delivery's event_id is remembered. Slack retries a delivery three times within about an
 * hour and a half at most, and a signed request is refused after five minutes anyway, so an hour covers every
 * retry that could still be accepted and any replay of a captured request.
 */
export const SEEN_EVENT_TTL_MS = 60 * 60 * 1000;
