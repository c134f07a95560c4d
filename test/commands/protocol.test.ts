// Bad input over real TCP: each gets Redis's error or a clean close; the server stays up and other
// clients are unaffected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, startTidingsProcess, type TestServer } from '../helpers/servers.js';
import { encodeCommand, plain } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

test('malformed RESP gets the protocol error and only that connection closes', async () => {
  const bystander = await srv.connect();
  await bystander.call('SUBSCRIBE', 'news');
  const cases: [string, string][] = [
    ['*abc\r\n', 'Protocol error: invalid multibulk length'],
    ['*1\r\nxyz\r\n', "Protocol error: expected '$', got 'x'"],
    ['*1\r\n$-3\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$99999999999\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$x\r\n', 'Protocol error: invalid bulk length'],
    ['ECHO "unterminated\r\n', 'Protocol error: unbalanced quotes in request'],
  ];
  for (const [input, message] of cases) {
    const c = await srv.connect();
    c.write(input);
    assert.deepEqual(await c.read(), { type: 'error', value: `ERR ${message}` }, input);
    await c.waitClosed();
  }
  const publisher = await srv.connect();
  assert.equal(await publisher.call('PUBLISH', 'news', 'still here'), 1);
  assert.deepEqual(plain(await bystander.read()), ['message', 'news', 'still here']);
  bystander.close();
  publisher.close();
});

test('commands before a protocol error in the same packet still run', async () => {
  const c = await srv.connect();
  c.write('*1\r\n$4\r\nPING\r\n*x\r\n');
  assert.deepEqual(await c.read(), { type: 'simple', value: 'PONG' });
  assert.deepEqual(await c.read(), { type: 'error', value: 'ERR Protocol error: invalid multibulk length' });
  await c.waitClosed();
});

test('inline commands work (telnet, redis-cli)', async () => {
  const c = await srv.connect();
  c.write('PING\r\nECHO "hello world"\nping x\r\n');
  assert.deepEqual(await c.read(), { type: 'simple', value: 'PONG' });
  assert.deepEqual((await c.read()).type, 'bulk');
  assert.deepEqual(await c.read(), { type: 'bulk', value: Buffer.from('x') });
  c.close();
});

test('a command split across packets at every byte', async () => {
  const c = await srv.connect();
  const bytes = encodeCommand(['ECHO', 'split me']);
  for (const b of bytes) {
    c.write(Buffer.from([b]));
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await c.read(), { type: 'bulk', value: Buffer.from('split me') });
  c.close();
});

test('10,000 pipelined commands come back in order', async () => {
  const c = await srv.connect();
  const parts: Buffer[] = [];
  for (let i = 0; i < 10000; i++) parts.push(encodeCommand(['ECHO', String(i)]));
  c.write(Buffer.concat(parts));
  for (let i = 0; i < 10000; i++) {
    const v = await c.read();
    assert.equal(v.type === 'bulk' && v.value.toString(), String(i));
  }
  c.close();
});

test('a client that disconnects mid-command does not disturb others', async () => {
  const a = await srv.connect();
  a.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc');
  a.close();
  const b = await srv.connect();
  assert.equal(await b.call('PING'), 'PONG');
  b.close();
});

test('binary arguments round-trip (all 256 byte values)', async () => {
  const c = await srv.connect();
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const v = await c.callRaw('ECHO', all);
  assert.ok(v.type === 'bulk' && v.value.equals(all));
  c.close();
});

test('proto-max-bulk-len and client-query-buffer-limit are enforced', async () => {
  const c = await srv.connect();
  assert.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb'), 'OK');
  const d = await srv.connect();
  d.write(`*2\r\n$4\r\nECHO\r\n$${2 * 1024 * 1024}\r\n`);
  assert.deepEqual(await d.read(), { type: 'error', value: 'ERR Protocol error: invalid bulk length' });
  await d.waitClosed();
  assert.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb'), 'OK');
  assert.equal(await c.call('CONFIG', 'SET', 'client-query-buffer-limit', '1mb'), 'OK');
  const e = await srv.connect();
  e.write(`*2\r\n$4\r\nECHO\r\n$${5 * 1024 * 1024}\r\n`);
  e.write(Buffer.alloc(3 * 1024 * 1024, 'a'));
  await e.waitClosed();
  assert.equal(await c.call('CONFIG', 'SET', 'client-query-buffer-limit', '1gb'), 'OK');
  assert.equal(await c.call('PING'), 'PONG');
  c.close();
});

test('a burst of small pipelined commands larger than client-query-buffer-limit is served, not cut off (as Redis)', async () => {
  // A server process of its own: the whole burst can then sit in the kernel before the server reads it.
  const proc = await startTidingsProcess(['--client-query-buffer-limit', '1mb']);
  try {
    const count = 60_000;
    const burst: Buffer[] = [];
    for (let i = 0; i < count; i++) burst.push(encodeCommand(['SET', `burst:${i}`, 'v'.repeat(20)]));
    for (let round = 0; round < 3; round++) {
      const e = await proc.connect();
      // About 3 MB in one write: the server reads it in 64 KiB pieces, several per turn.
      e.write(Buffer.concat(burst));
      for (let i = 0; i < count; i++) assert.equal(plain(await e.read()), 'OK', `round ${round}, reply ${i}`);
      assert.equal(plain(await e.callRaw('GET', `burst:${count - 1}`)), 'v'.repeat(20));
      e.close();
    }
  } finally {
    await proc.close();
  }
});

test('wrong arity and unknown subcommands', async () => {
  const c = await srv.connect();
  assert.deepEqual(await c.call('CLIENT'), { error: "ERR wrong number of arguments for 'client' command" });
  assert.deepEqual(await c.call('CLIENT', 'FOO'), { error: "ERR unknown subcommand 'FOO'. Try CLIENT HELP." });
  assert.deepEqual(await c.call('CLIENT', 'SETNAME'), { error: "ERR wrong number of arguments for 'client|setname' command" });
  assert.deepEqual(await c.call('SELECT'), { error: "ERR wrong number of arguments for 'select' command" });
  c.close();
});
