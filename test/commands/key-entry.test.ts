// A key's entry holds no type field (issue #12: 8 bytes less per key); its type follows from the
// value. Over TCP: TYPE and OBJECT ENCODING after every way a key gets or changes its value —
// creation, an overwrite by another type (the entry object is reused), COPY, RENAME, MOVE,
// DUMP/RESTORE, a string turned from latin1 into a Buffer by an in-place edit — and WRONGTYPE.
// The encodings are redis-server 7.0.15's for the same commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(async () => {
  await srv.close();
});

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };

/** Run `body` with a fresh connection to an emptied server. */
async function withClient(body: (c: RespClient) => Promise<void>): Promise<void> {
  const c = await srv.connect();
  try {
    await c.call('FLUSHALL');
    await body(c);
  } finally {
    c.close();
  }
}

test('every type is reported from the value, and an entry has no type field', () =>
  withClient(async (c) => {
    await c.call('SET', 's', 'short');
    await c.call('SET', 'big', 'x'.repeat(5000));
    await c.call('RPUSH', 'l', 'a');
    await c.call('HSET', 'h', 'f', 'v');
    await c.call('SADD', 'set', 'm');
    await c.call('SADD', 'ints', '1');
    await c.call('ZADD', 'z', '1', 'm');
    await c.call('XADD', 'x', '*', 'f', 'v');
    await c.call('PFADD', 'hll', 'a');
    const expected: [string, string, string][] = [
      ['s', 'string', 'embstr'],
      ['big', 'string', 'raw'],
      ['l', 'list', 'quicklist'],
      ['h', 'hash', 'listpack'],
      ['set', 'set', 'hashtable'],
      ['ints', 'set', 'intset'],
      ['z', 'zset', 'listpack'],
      ['x', 'stream', 'stream'],
      ['hll', 'string', 'raw'],
    ];
    for (const [key, type, encoding] of expected) {
      assert.equal(await c.call('TYPE', key), type, `TYPE ${key}`);
      assert.equal(await c.call('OBJECT', 'ENCODING', key), encoding, `OBJECT ENCODING ${key}`);
    }
    const db = srv.server!.dbs[0]!;
    for (const [key] of expected) {
      assert.deepEqual(Object.keys(db.peekNoExpire(key)!).sort(), ['lru', 'seq', 'value'], `own fields of ${key}'s entry`);
    }
  }));

test('an overwrite by another type changes the type of the same entry', () =>
  withClient(async (c) => {
    await c.call('HSET', 'k', 'f', 'v');
    await c.call('EXPIRE', 'k', '1000');
    const db = srv.server!.dbs[0]!;
    const entry = db.peekNoExpire('k');
    assert.equal(await c.call('SET', 'k', 'now a string'), 'OK');
    assert.equal(db.peekNoExpire('k'), entry, 'SET over an existing key reuses its entry');
    assert.equal(await c.call('TYPE', 'k'), 'string');
    assert.deepEqual(await c.call('HGET', 'k', 'f'), WRONGTYPE);
    assert.equal(await c.call('GET', 'k'), 'now a string');
    // SORT ... STORE replaces the string with a list in place.
    await c.call('RPUSH', 'src', '3', '1', '2');
    assert.equal(await c.call('SORT', 'src', 'STORE', 'k'), 3);
    assert.equal(await c.call('TYPE', 'k'), 'list');
    assert.deepEqual(await c.call('LRANGE', 'k', '0', '-1'), ['1', '2', '3']);
    assert.deepEqual(await c.call('GET', 'k'), WRONGTYPE);
    // A set stored over it by SUNIONSTORE, a zset by ZUNIONSTORE.
    await c.call('SADD', 'a', 'x');
    assert.equal(await c.call('SUNIONSTORE', 'k', 'a'), 1);
    assert.equal(await c.call('TYPE', 'k'), 'set');
    assert.equal(await c.call('ZUNIONSTORE', 'k', '1', 'a'), 1);
    assert.equal(await c.call('TYPE', 'k'), 'zset');
    // A string edited in place (latin1 → Buffer inside the entry) stays a string.
    await c.call('SET', 'e', 'abc');
    assert.equal(await c.call('SETBIT', 'e', '100', '1'), 0);
    assert.equal(await c.call('APPEND', 'e', 'z'), 14);
    assert.equal(await c.call('TYPE', 'e'), 'string');
    assert.deepEqual(await c.call('LPUSH', 'e', 'x'), WRONGTYPE);
  }));

test('COPY, RENAME, MOVE and RESTORE keep each type', () =>
  withClient(async (c) => {
    await c.call('SET', 's', 'v');
    await c.call('RPUSH', 'l', 'a', 'b');
    await c.call('HSET', 'h', 'f', 'v');
    await c.call('SADD', 'set', 'm');
    await c.call('ZADD', 'z', '1', 'm');
    await c.call('XADD', 'x', '1-1', 'f', 'v');
    const types: Record<string, string> = { s: 'string', l: 'list', h: 'hash', set: 'set', z: 'zset', x: 'stream' };
    for (const [key, type] of Object.entries(types)) {
      assert.equal(await c.call('COPY', key, `${key}:copy`), 1);
      assert.equal(await c.call('TYPE', `${key}:copy`), type, `COPY of ${key}`);
      const dump = await c.callRaw('DUMP', key);
      assert.equal(dump.type, 'bulk');
      assert.equal(await c.call('RESTORE', `${key}:restored`, '0', (dump as { value: Buffer }).value), 'OK');
      assert.equal(await c.call('TYPE', `${key}:restored`), type, `RESTORE of ${key}`);
      assert.equal(await c.call('RENAME', key, `${key}:renamed`), 'OK');
      assert.equal(await c.call('TYPE', `${key}:renamed`), type, `RENAME of ${key}`);
      assert.equal(await c.call('MOVE', `${key}:renamed`, '1'), 1);
      await c.call('SELECT', '1');
      assert.equal(await c.call('TYPE', `${key}:renamed`), type, `MOVE of ${key}`);
      await c.call('SELECT', '0');
    }
    assert.deepEqual(await c.call('LRANGE', 'l:restored', '0', '-1'), ['a', 'b']);
    assert.equal(await c.call('HGET', 'h:copy', 'f'), 'v');
  }));
