// CLIENT LIST / CLIENT INFO: Redis 7.0's fields in its order, with real values (fd, qbuf, argv-mem,
// multi-mem, tot-mem); the field names are compared with a real redis-server when one is installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, startRedis, hasRedisServer, skipLoudly, type TestServer } from '../helpers/servers.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

function fields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of line.trim().split(' ')) {
    const eq = pair.indexOf('=');
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

test('CLIENT INFO: the running command counts in qbuf and argv-mem; fd is the socket; tot-mem is not 0', async () => {
  const a = await srv.connect();
  const b = await srv.connect();
  const info = fields(String(await a.call('CLIENT', 'INFO')));
  // "*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n" is 26 bytes; its arguments 10.
  assert.equal(info.get('qbuf'), '26');
  assert.equal(info.get('argv-mem'), '10');
  assert.equal(info.get('multi-mem'), '0');
  assert.equal(info.get('cmd'), 'client|info');
  assert.equal(info.get('events'), 'r');
  assert.ok(Number(info.get('tot-mem')) > 26);
  const fdA = Number(info.get('fd'));
  const fdB = Number(fields(String(await b.call('CLIENT', 'INFO'))).get('fd'));
  assert.ok(fdA > 2 && fdB > 2 && fdA !== fdB, `fds ${fdA} ${fdB}`);
  // Another client, idle: no query buffer and no arguments held.
  const list = String(await a.call('CLIENT', 'LIST')).trim().split('\n');
  const other = list.map(fields).find((f) => Number(f.get('fd')) === fdB)!;
  assert.equal(other.get('qbuf'), '0');
  assert.equal(other.get('argv-mem'), '0');
  // Queued MULTI commands count in multi-mem (their arguments' bytes).
  assert.equal(await b.call('MULTI'), 'OK');
  assert.equal(await b.call('SET', 'key', 'value'), 'QUEUED');
  const inMulti = String(await a.call('CLIENT', 'LIST')).trim().split('\n').map(fields).find((f) => Number(f.get('fd')) === fdB)!;
  assert.equal(inMulti.get('multi'), '1');
  assert.equal(inMulti.get('multi-mem'), String('SET'.length + 'key'.length + 'value'.length));
  assert.equal(await b.call('DISCARD'), 'OK');
  a.close();
  b.close();
});

test("CLIENT LIST's fields are redis-server 7.0's, in its order (then lib-name, lib-ver)", async (t) => {
  if (!hasRedisServer()) {
    skipLoudly(t, 'redis-server is not installed: CLIENT LIST field names not compared');
    return;
  }
  const redis = await startRedis();
  try {
    const r = await redis.connect();
    const c = await srv.connect();
    const theirs = [...fields(String(await r.call('CLIENT', 'LIST'))).keys()];
    const ours = [...fields(String(await c.call('CLIENT', 'LIST', 'ID', String(await c.call('CLIENT', 'ID'))))).keys()];
    assert.deepEqual(ours, [...theirs, 'lib-name', 'lib-ver']);
    r.close();
    c.close();
  } finally {
    await redis.close();
  }
});
