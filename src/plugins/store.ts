import fp from 'fastify-plugin';
import { Store } from '../store/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
  }
}

/** Opens and migrates the database once, and closes it when the app closes. */
export default fp(
  async (app, opts: { databasePath: string }) => {
    const store = Store.open(opts.databasePath);
    app.decorate('store', store);
    app.addHook('onClose', async () => store.close());
  },
  { name: 'store' },
);
