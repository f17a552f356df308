import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { openStore, type Store } from '../store/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
  }
}

/** Opens and migrates the database once, and closes it when the app closes. */
export default fp(
  async (app, opts: { config: Config }) => {
    const store = await openStore(opts.config, { log: (message) => app.log.warn(message) });
    app.decorate('store', store);
    app.addHook('onClose', async () => store.close());
  },
  { name: 'store' },
);
