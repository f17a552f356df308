// slack-webhook-installer/store over a server's PostgreSQL database: what the server stored, a Bolt app reads.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { InstallProvider } from '@slack/oauth';
import { openInstallationStore } from 'slack-webhook-installer/store';
import { Browser, install, startApp, TEST_APP } from './helpers.js';
import { postgresForFile } from './support/postgres.js';

const pg = postgresForFile();

test(
  'openInstallationStore({ databaseUrl }) authorizes with the installs a server on PostgreSQL recorded',
  { skip: pg.skip },
  async (t) => {
    const url = await pg.cluster().createDatabase();
    const key = randomBytes(32).toString('base64');
    const { app } = await startApp(t, { DATABASE_URL: url, ENCRYPTION_KEY: key });
    assert.equal((await install(new Browser(), app.installUrl)).res.status, 200);
    const store = await openInstallationStore({ databaseUrl: url, encryptionKey: key, poolSize: 2 });
    t.after(() => store.close());
    const provider = new InstallProvider({
      clientId: TEST_APP.clientId,
      clientSecret: TEST_APP.clientSecret,
      stateSecret: 'unused-here',
      installationStore: store,
    });
    const query = { teamId: 'T0ACME0001', enterpriseId: undefined, isEnterpriseInstall: false };
    const authorized = await provider.authorize(query);
    assert.equal(authorized.botToken, (await app.store.installations.list())[0]!.botToken);
    await store.deleteInstallation(query);
    await assert.rejects(provider.authorize(query));
  },
);
