// The fast paths added for throughput keep the protocol's behaviour: shared pub/sub frames,
// the cached command lookup, integer/status encoding, the header-number and inline fast paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { encodeCommand, plain } from '../helpers/resp.js';
import { encodeReply } from '../../src/protocol/writer.js';
import { RequestParser } from '../../src/protocol/parser.js';
import { Status } from '../../src/protocol/reply.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(async () => {
  await srv.close();
});

const raw = (s: string) => Buffer.from(s, 'latin1');

test('subscribers sharing a turn get identical frames; a subscriber with a reply in between keeps its order', async () => {
  const a = await srv.connect();
  const b = await srv.connect();
  const c = await srv.connect();
  const r3 = await srv.connect();
  for (const s of [a, b, c]) await s.call('SUBSCRIBE', 'hp:ch');
  await r3.call('HELLO', '3');
  await r3.call('SUBSCRIBE', 'hp:ch');
  const pub = await srv.connect();
  // Several PUBLISH in one write: one turn. c also sends PING in the middle of that turn's input order.
  pub.write(Buffer.concat([encodeCommand(['PUBLISH', 'hp:ch', 'm1']), encodeCommand(['PUBLISH', 'hp:ch', 'm2'])]));
  c.send('PING');
  pub.write(encodeCommand(['PUBLISH', 'hp:ch', 'm3']));
  for (let i = 0; i < 3; i++) assert.equal(plain(await pub.read()), 4);
  for (const s of [a, b]) {
    for (const m of ['m1', 'm2', 'm3']) {
      const f = await s.readFrame();
      assert.deepEqual(f!.raw, raw(`*3\r\n$7\r\nmessage\r\n$5\r\nhp:ch\r\n$2\r\n${m}\r\n`));
    }
  }
  // c: the three messages and the PING reply, each exactly once, messages in order.
  const got: string[] = [];
  for (let i = 0; i < 4; i++) got.push((await c.readFrame())!.raw.toString('latin1'));
  assert.deepEqual(
    got.filter((g) => g.startsWith('*3')),
    ['m1', 'm2', 'm3'].map((m) => `*3\r\n$7\r\nmessage\r\n$5\r\nhp:ch\r\n$2\r\n${m}\r\n`),
  );
  assert.equal(got.filter((g) => g.startsWith('*2\r\n$4\r\npong')).length, 1);
  // RESP3 subscriber: push frames.
  for (const m of ['m1', 'm2', 'm3']) {
    const f = await r3.readFrame();
    assert.deepEqual(f!.raw, raw(`>3\r\n$7\r\nmessage\r\n$5\r\nhp:ch\r\n$2\r\n${m}\r\n`));
  }
  for (const s of [a, b, c, r3, pub]) s.close();
});

test('16 KiB messages reach every subscriber intact', async () => {
  const subs = await Promise.all([srv.connect(), srv.connect(), srv.connect()]);
  for (const s of subs) await s.call('SUBSCRIBE', 'hp:big');
  const pub = await srv.connect();
  const payloads = [Buffer.alloc(16384, 'a'), Buffer.alloc(20000, 'b'), Buffer.from('small')];
  pub.write(Buffer.concat(payloads.map((p) => encodeCommand(['PUBLISH', 'hp:big', p]))));
  for (let i = 0; i < payloads.length; i++) assert.equal(plain(await pub.read()), 3);
  for (const s of subs) {
    for (const p of payloads) {
      const f = (await s.readFrame())!;
      const head = `*3\r\n$7\r\nmessage\r\n$6\r\nhp:big\r\n$${p.length}\r\n`;
      assert.deepEqual(f.raw, Buffer.concat([Buffer.from(head), p, Buffer.from('\r\n')]));
    }
  }
  for (const s of [...subs, pub]) s.close();
});

