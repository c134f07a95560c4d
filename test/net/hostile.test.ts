// Hostile input over real TCP, side by side with redis-server where it runs: a protocol error is
// answered once and then the connection really closes (a client that keeps writing sees it fail),
// an over-long inline request is refused even when it arrives in one read, per-connection memory
// is bounded, maxclients refuses with Redis's text, and failed AUTHs do not hold anyone else up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTidings, startRedis, requireRedisServer, type TestServer } from '../helpers/servers.js';
import { RespClient } from '../helpers/resp.js';

/** Write `first`, then filler with no newline (as Redis's desync test does) until a write fails. */
function writeUntilFailure(port: number, first: string): Promise<{ failed: boolean; received: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    let failed = false;
    let writes = 0;
    socket.on('data', (d) => (received += d.toString('latin1')));
    const pump = () => {
      // 64 MiB: more than socket buffers hold, so a server that never closes fails the test.
      if (failed || socket.destroyed || writes > 64 * 1024) return finish();
      writes++;
      socket.write('A'.repeat(1024), (err) => {
        if (err) failed = true;
        setImmediate(pump);
      });
    };
    const finish = () => {
      // A FIN alone is not enough (the half-open socket would keep taking our writes): the
      // server must drop the connection so that writing fails, as Redis does.
      if (socket.destroyed) failed = true;
      socket.destroy();
      resolve({ failed, received });
    };
    socket.on('error', () => (failed = true));
    socket.on('close', () => {
      failed = true;
      resolve({ failed, received });
    });
    socket.on('connect', () => {
      socket.write(first);
      pump();
    });
  });
}

/** Send bytes in one write and collect what comes back until the server closes (or 2 s pass). */
function exchange(port: number, bytes: string | Buffer, host = '127.0.0.1', localAddress?: string): Promise<{ closed: boolean; received: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host, localAddress });
    let received = '';
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('connect', () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, received });
    }, 2000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received });
    });
  });
}

async function both(t: import('node:test').TestContext, fn: (target: TestServer, name: string) => Promise<void>, redisArgs: string[] = [], tidingsConfig: Record<string, string | number> = {}): Promise<void> {
  const tidings = await startTidings({ config: tidingsConfig });
  try {
    await fn(tidings, 'tidings');
  } finally {
    await tidings.close();
  }
  if (!requireRedisServer(t)) return;
  const redis = await startRedis(redisArgs);
  try {
    await fn(redis, 'redis');
  } finally {
    await redis.close();
  }
}

test('protocol desync: one error, then the connection fails for a client that keeps writing', async (t) => {
  let errorsLost = 0;
  await both(t, async (target, name) => {
    for (const seq of ['\x00', '*\x00', '$\x00']) {
      const r = await writeUntilFailure(target.port, seq);
      assert.ok(r.failed, `${name} ${JSON.stringify(seq)}: writes kept succeeding`);
      // The reset that makes our writes fail can overtake the error line on its way in (with
      // either server), so the reply is checked when it arrived: one protocol error, nothing else.
      if (r.received !== '') assert.match(r.received, /^-ERR Protocol error: [^\r\n]*\r\n$/, `${name} ${JSON.stringify(seq)}`);
      else errorsLost++;
    }
  });
  t.diagnostic(`error lines overtaken by the reset: ${errorsLost} of 6`);
});

test('replies before the error are written, then the error, then the close', async (t) => {
  await both(t, async (target, name) => {
    const r = await exchange(target.port, '*1\r\n$4\r\nPING\r\nPING\r\n*1\r\nfoo\r\nPING\r\n');
    assert.deepEqual(r, { closed: true, received: "+PONG\r\n+PONG\r\n-ERR Protocol error: expected '$', got 'f'\r\n" }, name);
  });
});

test('protocol errors: the same text as redis-server', async (t) => {
  const inputs = [
    '*3000000000\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n',
    '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n',
    'set """test-key""" test-value\r\nping\r\n',
    '*' + '1'.repeat(70000),
    '*1\r\n$' + '1'.repeat(70000),
    // An inline request well past 64 KiB, in one write: refused by both.
    'SET k ' + 'A'.repeat(100_000) + '\r\nPING\r\n',
  ];
  const seen = new Map<string, string[]>();
  await both(t, async (target, name) => {
    const got: string[] = [];
    for (const input of inputs) {
      const r = await exchange(target.port, input);
      assert.ok(r.closed, `${name}: still open after ${JSON.stringify(input.slice(0, 30))}`);
      got.push(r.received);
    }
    seen.set(name, got);
  });
  const tidings = seen.get('tidings')!;
  assert.match(tidings[tidings.length - 1]!, /^-ERR Protocol error: too big inline request\r\n$/);
  if (seen.has('redis')) assert.deepEqual(tidings, seen.get('redis'));
});

