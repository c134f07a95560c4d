import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

test('HELLO switches protocol and reports the server', async () => {
  const c = await srv.connect();
  const r2 = await c.callRaw('HELLO');
  assert.equal(r2.type, 'array');
  const r3 = await c.callRaw('HELLO', '3', 'SETNAME', 'myconn');
  assert.equal(r3.type, 'map');
  const m = plain(r3) as unknown[];
  assert.deepEqual(m.slice(0, 6), ['server', 'redis', 'version', '7.0.15', 'proto', 3]);
  assert.equal(await c.call('CLIENT', 'GETNAME'), 'myconn');
  assert.deepEqual(await c.call('HELLO', '4'), { error: 'NOPROTO unsupported protocol version' });
  assert.deepEqual(await c.call('HELLO', 'x'), { error: 'ERR Protocol version is not an integer or out of range' });
  assert.deepEqual(await c.call('HELLO', '3', 'FOO'), { error: "ERR Syntax error in HELLO option 'FOO'" });
  // RESP3 null and map types
  assert.equal((await c.callRaw('CLIENT', 'GETNAME')).type, 'bulk');
  assert.equal(await c.call('HELLO', '2') !== null, true);
  c.close();
});

test('requirepass: NOAUTH, AUTH, HELLO AUTH, WRONGPASS', async () => {
  const s = await startTidings({ password: 'sekret' });
  try {
    const c = await s.connect();
    assert.deepEqual(await c.call('PING'), { error: 'NOAUTH Authentication required.' });
    assert.deepEqual(await c.call('AUTH', 'nope'), {
      error: 'WRONGPASS invalid username-password pair or user is disabled.',
    });
    assert.equal(await c.call('AUTH', 'sekret'), 'OK');
    assert.equal(await c.call('PING'), 'PONG');
    const d = await s.connect();
    assert.deepEqual(await d.call('HELLO', '3'), { error: 'NOAUTH Authentication required.' });
    assert.equal((await d.callRaw('HELLO', '3', 'AUTH', 'default', 'sekret')).type, 'map');
    assert.equal(await d.call('PING'), 'PONG');
    assert.deepEqual(await d.call('AUTH', 'other', 'sekret'), {
      error: 'WRONGPASS invalid username-password pair or user is disabled.',
    });
    // Unauthenticated clients cannot send huge multibulks.
    const e = await s.connect();
    e.write('*20\r\n');
    assert.deepEqual(await e.read(), { type: 'error', value: 'ERR Protocol error: unauthenticated multibulk length' });
    await e.waitClosed();
    // After AUTH the limits go (the parser reads the client's one auth flag), and after RESET
    // with a password configured they come back.
    const many = Array.from({ length: 20 }, (_, i) => `k${i}`);
    assert.equal(await c.call('DEL', ...many), 0);
    assert.equal(await c.call('SET', 'big', 'x'.repeat(20000)), 'OK');
    assert.equal(await c.call('RESET'), 'RESET');
    c.write('*20\r\n');
    assert.deepEqual(await c.read(), { type: 'error', value: 'ERR Protocol error: unauthenticated multibulk length' });
    await c.waitClosed();
    d.close();
  } finally {
    await s.close();
  }
});

test('AUTH without a configured password', async () => {
  const c = await srv.connect();
  assert.deepEqual(await c.call('AUTH', 'x'), {
    error: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  });
  assert.equal(await c.call('AUTH', 'default', 'anything'), 'OK');
  c.close();
});

