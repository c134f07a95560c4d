// Protocol fuzz: byte sequences mixing valid commands, truncated frames, bad and huge lengths,
// negative counts, inline commands with quotes and random binary, written over real TCP in random
// chunks. After every case the server must still accept a connection and answer PING, a
// long-lived subscriber must still get a PUBLISH, and no client, subscription or blocked client
// may be left behind once the fuzzing socket is gone.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { encodeCommand, type RespClient } from '../helpers/resp.js';
import { startTidings, type TestServer } from '../helpers/servers.js';

// Fixed seed for reproducible runs; FUZZ_SEED and FUZZ_SCALE explore further.
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const RUNS = Math.ceil(200 * Number(process.env.FUZZ_SCALE ?? 1));

let srv: TestServer;
let subscriber: RespClient;
let publisher: RespClient;
const internalErrors: string[] = [];

before(async () => {
  srv = await startTidings({
    log: (line) => {
      if (/internal error/i.test(line)) internalErrors.push(line);
    },
  });
  subscriber = await srv.connect();
  publisher = await srv.connect();
  assert.deepEqual(await subscriber.call('SUBSCRIBE', 'fuzzchan'), ['subscribe', 'fuzzchan', 1]);
});

after(async () => {
  subscriber.close();
  publisher.close();
  await srv.close();
});

const word = fc.constantFrom('PING', 'ECHO', 'SET', 'GET', 'k', 'v', 'fuzzlist', 'fuzzchan', 'LPUSH', 'MULTI', 'EXEC', '0', '-1', '"a b"', "'c'", '"\\x41"', '"unbalanced', "'", '""', '\\');

/** Commands that are valid and change connection state the server must clean up on close. */
const validCommand = fc.constantFrom<(string | Buffer)[]>(
  ['PING'],
  ['SET', 'fk', 'v'],
  ['GET', 'fk'],
  ['LPUSH', 'fuzzlist', 'x'],
  ['RPOP', 'fuzzlist'],
  ['BLPOP', 'fuzzblock', '0'],
  ['BRPOP', 'fuzzblock', '0.01'],
  ['XREAD', 'BLOCK', '0', 'STREAMS', 'fuzzstream', '$'],
  ['SUBSCRIBE', 'fuzzchan', 'other'],
  ['PSUBSCRIBE', 'fuzz*'],
  ['SSUBSCRIBE', 'shard'],
  ['MULTI'],
  ['WATCH', 'fk', 'fuzzlist'],
  ['EXEC'],
  ['HELLO', '3'],
  ['CLIENT', 'SETNAME', 'fuzzer'],
  ['PUBLISH', 'fuzzchan', 'from-fuzzer'],
  ['ECHO', Buffer.from([0, 13, 10, 255])],
);

const segment: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: validCommand.map((c) => encodeCommand(c)) },
  // A valid frame cut short.
  { weight: 2, arbitrary: fc.tuple(validCommand, fc.nat()).map(([c, n]) => { const b = encodeCommand(c); return b.subarray(0, n % b.length); }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '*abc\r\n', '*-1\r\n', '*-5\r\n', '*0\r\n', '$-1\r\n', '*1\r\n$-5\r\n', '*1\r\n$abc\r\n', '*1\r\nx3\r\nabc\r\n',
      '*2147483648\r\n', '*99999999999999999999\r\n', '*1\r\n$2147483648\r\n', '*1\r\n$536870913\r\n',
      '*1\r\n$536870912\r\nabc', '*1048577\r\n', '*3\r\n$3\r\nSET\r\n', '*1\r\n$3\r\nabcdef\r\n', '*1\r\n$3\r\nab\r\n',
      '*1\r\n$4\r\nPING', '$4\r\nPING\r\n', '*\r\n', '*1\r\n$\r\n', '\r\n', '\n', '*1\n$4\nPING\n', '*+1\r\n', '*1 \r\n',
      '*1\r\n$0\r\n\r\n', '*2\r\n$4\r\nECHO\r\n$-1\r\n',
    ).map((s) => Buffer.from(s, 'latin1')),
  },
  { weight: 2, arbitrary: fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => Buffer.from(w.join(' ') + '\r\n', 'latin1')) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)) },
  // A huge inline line (no newline) and a huge declared bulk followed by too little data.
  { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(70 * 1024, 'a'), Buffer.concat([Buffer.from('*1\r\n$100000\r\n'), Buffer.alloc(5000, 'z')])) },
);

const fuzzCase = fc.record({
  segments: fc.array(segment, { minLength: 1, maxLength: 8 }),
  cuts: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 }),
  closeEarly: fc.boolean(),
});

function connectRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

const tick = () => new Promise<void>((r) => setImmediate(r));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let published = 0;

async function checkHealthy(baseline: number): Promise<void> {
  const server = srv.server!;
  await waitFor('clients map back to baseline', () => server.clients.size === baseline);
  const probe = await srv.connect();
  try {
    assert.equal(await probe.call('PING'), 'PONG');
    assert.deepEqual(await probe.call('PUBSUB', 'NUMSUB', 'fuzzchan', 'other', 'shard'), ['fuzzchan', 1, 'other', 0, 'shard', 0]);
    assert.equal(await probe.call('PUBSUB', 'NUMPAT'), 0);
    assert.deepEqual(await probe.call('PUBSUB', 'SHARDNUMSUB', 'shard'), ['shard', 0]);
    const info = String(await probe.call('INFO', 'clients'));
    assert.match(info, /blocked_clients:0\r\n/);
  } finally {
    probe.close();
  }
  const text = `m${++published}`;
  assert.equal(await publisher.call('PUBLISH', 'fuzzchan', text), 1);
  // Drop anything the fuzzer itself published to the channel before our message.
  for (;;) {
    const msg = (await subscriber.read(3000)) as { type: string; value: { value: Buffer }[] };
    if (msg.value[2]!.value.toString() === text) break;
  }
  await waitFor('clients map back to baseline', () => server.clients.size === baseline);
}

test('random byte streams never take the server down or leak clients', { timeout: 120000 }, async () => {
  const baseline = srv.server!.clients.size;
  assert.equal(baseline, 2);
  await fc.assert(
    fc.asyncProperty(fuzzCase, async ({ segments, cuts, closeEarly }) => {
      const data = Buffer.concat(segments);
      const sock = await connectRaw(srv.port);
      let closedByServer = false;
      sock.on('close', () => (closedByServer = true));
      sock.on('error', () => {});
      sock.on('data', () => {});
      let at = 0;
      for (let i = 0; at < data.length && !closedByServer; i++) {
        const n = i < cuts.length ? cuts[i]! : data.length;
        sock.write(data.subarray(at, at + n));
        at += n;
        await tick();
      }
      if (!closeEarly) await new Promise((r) => setTimeout(r, 15));
      sock.destroy();
      await checkHealthy(baseline);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: false },
  );
  assert.deepEqual(internalErrors, []);
});

test('protocol errors close only the offending connection, with a Redis-style error', async () => {
  const c = await srv.connect();
  c.write('*1\r\n$abc\r\n');
  const reply = await c.read();
  assert.deepEqual(reply, { type: 'error', value: 'ERR Protocol error: invalid bulk length' });
  await c.waitClosed();
  const other = await srv.connect();
  assert.equal(await other.call('PING'), 'PONG');
  other.close();
});

test('unbalanced quotes in an inline command: error and close', async () => {
  const c = await srv.connect();
  c.write('SET "a b\r\n');
  assert.deepEqual(await c.read(), { type: 'error', value: 'ERR Protocol error: unbalanced quotes in request' });
  await c.waitClosed();
});
