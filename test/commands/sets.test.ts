// Set commands over TCP. Expected values and error texts were checked on redis-server 7.0.15.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';
import { MemberSet, encodingOf } from '../../src/types/set.js';

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

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
const SYNTAX = { error: 'ERR syntax error' };
const NOT_INT = { error: 'ERR value is not an integer or out of range' };
const POSITIVE = { error: 'ERR value is out of range, must be positive' };
const arity = (name: string) => ({ error: `ERR wrong number of arguments for '${name}' command` });

/** Database 0 emptied, plus a list `l` to provoke WRONGTYPE. */
async function fresh(): Promise<void> {
  await c.call('FLUSHALL');
  assert.equal(await c.call('RPUSH', 'l', 'x'), 1);
}

const exists = (key: string) => srv.server!.dbs[0]!.peek(key) !== undefined;
const sorted = (v: unknown) => [...(v as string[])].sort();

function encoding(key: string): string | undefined {
  const entry = srv.server!.dbs[0]!.peek(key);
  return entry?.type === 'set' ? encodingOf(entry.value, srv.server!.config) : undefined;
}

test('SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS', async () => {
  await fresh();
  assert.equal(await c.call('SADD', 's', 'a', 'b', 'c', 'a'), 3);
  assert.equal(await c.call('SADD', 's', 'a', 'd'), 1);
  assert.equal(await c.call('SCARD', 's'), 4);
  assert.equal(await c.call('SCARD', 'nokey'), 0);
  assert.equal(await c.call('SISMEMBER', 's', 'a'), 1);
  assert.equal(await c.call('SISMEMBER', 's', 'z'), 0);
  assert.equal(await c.call('SISMEMBER', 'nokey', 'a'), 0);
  assert.deepEqual(await c.call('SMISMEMBER', 's', 'a', 'z', 'd'), [1, 0, 1]);
  assert.deepEqual(await c.call('SMISMEMBER', 'nokey', 'a'), [0]);
  assert.deepEqual(sorted(await c.call('SMEMBERS', 's')), ['a', 'b', 'c', 'd']);
  assert.deepEqual(await c.call('SMEMBERS', 'nokey'), []);
  assert.equal(await c.call('SREM', 's', 'a', 'z', 'a'), 1);
  assert.equal(await c.call('SREM', 'nokey', 'a'), 0);
  assert.equal(await c.call('SREM', 's', 'b', 'c', 'd'), 3);
  assert.equal(exists('s'), false, 'an emptied set is deleted');
  assert.deepEqual(await c.call('SADD', 's'), arity('sadd'));
  assert.deepEqual(await c.call('SMISMEMBER', 's'), arity('smismember'));
  for (const args of [
    ['SADD', 'l', 'a'],
    ['SREM', 'l', 'a'],
    ['SCARD', 'l'],
    ['SISMEMBER', 'l', 'a'],
    ['SMISMEMBER', 'l', 'a'],
    ['SMEMBERS', 'l'],
  ]) {
    assert.deepEqual(await c.call(...args), WRONGTYPE, args.join(' '));
  }
});

test('RESP3: SMEMBERS and set algebra reply with sets, SMISMEMBER with an array', async () => {
  await fresh();
  await c.call('SADD', 'i', '3', '1', '2');
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.equal((await r3.callFrame('SMEMBERS', 'i')).raw.toString(), '~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n');
  assert.equal((await r3.callFrame('SMEMBERS', 'nokey')).raw.toString(), '~0\r\n');
  for (const cmd of ['SINTER', 'SUNION', 'SDIFF']) assert.equal((await r3.callRaw(cmd, 'i', 'nokey')).type, 'set');
  assert.equal((await r3.callRaw('SPOP', 'nokey', '2')).type, 'set');
  assert.equal((await r3.callRaw('SPOP', 'i', '1')).type, 'set');
  assert.equal((await r3.callRaw('SRANDMEMBER', 'i', '2')).type, 'array');
  assert.equal((await r3.callRaw('SMISMEMBER', 'i', '1')).type, 'array');
  assert.equal((await r3.callRaw('SPOP', 'nokey')).type, 'null');
  r3.close();
});

