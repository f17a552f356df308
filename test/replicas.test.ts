// Two server processes on one real PostgreSQL, as behind a load balancer (issue 10): each test sends the requests
// of a flow to the replicas it chooses.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { SecretBox } from '../src/crypto/secret-box.js';
import { PostgresStore } from '../src/store/postgres/store.js';
import { Browser, webhookUrlFrom } from './helpers.js';
import { postgresForFile } from './support/postgres.js';
import { at, consentVia, installAcross, replicas, startCountingEmulator } from './support/replicas.js';

const pg = postgresForFile();
const skip = pg.skip;

/**
 * A new database, the counting emulator, and two replicas on it started together; `openStore()` opens the database as
 * a third process would, to read what the replicas wrote.
 */
async function twoReplicas(t: TestContext) {
  const emu = await startCountingEmulator(t);
  const url = await pg.cluster().createDatabase();
  const key = randomBytes(32).toString('base64');
  const cluster = await replicas(emu, url, key);
  const [a, b] = await Promise.all([cluster.start(t), cluster.start(t)]);
  const openStore = async () => {
    const opened = await PostgresStore.open(
      { url, poolSize: 2, connectTimeoutMs: 10_000 },
      new SecretBox(Buffer.from(key, 'base64')),
      () => {},
    );
    t.after(() => opened.close());
    return opened;
  };
  return { emu, url, cluster, a, b, openStore };
}

test(
  'replicas started together on an empty database all come up, apply each migration once and print one install URL',
  { skip },
  async (t) => {
    const { url, cluster, a, b, openStore } = await twoReplicas(t);
    assert.equal(a.installUrl, b.installUrl, 'the generated install secret is created once');
    assert.match(a.installUrl, new RegExp(`^${cluster.publicUrl}/slack/install/[\\w-]{32}$`));
    const versions = await pg
      .cluster()
      .sql<{ version: number; n: string }>(
        url,
        'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
    const store = await openStore();
    assert.deepEqual(
      versions.map((v) => [v.version, Number(v.n)]),
      Array.from({ length: store.shippedVersion }, (_, i) => [i + 1, 1]),
    );
    for (const replica of [a, b]) assert.equal((await fetch(`${replica.direct}/readyz`)).status, 200);
  },
);

test(
  'a flow that starts on one replica and comes back to the other completes; its test messages count on both',
  { skip },
  async (t) => {
    const { a, b, openStore } = await twoReplicas(t);

    const { res, html, browser } = await installAcross(a, b);
    assert.equal(res.status, 200, html);
    const webhookUrl = webhookUrlFrom(html);
    const back = await installAcross(b, a);
    assert.equal(back.res.status, 200, back.html);
    const store = await openStore();
    assert.deepEqual(
      (await store.installations.list()).map((r) => r.webhookUrl),
      [webhookUrl, webhookUrlFrom(back.html)],
    );

    // The landing session was created by b; its five test messages are counted across both replicas.
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const statuses: number[] = [];
    for (const replica of [a, b, a, b, a, b]) {
      statuses.push((await browser.post(`${replica.direct}/slack/test-message`, { csrf })).status);
    }
    // Each press comes back to the landing page (303); the sixth, refused, too: the page then says why.
    assert.deepEqual(statuses, [303, 303, 303, 303, 303, 303]);
  },
);

test(
  'one callback raced on two replicas: one landing page, one clear 4xx page, one row, one oauth.v2.access call',
  { skip },
  async (t) => {
    const { emu, a, b, openStore } = await twoReplicas(t);
    const store = await openStore();

    for (let round = 1; round <= 3; round++) {
      const browser = new Browser();
      const callback = await consentVia(browser, round % 2 === 0 ? a : b);
      const before = emu.exchanges();
      const answers = await Promise.all([a, b].map((replica) => browser.get(at(replica, callback))));
      const pages = await Promise.all(answers.map((r) => r.text()));
      assert.deepEqual(answers.map((r) => r.status).sort(), [303, 400], pages.join('\n---\n'));
      const refused = pages[answers.findIndex((r) => r.status === 400)]!;
      assert.match(refused, /already used/);
      assert.equal(emu.exchanges() - before, 1, 'Slack was asked once');
      assert.equal(await store.installations.count(), round);
    }
  },
);

test(
  'one replica SIGKILLed in the middle of a stream of installs: every landing page shown is stored, the other goes on',
  { skip },
  async (t) => {
    const { a, b, openStore } = await twoReplicas(t);

    const shown: string[] = [];
    let killed: Promise<number | null> | undefined;
    const worker = async (n: number) => {
      for (let i = 0; i < 8; i++) {
        // Round robin while a is up: start on one replica, finish on the other.
        const [start, finish] = killed === undefined ? ((n + i) % 2 === 0 ? [a, b] : [b, a]) : [b, b];
        try {
          const { res, html } = await installAcross(start, finish);
          if (res.status === 200) shown.push(webhookUrlFrom(html));
        } catch {
          // a request to the killed replica: the browser sees a connection error, and nothing was shown
        }
        if (killed === undefined && shown.length >= 6) killed = a.stop('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, n) => worker(n)));
    assert.ok(killed !== undefined, `${shown.length} installs completed`);
    await killed;

    const stored = new Set((await (await openStore()).installations.list()).map((r) => r.webhookUrl));
    for (const webhook of shown) assert.ok(stored.has(webhook), 'every landing page shown is stored');
    assert.ok(shown.length > 6, 'installs went on through the other replica');
    const after = await installAcross(b, b);
    assert.equal(after.res.status, 200);
  },
);
