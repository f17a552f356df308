// However a request line spells a path (absolute form, doubled slashes, dot segments, percent-encoding, a bad
// escape), it is answered as that path and logged without the install secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { originForm } from '../src/input.js';
import { logPath, safeUrl } from '../src/logger.js';
import { rawGet } from './raw-http.js';
import { startServerProcess } from './helpers.js';

const SECRET = 'request-target-secret-0123456789abcdef';

test('a raw-socket client finds the install secret in the server’s output once: the start-up banner', async (t) => {
  const server = await startServerProcess(t, { INSTALL_SECRET: SECRET, LOG_LEVEL: 'trace' });
  const port = Number(new URL(server.url).port);
  const ask = (target: string, headers?: string) => rawGet(port, target, headers);

  // Absolute-form request lines are answered as their path, whatever the host.
  for (const target of [
    `http://evil.example/slack/install/${SECRET}`,
    `https://127.0.0.1:1/slack/install/${SECRET}?x=1`,
    `http://user:pass@evil.example/slack/install/${SECRET}`,
  ]) {
    const res = await ask(target);
    assert.equal(res.status, 302, target);
    assert.match(res.text, /\r\nlocation: [^\r]*\/_emulator\/oauth\/v2\/authorize\?/i, target);
  }
  assert.equal((await ask(`http://evil.example/nothing-here`)).status, 404);

  // Other spellings of the install path: routed or not, none may put the secret in the log.
  const spellings = [
    `/slack//install/${SECRET}`,
    `//slack/install/${SECRET}`,
    `/slack/./install/${SECRET}`,
    `/x/../slack/install/${SECRET}`,
    `/slack/%69nstall/${SECRET}`,
    `/slack/%2569nstall/${SECRET}`,
    `/slack%2Finstall%2F${SECRET}`,
    `/slack/install/${SECRET}/%`,
    `/%/slack/install/${SECRET}`,
    `/slack/install/%${SECRET.slice(0, 2)}${SECRET.slice(2)}`,
    `/anything/${SECRET}`,
    `/slack/install/${SECRET}#fragment`,
  ];
  for (const target of spellings) {
    const res = await ask(target);
    assert.ok(res.status !== undefined && res.status < 500, `${target}: ${res.status}`);
  }
  assert.equal((await ask(`/%`)).status, 400);
  // Headers over the limit: refused by Node's parser before any route, and logged without the request line.
  assert.equal((await ask(`/slack/install/${SECRET}`, `x-big: ${'a'.repeat(20_000)}\r\n`)).status, 431);

  assert.equal(await server.stop('SIGTERM'), 0);
  const output = server.output();
  assert.equal(output.split(SECRET).length - 1, 1, `the secret appears once:\n${output}`);
  const lines = output.split('\n').filter((l) => l.startsWith('{'));
  assert.ok(lines.filter((l) => l.includes('"msg":"request"')).length >= spellings.length + 5, 'a line per request');
  assert.match(output, new RegExp(`Install URL[^\\n]*\\n\\s*\\n\\s*\\S+/slack/install/${SECRET}\\n`));
});

test('the logged path is the parsed one: no scheme or host, no query, slashes and dot segments normalised', () => {
  const cases: Array<[string, string]> = [
    ['/healthz', '/healthz'],
    ['http://evil.example/slack/install/s3cret', '/slack/install/[redacted]'],
    ['HTTPS://evil.example:8443', '/'],
    ['/slack//install/s3cret', '/slack/install/[redacted]'],
    ['/slack/%69nstall/s3cret', '/slack/install/[redacted]'],
    ['/slack/%2569nstall/s3cret/more', '/slack/install/[redacted]/more'],
    ['/a/./b/../c//d?x=1', '/a/c/d'],
    ['/bad/%zz/%e0%80', '/bad/%zz/%e0%80'],
    ['/_emulator//services/T1/B2/secretpart', '/_emulator/services/T1/B2/[redacted]'],
  ];
  for (const [url, logged] of cases) assert.equal(safeUrl(url), logged, url);
  assert.equal(logPath('/a\\b'), '/a/b');
  assert.equal(safeUrl('/x/s3cret-value/y', ['s3cret-value']), '/x/[redacted]/y', 'the secret is cut wherever it is');
  assert.equal(originForm('http://h:1/p?q=1'), '/p?q=1');
  assert.equal(originForm('http://h'), '/');
  assert.equal(originForm('/p'), '/p');
  assert.equal(originForm('*'), '*');
});