test('intsets reply in numeric order, like Redis', async () => {
  await fresh();
  await c.call('SADD', 'i', '10', '-5', '3', '9223372036854775807', '-9223372036854775808');
  assert.deepEqual(await c.call('SMEMBERS', 'i'), ['-9223372036854775808', '-5', '3', '10', '9223372036854775807']);
  assert.deepEqual(await c.call('SSCAN', 'i', '0'), ['0', ['-9223372036854775808', '-5', '3', '10', '9223372036854775807']]);
  await c.call('SADD', 'j', '3', '10', '7');
  assert.deepEqual(await c.call('SUNION', 'i', 'j'), ['-9223372036854775808', '-5', '3', '7', '10', '9223372036854775807']);
  assert.deepEqual(await c.call('SINTER', 'j', 'i'), ['3', '10']);
  assert.deepEqual(await c.call('SDIFF', 'j', 'i'), ['7']);
});

test('SPOP and SRANDMEMBER: counts, negative counts, errors', async () => {
  await fresh();
  await c.call('SADD', 's', 'a', 'b', 'c', 'd', 'e');
  const one = (await c.call('SPOP', 's')) as string;
  assert.ok(['a', 'b', 'c', 'd', 'e'].includes(one));
  assert.equal(await c.call('SCARD', 's'), 4);
  const two = (await c.call('SPOP', 's', '2')) as string[];
  assert.equal(new Set(two).size, 2);
  assert.ok(!two.includes(one));
  assert.equal(await c.call('SCARD', 's'), 2);
  assert.deepEqual(await c.call('SPOP', 's', '0'), []);
  assert.deepEqual(await c.call('SPOP', 's', '-1'), POSITIVE);
  assert.deepEqual(await c.call('SPOP', 's', 'x'), POSITIVE);
  assert.deepEqual(await c.call('SPOP', 's', '1', '2'), SYNTAX);
  const rest = (await c.call('SPOP', 's', '10')) as string[];
  assert.equal(rest.length, 2);
  assert.equal(exists('s'), false);
  assert.equal(await c.call('SPOP', 's'), null);
  assert.deepEqual(await c.call('SPOP', 's', '3'), []);

  await c.call('SADD', 'r', 'a', 'b', 'c');
  assert.ok(['a', 'b', 'c'].includes((await c.call('SRANDMEMBER', 'r')) as string));
  assert.deepEqual(sorted(await c.call('SRANDMEMBER', 'r', '5')), ['a', 'b', 'c']);
  assert.equal(new Set((await c.call('SRANDMEMBER', 'r', '2')) as string[]).size, 2);
  const repeats = (await c.call('SRANDMEMBER', 'r', '-10')) as string[];
  assert.equal(repeats.length, 10);
  assert.ok(repeats.every((m) => ['a', 'b', 'c'].includes(m)));
  assert.deepEqual(await c.call('SRANDMEMBER', 'r', '0'), []);
  assert.equal(await c.call('SRANDMEMBER', 'nokey'), null);
  assert.deepEqual(await c.call('SRANDMEMBER', 'nokey', '3'), []);
  assert.deepEqual(await c.call('SRANDMEMBER', 'r', 'x'), NOT_INT);
  assert.deepEqual(await c.call('SRANDMEMBER', 'r', '1', '2'), SYNTAX);
  assert.deepEqual(await c.call('SRANDMEMBER', 'r', '-9223372036854775808'), {
    error: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  });
  assert.equal(await c.call('SCARD', 'r'), 3, 'SRANDMEMBER does not remove');
  for (const args of [
    ['SPOP', 'l'],
    ['SPOP', 'l', '1'],
    ['SRANDMEMBER', 'l'],
    ['SRANDMEMBER', 'l', '1'],
  ]) {
    assert.deepEqual(await c.call(...args), WRONGTYPE, args.join(' '));
  }
});

test('SPOP drains a large set, one random member at a time, without repeats', async () => {
  await fresh();
  const members = Array.from({ length: 2000 }, (_, i) => `m${i}`);
  await c.call('SADD', 'big', ...members);
  const popped = new Set<string>();
  for (let i = 0; i < 1000; i++) popped.add((await c.call('SPOP', 'big')) as string);
  assert.equal(popped.size, 1000);
  const batch = (await c.call('SPOP', 'big', '900')) as string[];
  for (const m of batch) assert.ok(!popped.has(m));
  assert.equal(new Set(batch).size, 900);
  assert.equal(await c.call('SCARD', 'big'), 100);
  const left = (await c.call('SMEMBERS', 'big')) as string[];
  assert.deepEqual([...popped, ...batch, ...left].sort(), [...members].sort());
});