test('an inline request just over 64 KiB is refused even when it arrives in one read', async () => {
  // Redis reads 16 KiB at a time and so lets lines of up to 80 KiB through when they arrive at
  // once; Tidings refuses by length, so the limit does not depend on how the bytes were read.
  const srv = await startTidings();
  try {
    const r = await exchange(srv.port, 'SET k ' + 'A'.repeat(64 * 1024) + '\r\nPING\r\n');
    assert.deepEqual(r, { closed: true, received: '-ERR Protocol error: too big inline request\r\n' });
    const ok = await exchange(srv.port, 'SET k ' + 'A'.repeat(64 * 1024 - 10) + '\r\nQUIT\r\n');
    assert.deepEqual(ok, { closed: true, received: '+OK\r\n+OK\r\n' });
  } finally {
    await srv.close();
  }
});

test('a bulk header alone does not reserve its announced size; the query buffer limit closes', async () => {
  const srv = await startTidings({ config: { 'client-query-buffer-limit': '1mb' } });
  try {
    const before = process.memoryUsage().arrayBuffers;
    const clients: RespClient[] = [];
    for (let i = 0; i < 20; i++) {
      const c = await srv.connect();
      c.write('*2\r\n$4\r\nECHO\r\n$500000000\r\n' + 'x'.repeat(40 * 1024));
      clients.push(c);
    }
    const probe = await srv.connect();
    assert.equal(await probe.call('PING'), 'PONG');
    // 20 announced 500 MB bulks; had they been reserved this would be 10 GB.
    assert.ok(process.memoryUsage().arrayBuffers - before < 200 * 1024 * 1024);
    clients[0]!.write(Buffer.alloc(2 * 1024 * 1024, 'y'));
    await clients[0]!.waitClosed();
    assert.equal(await probe.call('PING'), 'PONG');
    for (const c of clients) c.close();
    probe.close();
  } finally {
    await srv.close();
  }
});

test('maxclients refuses with Redis text and closes', async (t) => {
  await both(
    t,
    async (target, name) => {
      const held: RespClient[] = [];
      for (let i = 0; i < 3; i++) {
        const c = await target.connect();
        assert.equal(await c.call('PING'), 'PONG', name);
        held.push(c);
      }
      const r = await exchange(target.port, 'PING\r\n');
      assert.deepEqual(r, { closed: true, received: '-ERR max number of clients reached\r\n' }, name);
      held.pop()!.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await target.connect();
      assert.equal(await again.call('PING'), 'PONG', name);
      again.close();
      for (const c of held) c.close();
    },
    ['--maxclients', '3'],
    { maxclients: 3 },
  );
});

test('a flood of failed AUTHs does not hold up other clients', async () => {
  const srv = await startTidings({ password: 'sesame' });
  try {
    const attacker = await srv.connect();
    const victim = await srv.connect();
    assert.equal(await victim.call('AUTH', 'sesame'), 'OK');
    let wrong = '';
    for (let i = 0; i < 5000; i++) wrong += `AUTH guess${i}\r\n`;
    attacker.write(wrong);
    // The victim's commands are answered while the guesses are processed, and every guess is refused.
    for (let i = 0; i < 50; i++) assert.equal(await victim.call('PING'), 'PONG');
    for (let i = 0; i < 5000; i++) {
      const r = await attacker.read();
      assert.equal(r.type, 'error');
    }
    attacker.close();
    victim.close();
  } finally {
    await srv.close();
  }
});

test('a command that never ends (endless small arguments) is held to client-query-buffer-limit', async () => {
  const srv = await startTidings({ config: { 'client-query-buffer-limit': '1mb' } });
  try {
    const probe = await srv.connect();
    const c = await srv.connect();
    c.write('*100000000\r\n');
    const arg = '$1\r\nx\r\n'.repeat(1000);
    // ~65 bytes of memory per argument: 1 MiB is passed well before 100,000 arguments.
    for (let i = 0; i < 100 && !c.closed; i++) {
      c.write(arg);
      await new Promise((r) => setImmediate(r));
    }
    await c.waitClosed();
    assert.equal(await probe.call('PING'), 'PONG');
    probe.close();
  } finally {
    await srv.close();
  }
});