test('SELECT, DBSIZE, FLUSHDB, FLUSHALL', async () => {
  const c = await srv.connect();
  assert.deepEqual(await c.call('SELECT', '16'), { error: 'ERR DB index is out of range' });
  assert.deepEqual(await c.call('SELECT', 'x'), { error: 'ERR value is not an integer or out of range' });
  assert.equal(await c.call('SELECT', '3'), 'OK');
  srv.server!.dbs[3]!.set('k', 'string', Buffer.from('v'));
  srv.server!.dbs[4]!.set('k', 'string', Buffer.from('v'));
  assert.equal(await c.call('DBSIZE'), 1);
  assert.equal(await c.call('FLUSHDB'), 'OK');
  assert.equal(await c.call('DBSIZE'), 0);
  assert.equal(srv.server!.dbs[4]!.size, 1);
  assert.deepEqual(await c.call('FLUSHALL', 'NOW'), { error: 'ERR syntax error' });
  assert.equal(await c.call('FLUSHALL', 'ASYNC'), 'OK');
  assert.equal(srv.server!.dbs[4]!.size, 0);
  c.close();
});

test('CLIENT ID, SETNAME, LIST, INFO, KILL', async () => {
  const a = await srv.connect();
  const b = await srv.connect();
  const idA = (await a.call('CLIENT', 'ID')) as number;
  const idB = (await b.call('CLIENT', 'ID')) as number;
  assert.ok(idB > idA);
  assert.equal(await a.call('CLIENT', 'GETNAME'), null);
  assert.deepEqual(await a.call('CLIENT', 'SETNAME', 'a b'), {
    error: 'ERR Client names cannot contain spaces, newlines or special characters.',
  });
  assert.equal(await a.call('CLIENT', 'SETNAME', 'alpha'), 'OK');
  assert.equal(await a.call('CLIENT', 'SETINFO', 'LIB-NAME', 'tests'), 'OK');
  const list = (await a.call('CLIENT', 'LIST')) as string;
  assert.match(list, new RegExp(`id=${idA} addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${srv.port} .*name=alpha .*cmd=client\\|list .*lib-name=tests`));
  assert.match(list, new RegExp(`id=${idB} `));
  const info = (await b.call('CLIENT', 'INFO')) as string;
  assert.match(info, new RegExp(`^id=${idB} `));
  assert.deepEqual(await a.call('CLIENT', 'LIST', 'TYPE', 'bogus'), { error: "ERR Unknown client type 'bogus'" });
  assert.match(String(await a.call('CLIENT', 'LIST', 'ID', String(idB))), new RegExp(`^id=${idB} [^\\n]*\\n$`));
  assert.deepEqual(await a.call('CLIENT', 'KILL', '1.2.3.4:5'), { error: 'ERR No such client' });
  assert.equal(await a.call('CLIENT', 'KILL', 'ID', '999999'), 0);
  assert.deepEqual(await a.call('CLIENT', 'KILL', 'FOO', 'bar'), { error: 'ERR syntax error' });
  assert.deepEqual(await a.call('CLIENT', 'KILL', 'USER', 'wrong_user'), { error: "ERR No such user 'wrong_user'" });
  assert.equal(await a.call('CLIENT', 'KILL', 'ID', String(idB)), 1);
  await b.waitClosed();
  const c = await srv.connect();
  c.send('SUBSCRIBE', 'x');
  await c.read();
  assert.equal(await a.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), 1);
  await c.waitClosed();
  a.close();
});

test('CLIENT REPLY OFF and SKIP', async () => {
  const c = await srv.connect();
  c.send('CLIENT', 'REPLY', 'OFF');
  c.send('PING');
  c.send('CLIENT', 'REPLY', 'ON');
  assert.deepEqual(await c.read(), { type: 'simple', value: 'OK' });
  c.send('CLIENT', 'REPLY', 'SKIP');
  c.send('ECHO', 'skipped');
  c.send('ECHO', 'seen');
  assert.deepEqual(plain(await c.read()), 'seen');
  c.close();
});

