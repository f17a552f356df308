import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { tempDir } from '../helpers.js';
import { conformance } from './conformance.js';

conformance('SqliteStore', {
  fresh: async (t, box) => {
    const path = join(tempDir(t), 'installations.db');
    const store = await SqliteStore.open(path, box);
    t.after(() => store.close());
    return { store, open: (other) => SqliteStore.open(path, other) };
  },
  rawWebhookUrl: async (store, id) => {
    const { db } = store as SqliteStore;
    return db.prepare<[number], { webhook_url: string }>('SELECT webhook_url FROM installations WHERE id = ?').get(id)!
      .webhook_url;
  },
});
