import type { Delivery } from './events.js';

/** A line on the home page's "What happened" list. */
export interface ActivityEntry {
  at: Date;
  text: string;
  deliveries: Delivery[];
}

// A cap keeps a public demo from growing memory without bound.
const MAX_ACTIVITY = 50;

/** What uninstalls, kills, removals and archives did, with their event deliveries. */
export class ActivityLog {
  private readonly log: ActivityEntry[] = [];

  constructor(private readonly now: () => number) {}

  record(text: string, deliveries: Delivery[] = []): void {
    this.log.push({ at: new Date(this.now()), text, deliveries });
    if (this.log.length > MAX_ACTIVITY) this.log.splice(0, this.log.length - MAX_ACTIVITY);
  }

  /** Newest first, as copies. */
  entries(): ActivityEntry[] {
    return this.log.map((entry) => ({ ...entry, deliveries: entry.deliveries.map((d) => ({ ...d })) })).reverse();
  }
}