test('INFO sections and fields clients rely on', async () => {
  const c = await srv.connect();
  const info = String(await c.call('INFO'));
  for (const field of ['redis_version:7.0.15', 'tidings_version:', 'connected_clients:', 'used_memory:', 'total_commands_processed:', 'blocked_clients:', 'keyspace_hits:', 'total_error_replies:', 'role:master']) {
    assert.ok(info.includes(field), field);
  }
  assert.ok(info.includes('# Errorstats'));
  assert.ok(!info.includes('# Commandstats'));
  const stats = String(await c.call('INFO', 'commandstats'));
  assert.match(stats, /cmdstat_info:calls=\d+,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0/);
  const all = String(await c.call('INFO', 'all'));
  assert.ok(all.includes('# Commandstats') && all.includes('# Keyspace'));
  assert.equal(await c.call('INFO', 'nosuchsection'), '');
  c.close();
});

test('CONFIG GET/SET/RESETSTAT with Redis error texts', async () => {
  const c = await srv.connect();
  assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
  assert.deepEqual(await c.call('CONFIG', 'GET', 'client-output-buffer-limit'), [
    'client-output-buffer-limit',
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
  ]);
  assert.deepEqual(await c.call('CONFIG', 'SET', 'foo', 'bar'), {
    error: "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
  });
  assert.deepEqual(await c.call('CONFIG', 'SET', 'maxclients', 'abc'), {
    error: "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer",
  });
  assert.deepEqual(await c.call('CONFIG', 'SET', 'databases', '3'), {
    error: "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
  });
  assert.deepEqual(await c.call('CONFIG', 'SET', 'loglevel', 'loud'), {
    error: "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning",
  });
  assert.deepEqual(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Q'), {
    error: "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
  });
  assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), 'OK');
  assert.deepEqual(await c.call('CONFIG', 'GET', 'notify-keyspace-events'), ['notify-keyspace-events', 'AKE']);
  assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', ''), 'OK');
  assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '1mb', 'timeout', '0'), 'OK');
  assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '1048576']);
  assert.equal(await c.call('CONFIG', 'SET', 'maxmemory', '0'), 'OK');
  assert.deepEqual(await c.call('CONFIG', 'SET', 'timeout'), { error: "ERR wrong number of arguments for 'config|set' command" });
  assert.equal(await c.call('CONFIG', 'RESETSTAT'), 'OK');
  c.close();
});

test('COMMAND COUNT/INFO/DOCS/LIST/GETKEYS', async () => {
  const c = await srv.connect();
  const count = (await c.call('COMMAND', 'COUNT')) as number;
  assert.ok(count > 20);
  const [info] = (await c.call('COMMAND', 'INFO', 'publish')) as unknown[][];
  // As redis-server 7.0.15 reports it: may_replicate is not among COMMAND INFO's flags.
  assert.deepEqual(info!.slice(0, 6), ['publish', 3, ['pubsub', 'loading', 'stale', 'fast'], 0, 0, 0]);
  assert.deepEqual(await c.call('COMMAND', 'INFO', 'nosuch'), [null]);
  const list = (await c.call('COMMAND', 'LIST')) as string[];
  assert.ok(list.includes('subscribe') && list.includes('client'));
  assert.deepEqual(await c.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'psub*'), ['psubscribe']);
  const docs = await c.callRaw('COMMAND', 'DOCS', 'ping');
  assert.equal(docs.type, 'array');
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'ssubscribe', 'a', 'b'), ['a', 'b']);
  assert.deepEqual(await c.call('COMMAND', 'GETKEYS', 'nosuch', 'x'), { error: 'ERR Invalid command specified' });
  c.close();
});

test('TIME, ROLE, LASTSAVE', async () => {
  const c = await srv.connect();
  const [sec, usec] = (await c.call('TIME')) as string[];
  assert.ok(Math.abs(Number(sec) - Date.now() / 1000) < 60);
  assert.ok(Number(usec) >= 0 && Number(usec) < 1e6);
  assert.deepEqual(await c.call('ROLE'), ['master', 0, []]);
  assert.equal(typeof (await c.call('LASTSAVE')), 'number');
  c.close();
});

