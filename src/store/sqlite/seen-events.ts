import { SEEN_EVENT_TTL_MS } from '../seen-events.js';
import type { SeenEvents } from '../types.js';
import type { Db } from './database.js';

/** The `seen_events` table in SQLite. */
export class SqliteSeenEvents implements SeenEvents {
  readonly #see;
  readonly #forget;

  constructor(db: Db) {
    const prune = db.prepare<[number], never>('DELETE FROM seen_events WHERE seen_at <= ?');
    const insert = db.prepare<[string, number], never>(
      'INSERT INTO seen_events (event_id, seen_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING',
    );
    // One transaction: entries older than an hour are forgotten, then this one is recorded unless it is there.
    this.#see = db.transaction((eventId: string, now: number) => {
      prune.run(now - SEEN_EVENT_TTL_MS);
      return insert.run(eventId, now).changes === 1;
    });
    this.#forget = db.prepare<[string], never>('DELETE FROM seen_events WHERE event_id = ?');
  }

  async firstSighting(eventId: string, now = Date.now()): Promise<boolean> {
    return this.#see(eventId, now);
  }

  async forget(eventId: string): Promise<void> {
    this.#forget.run(eventId);
  }
}
