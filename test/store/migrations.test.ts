import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shippedMigrations } from '../../src/store/migrations.js';

test('migrations/sqlite and migrations/postgres have the same numbers and names, so both databases move in step', () => {
  const names = (kind: 'sqlite' | 'postgres') => shippedMigrations(kind).map((m) => m.name);
  assert.ok(names('sqlite').length >= 4);
  assert.deepEqual(names('postgres'), names('sqlite'));
});