test('DEBUG is disabled by default, like Redis', async () => {
  const c = await srv.connect();
  const r = (await c.call('DEBUG', 'SLEEP', '0')) as { error: string };
  assert.match(r.error, /^ERR DEBUG command not allowed/);
  const s = await startTidings({ config: { 'enable-debug-command': 'yes' } });
  const d = await s.connect();
  assert.equal(await d.call('DEBUG', 'SLEEP', '0'), 'OK');
  assert.equal(await d.call('DEBUG', 'LOG', 'hello'), 'OK');
  assert.equal(await d.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
  // DEBUG OBJECT reports the encoding OBJECT ENCODING does (a big field value converts a hash).
  await d.call('HSET', 'h', 'f', 'v');
  assert.match((await d.call('DEBUG', 'OBJECT', 'h')) as string, / encoding:listpack /);
  await d.call('HSET', 'h', 'big', 'x'.repeat(1000));
  assert.match((await d.call('DEBUG', 'OBJECT', 'h')) as string, / encoding:hashtable /);
  await d.call('SET', 's', '12345');
  assert.match((await d.call('DEBUG', 'OBJECT', 's')) as string, / encoding:int /);
  d.close();
  await s.close();
  c.close();
});

test('SLOWLOG records slow commands', async () => {
  const c = await srv.connect();
  assert.equal(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0'), 'OK');
  assert.equal(await c.call('SLOWLOG', 'RESET'), 'OK');
  await c.call('ECHO', 'slow?');
  const entries = (await c.call('SLOWLOG', 'GET')) as unknown[][];
  assert.ok(entries.length >= 1);
  assert.deepEqual(entries.find((e) => (e[3] as string[])[0] === 'ECHO')?.[3], ['ECHO', 'slow?']);
  assert.ok(((await c.call('SLOWLOG', 'LEN')) as number) >= 1);
  assert.equal(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000'), 'OK');
  c.close();
});

test('MONITOR streams other clients commands', async () => {
  const m = await srv.connect();
  assert.equal(await m.call('MONITOR'), 'OK');
  const c = await srv.connect();
  await c.call('ECHO', 'watch "me"');
  const line = plain(await m.read()) as string;
  assert.match(line, /^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "ECHO" "watch \\"me\\""$/);
  m.close();
  c.close();
});

test('maxclients refuses extra connections with the Redis error', async () => {
  const s = await startTidings({ config: { maxclients: 1 } });
  const a = await s.connect();
  assert.equal(await a.call('PING'), 'PONG');
  const b = await s.connect();
  assert.deepEqual(await b.read(), { type: 'error', value: 'ERR max number of clients reached' });
  await b.waitClosed();
  a.close();
  await s.close();
});

test('idle clients are closed after `timeout` seconds', async () => {
  const s = await startTidings({ config: { timeout: 1 } });
  const a = await s.connect();
  assert.equal(await a.call('PING'), 'PONG');
  await a.waitClosed(10000);
  await s.close();
});

test('servers in one process do not share state', async () => {
  const s2 = await startTidings();
  srv.server!.dbs[0]!.set('only-here', 'string', Buffer.from('1'));
  assert.equal(s2.server!.dbs[0]!.size, 0);
  const a = await srv.connect();
  const b = await s2.connect();
  b.send('SUBSCRIBE', 'iso');
  await b.read();
  assert.equal(await a.call('PUBLISH', 'iso', 'x'), 0);
  a.close();
  b.close();
  await s2.close();
  srv.server!.dbs[0]!.flush();
});

test('SWAPDB, WAIT, READONLY, LATENCY, SAVE/BGSAVE', async () => {
  const c = await srv.connect();
  srv.server!.dbs[0]!.set('in0', 'string', Buffer.from('x'));
  assert.equal(await c.call('SWAPDB', '0', '1'), 'OK');
  assert.equal(srv.server!.dbs[1]!.has('in0'), true);
  assert.equal(srv.server!.dbs[0]!.has('in0'), false);
  assert.deepEqual(await c.call('SWAPDB', '0', '99'), { error: 'ERR DB index is out of range' });
  assert.deepEqual(await c.call('SWAPDB', 'x', '1'), { error: 'ERR invalid first DB index' });
  assert.equal(await c.call('FLUSHALL'), 'OK');
  assert.equal(await c.call('WAIT', '0', '0'), 0);
  assert.deepEqual(await c.call('READONLY'), { error: 'ERR This instance has cluster support disabled' });
  assert.deepEqual(await c.call('LATENCY', 'LATEST'), []);
  // latency-monitor-threshold is 0 (off) by default: the doctor says so rather than giving an all-clear.
  assert.match(String(await c.call('LATENCY', 'DOCTOR')), /Latency monitoring is disabled/);
  c.close();
});

test('SHUTDOWN closes the server', async () => {
  const s = await startTidings();
  const c = await s.connect();
  c.send('SHUTDOWN');
  await c.waitClosed();
  await s.close();
});

test('MONITOR shows transactions and scripts in Redis order', async () => {
  const m = await srv.connect();
  assert.equal(await m.call('MONITOR'), 'OK');
  const c = await srv.connect();
  await c.call('MULTI');
  await c.call('ECHO', 'inside');
  await c.call('EXEC');
  await c.call('EVAL', "return redis.call('ECHO', 'from lua')", '0');
  const lines: string[] = [];
  for (let i = 0; i < 5; i++) lines.push((plain(await m.read()) as string).replace(/^\d+\.\d{6} /, ''));
  assert.deepEqual(
    lines.map((l) => l.replace(/127\.0\.0\.1:\d+/, 'addr')),
    [
      '[0 addr] "MULTI"',
      '[0 addr] "ECHO" "inside"',
      '[0 addr] "EXEC"',
      `[0 addr] "EVAL" "return redis.call('ECHO', 'from lua')" "0"`,
      '[0 lua] "ECHO" "from lua"',
    ],
  );
  m.close();
  c.close();
});

test('SLOWLOG keeps the newest slowlog-max-len entries, newest first', async () => {
  const c = await srv.connect();
  await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '3');
  await c.call('SLOWLOG', 'RESET');
  for (let i = 0; i < 10; i++) await c.call('ECHO', `e${i}`);
  assert.equal(await c.call('SLOWLOG', 'LEN'), 3);
  const entries = (await c.call('SLOWLOG', 'GET', '-1')) as unknown[][];
  assert.equal(entries.length, 3);
  const ids = entries.map((e) => e[0] as number);
  assert.deepEqual([...ids].sort((a, b) => b - a), ids);
  // The newest entry is the SLOWLOG LEN itself; the ECHOs before it are the last ones sent.
  assert.deepEqual(entries[1]![3], ['ECHO', 'e9']);
  assert.equal(((await c.call('SLOWLOG', 'GET', '1')) as unknown[]).length, 1);
  await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
  c.close();
});

test('unixsocket: commands over a Unix domain socket, shown with flags=U', async () => {
  const net = await import('node:net');
  const os = await import('node:os');
  const path = await import('node:path');
  const sock = path.join(os.tmpdir(), `tidings-test-${process.pid}.sock`);
  const s = await startTidings({ config: { unixsocket: sock, unixsocketperm: 0o700 } });
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const c = net.createConnection(sock, () => c.write('*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n'));
      let data = '';
      c.on('data', (d) => {
        data += d.toString();
        if (/flags=\S+/.test(data) && data.endsWith('\r\n')) {
          c.destroy();
          resolve(data);
        }
      });
      c.on('error', reject);
    });
    assert.match(reply, /^\$2\r\nhi\r\n/);
    assert.match(reply, /flags=U /);
    const tcp = await s.connect();
    assert.equal(await tcp.call('PING'), 'PONG');
    tcp.close();
  } finally {
    await s.close();
  }
});
