// Expiry over TCP: EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT with NX/XX/GT/LT, TTL/PTTL/EXPIRETIME/
// PEXPIRETIME, PERSIST, lazy expiry on access and the active cycle reclaiming untouched keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

let srv: TestServer;
let c: RespClient;
before(async () => {
  srv = await startTidings();
  c = await srv.connect();
});
after(async () => {
  c.close();
  await srv.close();
});

const err = (text: string) => ({ error: text });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function info(section: string): Promise<Map<string, string>> {
  const text = (await c.call('INFO', section)) as string;
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** Poll until `check` holds; generous deadline, no timing assertions. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for: ${what}`);
}

test('TTL family on missing keys, keys without TTL, and keys with one', async () => {
  await c.call('FLUSHALL');
  for (const cmd of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) assert.equal(await c.call(cmd, 'nokey'), -2, cmd);
  await c.call('SET', 'k', 'v');
  for (const cmd of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) assert.equal(await c.call(cmd, 'k'), -1, cmd);
  const at = Date.now() + 100000;
  assert.equal(await c.call('PEXPIREAT', 'k', String(at)), 1);
  assert.equal(await c.call('PEXPIRETIME', 'k'), at);
  assert.equal(await c.call('EXPIRETIME', 'k'), Math.floor((at + 500) / 1000));
  const pttl = (await c.call('PTTL', 'k')) as number;
  assert.ok(pttl > 90000 && pttl <= 100000);
  assert.equal(await c.call('TTL', 'k'), 100);
  assert.deepEqual(await c.call('TTL'), err("ERR wrong number of arguments for 'ttl' command"));
});

test('EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT and the NX/XX/GT/LT conditions', async () => {
  await c.call('FLUSHALL');
  await c.call('SET', 'k', 'v');
  assert.equal(await c.call('EXPIRE', 'nokey', '10'), 0);
  assert.equal(await c.call('EXPIRE', 'k', '100', 'XX'), 0, 'XX needs an existing TTL');
  assert.equal(await c.call('EXPIRE', 'k', '100', 'GT'), 0, 'no TTL counts as infinite for GT');
  assert.equal(await c.call('EXPIRE', 'k', '100', 'NX'), 1);
  assert.equal(await c.call('EXPIRE', 'k', '200', 'NX'), 0);
  assert.equal(await c.call('EXPIRE', 'k', '200', 'XX'), 1);
  assert.equal(await c.call('TTL', 'k'), 200);
  assert.equal(await c.call('EXPIRE', 'k', '100', 'GT'), 0);
  assert.equal(await c.call('EXPIRE', 'k', '300', 'GT'), 1);
  assert.equal(await c.call('EXPIRE', 'k', '400', 'LT'), 0);
  assert.equal(await c.call('EXPIRE', 'k', '50', 'LT'), 1);
  assert.equal(await c.call('TTL', 'k'), 50);
  assert.equal(await c.call('PEXPIRE', 'k', '70000'), 1);
  assert.equal(await c.call('TTL', 'k'), 70);
  assert.equal(await c.call('EXPIREAT', 'k', String(Math.floor(Date.now() / 1000) + 80)), 1);
  assert.ok(Math.abs(((await c.call('TTL', 'k')) as number) - 80) <= 1);
  await c.call('PERSIST', 'k');
  assert.equal(await c.call('EXPIRE', 'k', '10', 'LT'), 1, 'no TTL counts as infinite for LT');

  assert.deepEqual(await c.call('EXPIRE', 'k', '10', 'NX', 'XX'), err('ERR NX and XX, GT or LT options at the same time are not compatible'));
  assert.deepEqual(await c.call('EXPIRE', 'k', '10', 'GT', 'LT'), err('ERR GT and LT options at the same time are not compatible'));
  assert.deepEqual(await c.call('EXPIRE', 'k', '10', 'foo'), err('ERR Unsupported option foo'));
  assert.deepEqual(await c.call('EXPIRE', 'k', 'abc'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(await c.call('EXPIRE', 'k', '9223372036854775807'), err("ERR invalid expire time in 'expire' command"));
  assert.deepEqual(await c.call('PEXPIRE', 'k', '9223372036854775807'), err("ERR invalid expire time in 'pexpire' command"));
  assert.deepEqual(await c.call('EXPIREAT', 'k', '9223372036854775807'), err("ERR invalid expire time in 'expireat' command"));
  assert.deepEqual(await c.call('EXPIRE', 'k'), err("ERR wrong number of arguments for 'expire' command"));
});

test('a time in the past deletes the key at once', async () => {
  await c.call('FLUSHALL');
  for (const [cmd, arg] of [
    ['EXPIRE', '-1'],
    ['PEXPIRE', '0'],
    ['EXPIREAT', '1'],
    ['PEXPIREAT', '1'],
  ] as const) {
    await c.call('SET', 'd', 'v');
    assert.equal(await c.call(cmd, 'd', arg), 1, cmd);
    assert.equal(await c.call('EXISTS', 'd'), 0, cmd);
  }
});

test('PERSIST and TTL on other value types', async () => {
  await c.call('FLUSHALL');
  srv.server!.dbs[0]!.set('h', 'hash', new Map([['f', 'v']]));
  assert.equal(await c.call('PERSIST', 'h'), 0);
  assert.equal(await c.call('EXPIRE', 'h', '100'), 1);
  assert.equal(await c.call('TTL', 'h'), 100);
  assert.equal(await c.call('PERSIST', 'h'), 1);
  assert.equal(await c.call('TTL', 'h'), -1);
  assert.equal(await c.call('PERSIST', 'nokey'), 0);
});

test('lazy expiry: an expired key is gone on access and counted', async () => {
  await c.call('FLUSHALL');
  srv.server!.activeExpireEnabled = false;
  try {
    const before = Number((await info('stats')).get('expired_keys'));
    await c.call('SET', 'k', 'v', 'PX', '20');
    await c.call('SET', 'k2', 'v', 'PX', '20');
    await sleep(40);
    assert.equal(srv.server!.dbs[0]!.size, 2, 'still stored: nothing touched them and the cycle is off');
    assert.equal(await c.call('GET', 'k'), null);
    assert.equal(await c.call('TTL', 'k2'), -2);
    assert.equal(srv.server!.dbs[0]!.size, 0);
    assert.equal(Number((await info('stats')).get('expired_keys')), before + 2);
  } finally {
    srv.server!.activeExpireEnabled = true;
  }
});

test('active expiry reclaims keys nobody touches', async () => {
  await c.call('FLUSHALL');
  const args: string[] = [];
  for (let i = 0; i < 500; i++) args.push(`tmp:${i}`, 'v');
  await c.call('MSET', ...args);
  for (let i = 0; i < 500; i++) await c.call('PEXPIRE', `tmp:${i}`, '30');
  await c.call('SET', 'keeper', 'v');
  await eventually(async () => srv.server!.dbs[0]!.size === 1, 'the active cycle removes 500 expired keys');
  const keyspace = await info('keyspace');
  assert.equal(keyspace.get('db0'), 'keys=1,expires=0,avg_ttl=0');
  assert.equal(await c.call('DBSIZE'), 1);
});

test('expired keys are notified', async () => {
  await c.call('FLUSHALL');
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ex');
  const sub = await srv.connect();
  try {
    await sub.call('SUBSCRIBE', '__keyevent@0__:expired');
    await c.call('SET', 'k', 'v', 'PX', '10');
    const msg = plain(await sub.read(10000)) as string[];
    assert.deepEqual(msg, ['message', '__keyevent@0__:expired', 'k']);
  } finally {
    sub.close();
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
});

test('an expired key does not resurface through WATCH-free paths (KEYS, SCAN, EXISTS, RANDOMKEY)', async () => {
  await c.call('FLUSHALL');
  srv.server!.activeExpireEnabled = false;
  try {
    await c.call('SET', 'gone', 'v', 'PX', '5');
    await sleep(20);
    assert.deepEqual(await c.call('KEYS', '*'), []);
    assert.deepEqual(await c.call('SCAN', '0'), ['0', []]);
    assert.equal(await c.call('EXISTS', 'gone'), 0);
    assert.equal(await c.call('RANDOMKEY'), null);
    assert.equal(await c.call('DBSIZE'), 0);
  } finally {
    srv.server!.activeExpireEnabled = true;
  }
});