test('SMOVE', async () => {
  await fresh();
  await c.call('SADD', 'a', 'x', 'y');
  await c.call('SADD', 'b', 'y');
  assert.equal(await c.call('SMOVE', 'a', 'b', 'x'), 1);
  assert.equal(await c.call('SMOVE', 'a', 'b', 'y'), 1, 'already in the destination: still a move');
  assert.equal(exists('a'), false);
  assert.deepEqual(sorted(await c.call('SMEMBERS', 'b')), ['x', 'y']);
  assert.equal(await c.call('SMOVE', 'a', 'b', 'x'), 0);
  assert.equal(await c.call('SMOVE', 'b', 'c', 'zz'), 0);
  assert.equal(await c.call('SMOVE', 'b', 'b', 'x'), 1);
  assert.equal(await c.call('SMOVE', 'b', 'b', 'zz'), 0);
  assert.equal(await c.call('SMOVE', 'b', 'c', 'x'), 1);
  assert.deepEqual(await c.call('SMEMBERS', 'c'), ['x']);
  assert.deepEqual(await c.call('SMOVE', 'l', 'c', 'x'), WRONGTYPE);
  assert.deepEqual(await c.call('SMOVE', 'c', 'l', 'x'), WRONGTYPE);
  assert.equal(await c.call('SMOVE', 'nokey', 'l', 'x'), 0);
  assert.equal(await c.call('SCARD', 'c'), 1);
});

test('SINTER, SUNION, SDIFF and their STORE forms', async () => {
  await fresh();
  await c.call('SADD', 'a', 'x', 'y', 'z');
  await c.call('SADD', 'b', 'y', 'z', 'w');
  await c.call('SADD', 'c', 'z');
  assert.deepEqual(sorted(await c.call('SINTER', 'a', 'b')), ['y', 'z']);
  assert.deepEqual(await c.call('SINTER', 'a', 'b', 'c'), ['z']);
  assert.deepEqual(await c.call('SINTER', 'a', 'nokey'), []);
  assert.deepEqual(sorted(await c.call('SUNION', 'a', 'b', 'nokey')), ['w', 'x', 'y', 'z']);
  assert.deepEqual(await c.call('SDIFF', 'a', 'b'), ['x']);
  assert.deepEqual(await c.call('SDIFF', 'nokey', 'a'), []);
  assert.deepEqual(sorted(await c.call('SDIFF', 'a', 'nokey')), ['x', 'y', 'z']);
  assert.equal(await c.call('SINTERSTORE', 'd', 'a', 'b'), 2);
  assert.deepEqual(sorted(await c.call('SMEMBERS', 'd')), ['y', 'z']);
  assert.equal(await c.call('SUNIONSTORE', 'd', 'a', 'b'), 4);
  assert.equal(await c.call('SDIFFSTORE', 'd', 'a', 'b', 'c'), 1);
  assert.deepEqual(await c.call('SMEMBERS', 'd'), ['x']);
  assert.equal(await c.call('SINTERSTORE', 'd', 'a', 'nokey'), 0);
  assert.equal(exists('d'), false, 'an empty result deletes the destination');
  // The destination may be a source, and may hold another type (it is overwritten).
  assert.equal(await c.call('SUNIONSTORE', 'a', 'a', 'b'), 4);
  assert.equal(await c.call('SINTERSTORE', 'l2', 'c'), 1);
  await c.call('RPUSH', 'dl', 'x');
  assert.equal(await c.call('SUNIONSTORE', 'dl', 'c'), 1);
  assert.deepEqual(await c.call('SMEMBERS', 'dl'), ['z']);
  for (const args of [
    ['SINTER', 'a', 'l'],
    ['SINTER', 'nokey', 'l'],
    ['SUNION', 'l'],
    ['SDIFF', 'nokey', 'l'],
    ['SINTERSTORE', 'd', 'l'],
    ['SUNIONSTORE', 'd', 'a', 'l'],
    ['SDIFFSTORE', 'd', 'nokey', 'l'],
  ]) {
    assert.deepEqual(await c.call(...args), WRONGTYPE, args.join(' '));
  }
  assert.deepEqual(await c.call('SINTERSTORE', 'd'), arity('sinterstore'));
  assert.deepEqual(await c.call('SUNION'), arity('sunion'));
});

