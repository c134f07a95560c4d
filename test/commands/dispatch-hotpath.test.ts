// What dispatch caches per command on its hot path must not change what clients see: commandstats
// records and latency histograms cached per command spec (dropped by CONFIG RESETSTAT, separate
// per server in one process), and the access clock read once per command for the keys it touches
// (OBJECT IDLETIME). Over TCP, two in-process servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { twoServers } from '../helpers/fixtures.js';
import type { RespClient } from '../helpers/resp.js';

const servers = twoServers();

async function calls(c: RespClient, command: string): Promise<number | undefined> {
  const info = String(await c.call('INFO', 'commandstats'));
  const m = new RegExp(`\\r\\ncmdstat_${command}:calls=(\\d+),usec=(\\d+),usec_per_call=[\\d.]+,rejected_calls=(\\d+),failed_calls=(\\d+)`).exec(info);
  return m === null ? undefined : Number(m[1]);
}

async function histogramCalls(c: RespClient, command: string): Promise<number | undefined> {
  const reply = (await c.call('LATENCY', 'HISTOGRAM', command)) as unknown[];
  if (reply.length === 0) return undefined;
  return (reply[1] as unknown[])[1] as number;
}

test('commandstats and latency histograms count from zero after CONFIG RESETSTAT, per server', async () => {
  const ca = await servers.a.connect();
  const cb = await servers.b.connect();
  await ca.call('CONFIG', 'RESETSTAT');
  await cb.call('CONFIG', 'RESETSTAT');
  for (let i = 0; i < 3; i++) await ca.call('SET', 'k', String(i));
  await cb.call('SET', 'k', 'v');
  await ca.call('INCR', 'n');
  assert.equal(await calls(ca, 'set'), 3);
  assert.equal(await calls(cb, 'set'), 1);
  assert.equal(await histogramCalls(ca, 'set'), 3);
  assert.equal(await histogramCalls(cb, 'set'), 1);

  assert.equal(await ca.call('CONFIG', 'RESETSTAT'), 'OK');
  assert.equal(await calls(ca, 'set'), undefined);
  assert.equal(await calls(ca, 'incr'), undefined);
  assert.equal(await histogramCalls(ca, 'set'), undefined);
  await ca.call('SET', 'k', 'again');
  await ca.call('SET', 'k', 'again');
  assert.equal(await calls(ca, 'set'), 2);
  assert.equal(await histogramCalls(ca, 'set'), 2);
  // A failed call is counted on the same record.
  assert.deepEqual(await ca.call('INCR', 'k'), { error: 'ERR value is not an integer or out of range' });
  assert.match(String(await ca.call('INFO', 'commandstats')), /\r\ncmdstat_incr:calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=1\r\n/);
  // The other server's records were not touched by the reset.
  await cb.call('SET', 'k', 'w');
  assert.equal(await calls(cb, 'set'), 2);
  assert.equal(await histogramCalls(cb, 'set'), 2);

  // With latency-tracking off nothing is recorded, and back on it resumes on the same histogram.
  await ca.call('CONFIG', 'SET', 'latency-tracking', 'no');
  await ca.call('SET', 'k', 'x');
  await ca.call('CONFIG', 'SET', 'latency-tracking', 'yes');
  await ca.call('SET', 'k', 'y');
  assert.equal(await histogramCalls(ca, 'set'), 3);
  assert.equal(await calls(ca, 'set'), 4);
  ca.close();
  cb.close();
});

test('keys touched by a command get its time as their access time (OBJECT IDLETIME)', async () => {
  const c = await servers.a.connect();
  const other = await servers.a.connect();
  await c.call('FLUSHALL');
  await c.call('MSET', 'get', '1', 'm1', '1', 'm2', '1', 'script', '1', 'multi', '1', 'untouched', '1');
  await c.call('HSET', 'h', 'f', 'v');
  await sleep(2100);
  for (const key of ['get', 'm1', 'm2', 'script', 'multi', 'untouched', 'h']) {
    assert.ok(((await c.call('OBJECT', 'IDLETIME', key)) as number) >= 2, key);
  }
  await c.call('GET', 'get');
  await c.call('MGET', 'm1', 'nokey', 'm2');
  await c.call('EVAL', "return redis.call('GET', KEYS[1])", '1', 'script');
  await c.call('MULTI');
  await c.call('GET', 'multi');
  await c.call('HSET', 'h', 'f', 'w');
  await c.call('EXEC');
  // A blocked pop served later, outside any command of its own client.
  const blocked = other.call('BLPOP', 'list', '0');
  while (!String(await c.call('CLIENT', 'LIST')).includes('cmd=blpop')) await sleep(5);
  await c.call('RPUSH', 'list', 'a', 'b');
  assert.deepEqual(await blocked, ['list', 'a']);
  // On a loaded machine a second may pass between two replies: touched keys read at most 1.
  for (const key of ['get', 'm1', 'm2', 'script', 'multi', 'h', 'list']) {
    assert.ok(((await c.call('OBJECT', 'IDLETIME', key)) as number) <= 1, key);
  }
  assert.ok(((await c.call('OBJECT', 'IDLETIME', 'untouched')) as number) >= 2);
  c.close();
  other.close();
});
