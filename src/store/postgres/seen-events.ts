import { SEEN_EVENT_TTL_MS } from '../seen-events.js';
import type { SeenEvents } from '../types.js';
import type { Pg } from './database.js';

// One statement, atomic across replicas: a new event_id is inserted, one seen more than an hour ago is taken over,
// and one seen within the hour changes nothing (no row comes back).
const SEE = {
  name: 'seen-events-see',
  text: `INSERT INTO seen_events (event_id, seen_at) VALUES ($1, $2)
    ON CONFLICT (event_id) DO UPDATE SET seen_at = EXCLUDED.seen_at WHERE seen_events.seen_at <= $3
    RETURNING event_id`,
};
const PRUNE_EVERY_MS = 60_000;

/** The `seen_events` table in PostgreSQL. */
export class PostgresSeenEvents implements SeenEvents {
  readonly #db;
  #prunedAt = 0;

  constructor(db: Pg) {
    this.#db = db;
  }

  async firstSighting(eventId: string, now = Date.now()): Promise<boolean> {
    const first = (await this.#db.query(SEE, [eventId, now, now - SEEN_EVENT_TTL_MS])).length === 1;
    if (now - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = now;
      await this.#db.run('DELETE FROM seen_events WHERE seen_at <= $1', [now - SEEN_EVENT_TTL_MS]);
    }
    return first;
  }

  async forget(eventId: string): Promise<void> {
    await this.#db.run('DELETE FROM seen_events WHERE event_id = $1', [eventId]);
  }
}