test('a repeated command name still checks arity, and names are matched case-insensitively', async () => {
  const c = await srv.connect();
  c.write(
    Buffer.concat([
      encodeCommand(['ECHO', 'x']),
      encodeCommand(['ECHO']),
      encodeCommand(['ECHO', 'a', 'b']),
      encodeCommand(['echo', 'y']),
      encodeCommand(['EcHo', 'z']),
    ]),
  );
  const arity = { error: "ERR wrong number of arguments for 'echo' command" };
  assert.equal(plain(await c.read()), 'x');
  assert.deepEqual(plain(await c.read()), arity);
  assert.deepEqual(plain(await c.read()), arity);
  assert.equal(plain(await c.read()), 'y');
  assert.equal(plain(await c.read()), 'z');
  // Subcommands are not cached by name: each is resolved.
  const unknown = (await c.call('CLIENT', 'NOSUCHSUB')) as { error: string };
  assert.match(unknown.error, /^ERR unknown subcommand 'NOSUCHSUB'/);
  assert.equal(typeof (await c.call('CLIENT', 'ID')), 'number');
  c.close();
});

test('integer, length and status encodings', () => {
  assert.equal(encodeReply(0, 2).toString(), ':0\r\n');
  assert.equal(encodeReply(7, 2).toString(), ':7\r\n');
  assert.equal(encodeReply(1234567890, 2).toString(), ':1234567890\r\n');
  assert.equal(encodeReply(4294967295, 2).toString(), ':4294967295\r\n');
  assert.equal(encodeReply(4294967296, 2).toString(), ':4294967296\r\n');
  assert.equal(encodeReply(-1, 2).toString(), ':-1\r\n');
  assert.equal(encodeReply(-0, 2).toString(), ':0\r\n');
  assert.equal(encodeReply(Number.MAX_SAFE_INTEGER, 2).toString(), `:${Number.MAX_SAFE_INTEGER}\r\n`);
  assert.equal(encodeReply(Buffer.alloc(10, 'x'), 2).toString(), '$10\r\nxxxxxxxxxx\r\n');
  assert.equal(encodeReply([], 2).toString(), '*0\r\n');
  const s = new Status('OK');
  assert.equal(encodeReply(s, 2).toString(), '+OK\r\n');
  assert.equal(encodeReply(s, 3).toString(), '+OK\r\n');
  const long = new Status('x'.repeat(100));
  assert.equal(encodeReply(long, 2).toString(), `+${'x'.repeat(100)}\r\n`);
});

test('parser fast paths: header numbers and plain inline commands', () => {
  const p = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 });
  p.push(Buffer.from('*2\r\n$4\r\nECHO\r\n$12\r\nhello world!\r\nSET  k\tv \r\nGET "a b"\r\n'));
  assert.deepEqual(p.next()!.map(String), ['ECHO', 'hello world!']);
  assert.deepEqual(p.next()!.map(String), ['SET', 'k', 'v']);
  assert.deepEqual(p.next()!.map(String), ['GET', 'a b']);
  assert.equal(p.next(), undefined);
  // A header with a bad character is still a protocol error.
  const q = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 });
  q.push(Buffer.from('*1\r\n$3x\r\nfoo\r\n'));
  assert.throws(() => q.next(), /invalid bulk length/);
});

test('latin1String: every byte value and every length around the short-key path decode as toString("latin1")', async () => {
  const { latin1String } = await import('../../src/protocol/latin1.js');
  for (let n = 0; n <= 40; n++) {
    for (let seed = 0; seed < 8; seed++) {
      const buf = Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + seed * 37 + n) & 255));
      assert.equal(latin1String(buf), buf.toString('latin1'), `length ${n}`);
    }
  }
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (let i = 0; i < 256; i += 16) assert.equal(latin1String(all.subarray(i, i + 16)), all.toString('latin1', i, i + 16));
  // Binary keys and values of short lengths round-trip over TCP (SET/GET/INCR/HSET decode them so).
  const c = await srv.connect();
  for (const n of [1, 3, 15, 16, 17]) {
    const key = Buffer.from(Array.from({ length: n }, (_, i) => (255 - i * 7) & 255));
    const value = Buffer.from(Array.from({ length: n }, (_, i) => (i * 29 + 128) & 255));
    assert.equal(await c.call('SET', key, value), 'OK');
    assert.deepEqual(await c.callRaw('GET', key), { type: 'bulk', value });
    assert.equal(await c.call('HSET', 'hp:h', key, value), 1);
    assert.deepEqual(await c.callRaw('HGET', 'hp:h', key), { type: 'bulk', value });
    assert.equal(await c.call('EXISTS', key), 1);
  }
});
