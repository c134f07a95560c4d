// CLIENT LIST / CLIENT INFO: Redis 7.0's fields in its order, with real values (fd, qbuf, argv-mem,
// multi-mem, tot-mem); the field names are compared with a real redis-server when one is installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, startTidingsProcess, startRedis, hasRedisServer, skipLoudly, type TestServer } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';

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

// Tidings runs a turn's commands after reading every connection the poller reported readable, so a
// command sees all that other clients sent before it. Redis runs each connection's commands as it
// reads it, and here (the asking connection still first in the kernel's ready list from its last
// read) answers qbuf=0: Redis's own client-eviction test races on exactly this under load.
test('CLIENT LIST sees a big argument another connection sent before it, whatever order the sockets are read in', async () => {
  const proc = await startTidingsProcess(['--enable-debug-command', 'yes']);
  try {
    const a = await proc.connect();
    const b = await proc.connect();
    assert.equal(await b.call('CLIENT', 'SETNAME', 'big'), 'OK');
    for (let round = 0; round < 3; round++) {
      // While A's DEBUG SLEEP holds the server, B sends half of a 200,000-byte argument, then A
      // asks for CLIENT LIST: both sockets are readable when the server wakes, A's reported first.
      a.send('DEBUG', 'SLEEP', '0.2');
      await new Promise((r) => setTimeout(r, 50));
      await new Promise<void>((resolve) => {
        b.socket.write(Buffer.concat([Buffer.from('*2\r\n$4\r\nECHO\r\n$200000\r\n'), Buffer.alloc(100000, 'x')]), () => resolve());
      });
      a.send('CLIENT', 'LIST');
      assert.equal(plain(await a.read()), 'OK');
      const line = String(plain(await a.read()))
        .split('\n')
        .find((l) => l.includes(' name=big '))!;
      const f = fields(line);
      assert.ok(Number(f.get('qbuf')) >= 100000, line);
      assert.ok(Number(f.get('tot-mem')) >= 100000, line);
      // The rest of the argument: ECHO answers with all of it.
      b.write(Buffer.concat([Buffer.alloc(100000, 'x'), Buffer.from('\r\n')]));
      assert.equal(String(plain(await b.read())).length, 200000);
    }
    a.close();
    b.close();
  } finally {
    await proc.close();
  }
});