test('SINTERCARD with LIMIT and its errors', async () => {
  await fresh();
  await c.call('SADD', 'a', '1', '2', '3', '4');
  await c.call('SADD', 'b', '2', '3', '4', '5');
  assert.equal(await c.call('SINTERCARD', '2', 'a', 'b'), 3);
  assert.equal(await c.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'), 2);
  assert.equal(await c.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'), 3);
  assert.equal(await c.call('SINTERCARD', '1', 'a'), 4);
  assert.equal(await c.call('SINTERCARD', '2', 'a', 'nokey'), 0);
  assert.deepEqual(await c.call('SINTERCARD', '0', 'a'), { error: 'ERR numkeys should be greater than 0' });
  assert.deepEqual(await c.call('SINTERCARD', 'x', 'a'), { error: 'ERR numkeys should be greater than 0' });
  assert.deepEqual(await c.call('SINTERCARD', '3', 'a', 'b'), { error: "ERR Number of keys can't be greater than number of args" });
  assert.deepEqual(await c.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '-1'), { error: "ERR LIMIT can't be negative" });
  assert.deepEqual(await c.call('SINTERCARD', '2', 'a', 'b', 'LIMIT'), SYNTAX);
  assert.deepEqual(await c.call('SINTERCARD', '1', 'a', 'b'), SYNTAX);
  assert.deepEqual(await c.call('SINTERCARD', '2', 'a', 'l'), WRONGTYPE);
});

test('SSCAN: intsets whole, hash tables with a cursor that survives churn', async () => {
  await fresh();
  await c.call('SADD', 'i', '3', '1', '2');
  assert.deepEqual(await c.call('SSCAN', 'i', '0', 'COUNT', '1'), ['0', ['1', '2', '3']]);
  assert.deepEqual(await c.call('SSCAN', 'i', '0', 'MATCH', '[12]'), ['0', ['1', '2']]);
  assert.deepEqual(await c.call('SSCAN', 'nokey', '0'), ['0', []]);
  assert.deepEqual(await c.call('SSCAN', 'i', 'x'), { error: 'ERR invalid cursor' });
  assert.deepEqual(await c.call('SSCAN', 'i', '0', 'COUNT', '0'), SYNTAX);
  assert.deepEqual(await c.call('SSCAN', 'i', '0', 'MATCH'), SYNTAX);
  assert.deepEqual(await c.call('SSCAN', 'l', '0'), WRONGTYPE);
  const members = Array.from({ length: 500 }, (_, i) => `m${i}`);
  await c.call('SADD', 'big', ...members);
  const seen = new Set<string>();
  let cursor = '0';
  let step = 0;
  do {
    const [next, items] = (await c.call('SSCAN', 'big', cursor, 'COUNT', '20')) as [string, string[]];
    for (const m of items) seen.add(m);
    if (step++ % 2 === 0 && items.length > 0) {
      await c.call('SREM', 'big', items[0]!);
      await c.call('SADD', 'big', `new${step}`);
    }
    cursor = next;
  } while (cursor !== '0');
  for (const m of members) assert.ok(seen.has(m), `${m} present throughout is returned`);
  assert.ok(step > 10);
});

test('encodings follow Redis 7.0: intset, then hashtable for good', async () => {
  await fresh();
  await c.call('SADD', 'i', '1', '2', '-3');
  assert.equal(encoding('i'), 'intset');
  await c.call('SADD', 'i', 'x');
  assert.equal(encoding('i'), 'hashtable');
  await c.call('SREM', 'i', 'x');
  assert.equal(encoding('i'), 'hashtable', 'no conversion back');
  await c.call('SADD', 's', 'a');
  assert.equal(encoding('s'), 'hashtable');
  await c.call('SADD', 'n', '01');
  assert.equal(encoding('n'), 'hashtable', '"01" is not a canonical integer');
  await c.call('CONFIG', 'SET', 'set-max-intset-entries', '3');
  await c.call('SADD', 'j', '1', '2', '3');
  assert.equal(encoding('j'), 'intset');
  await c.call('SADD', 'j', '4');
  assert.equal(encoding('j'), 'hashtable');
  await c.call('SUNIONSTORE', 'u', 'j');
  assert.equal(encoding('u'), 'hashtable');
  await c.call('SINTERSTORE', 'u2', 'j', 'j');
  await c.call('SREM', 'u2', '4');
  assert.equal(encoding('u2'), 'hashtable');
  await c.call('CONFIG', 'SET', 'set-max-intset-entries', '512');
  await c.call('SDIFFSTORE', 'u3', 'j');
  assert.equal(encoding('u3'), 'intset');
  assert.equal(encodingOf(new MemberSet(undefined, ['1', '2']), srv.server!.config), 'intset');
  assert.equal(encodingOf(new MemberSet(undefined, ['1', 'b']), srv.server!.config), 'hashtable');
});

test('binary-safe members', async () => {
  await fresh();
  const m = Buffer.from([0, 255, 0xc3, 0x28]);
  assert.equal(await c.call('SADD', 's', m, Buffer.alloc(0)), 2);
  assert.equal(await c.call('SISMEMBER', 's', m), 1);
  assert.equal(await c.call('SISMEMBER', 's', Buffer.from([0, 255, 0xc3])), 0);
  const reply = await c.callRaw('SMEMBERS', 's');
  assert.equal(reply.type, 'array');
  if (reply.type === 'array') assert.deepEqual(reply.value[0], { type: 'bulk', value: m });
});

test('keyspace notifications', async () => {
  await fresh();
  const sub = await srv.connect();
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  const expect = async (cmd: string[], expected: string[]) => {
    await c.call(...cmd);
    const events: string[] = [];
    for (let i = 0; i < expected.length; i++) {
      const msg = plain(await sub.read()) as string[];
      events.push(`${msg[2]!.split(':')[1]} ${msg[3]}`);
    }
    assert.deepEqual(events, expected, cmd.join(' '));
    assert.ok(await sub.silentFor(20), `no extra events after ${cmd.join(' ')}`);
  };
  await expect(['SADD', 's', 'a', 'b'], ['sadd s']);
  await expect(['SADD', 's', 'a'], []);
  await expect(['SREM', 's', 'zz'], []);
  await expect(['SMOVE', 's', 't', 'a'], ['srem s', 'sadd t']);
  await expect(['SMOVE', 's', 't', 'b'], ['srem s', 'del s', 'sadd t']);
  await expect(['SADD', 's', 'a'], ['sadd s']);
  await expect(['SMOVE', 's', 't', 'a'], ['srem s', 'del s']);
  await expect(['SINTERSTORE', 'u', 't', 't'], ['sinterstore u']);
  await expect(['SUNIONSTORE', 'u', 't'], ['sunionstore u']);
  await expect(['SDIFFSTORE', 'u', 't'], ['sdiffstore u']);
  await expect(['SDIFFSTORE', 'u', 't', 't'], ['del u']);
  await expect(['SDIFFSTORE', 'u', 't', 't'], []);
  await expect(['SPOP', 't'], ['spop t']);
  await expect(['SPOP', 't', '5'], ['spop t', 'del t']);
  await expect(['SADD', 'r', 'x'], ['sadd r']);
  await expect(['SREM', 'r', 'x'], ['srem r', 'del r']);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.close();
});

test('WATCH sees in-place set changes', async () => {
  await fresh();
  await c.call('SADD', 's', 'a', 'b', 'c');
  for (const change of [
    ['SADD', 's', 'x'],
    ['SREM', 's', 'x'],
    // SMOVE before SPOP: SPOP removes a random member, which could be the one SMOVE needs.
    ['SMOVE', 's', 'other', 'b'],
    ['SPOP', 's'],
    ['SADD', 's', 'q', 'r'],
  ]) {
    const other = await srv.connect();
    await c.call('WATCH', 's');
    await other.call(...change);
    await c.call('MULTI');
    await c.call('SCARD', 's');
    assert.equal(await c.call('EXEC'), null, `${change.join(' ')} must abort the transaction`);
    other.close();
  }
});
