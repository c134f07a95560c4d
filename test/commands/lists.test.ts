// List commands over TCP (blocking forms: test/commands/blocking.test.ts). Expected values and
// error texts were checked on redis-server 7.0.15.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';
import { encodingOf } from '../../src/commands/lists.js';
import { List } from '../../src/types/list.js';

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

/** Database 0 emptied, plus a hash `h` to provoke WRONGTYPE. */
async function fresh(): Promise<void> {
  await c.call('FLUSHALL');
  assert.equal(await c.call('HSET', 'h', 'f', 'v'), 1);
}

const exists = (key: string) => srv.server!.dbs[0]!.peek(key) !== undefined;

test('LPUSH, RPUSH, LPUSHX, RPUSHX, LLEN', async () => {
  await fresh();
  assert.equal(await c.call('RPUSH', 'l', 'a', 'b'), 2);
  assert.equal(await c.call('LPUSH', 'l', 'x', 'y'), 4);
  assert.deepEqual(await c.call('LRANGE', 'l', '0', '-1'), ['y', 'x', 'a', 'b']);
  assert.equal(await c.call('LPUSHX', 'l', 'p'), 5);
  assert.equal(await c.call('RPUSHX', 'l', 'q', 'r'), 7);
  assert.equal(await c.call('LPUSHX', 'nokey', 'p'), 0);
  assert.equal(await c.call('RPUSHX', 'nokey', 'p'), 0);
  assert.equal(exists('nokey'), false);
  assert.equal(await c.call('LLEN', 'l'), 7);
  assert.equal(await c.call('LLEN', 'nokey'), 0);
  assert.deepEqual(await c.call('LPUSH', 'l'), arity('lpush'));
  assert.deepEqual(await c.call('RPUSHX', 'l'), arity('rpushx'));
  assert.deepEqual(await c.call('LLEN'), arity('llen'));
  for (const cmd of ['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX']) assert.deepEqual(await c.call(cmd, 'h', 'x'), WRONGTYPE);
  assert.deepEqual(await c.call('LLEN', 'h'), WRONGTYPE);
});

test('LPOP and RPOP with and without a count, RESP2 and RESP3 null shapes', async () => {
  await fresh();
  await c.call('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e');
  assert.equal(await c.call('LPOP', 'l'), 'a');
  assert.equal(await c.call('RPOP', 'l'), 'e');
  assert.deepEqual(await c.call('LPOP', 'l', '2'), ['b', 'c']);
  assert.deepEqual(await c.call('RPOP', 'l', '0'), []);
  assert.deepEqual(await c.call('RPOP', 'l', '10'), ['d']);
  assert.equal(exists('l'), false, 'an emptied list is deleted');
  assert.deepEqual(await c.callRaw('LPOP', 'l'), { type: 'null' });
  assert.deepEqual(await c.callRaw('LPOP', 'l', '2'), { type: 'nullarray' });
  assert.deepEqual(await c.callRaw('LPOP', 'l', '0'), { type: 'nullarray' });
  assert.deepEqual(await c.call('LPOP', 'l', '-1'), POSITIVE);
  assert.deepEqual(await c.call('LPOP', 'l', 'x'), POSITIVE);
  assert.deepEqual(await c.call('LPOP', 'l', '1', '2'), arity('lpop'));
  assert.deepEqual(await c.call('RPOP', 'l', '1', '2'), arity('rpop'));
  assert.deepEqual(await c.call('LPOP', 'h'), WRONGTYPE);
  assert.deepEqual(await c.call('RPOP', 'h', '1'), WRONGTYPE);

  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.deepEqual(await r3.callRaw('LPOP', 'nokey'), { type: 'null' });
  assert.deepEqual(await r3.callRaw('LPOP', 'nokey', '1'), { type: 'null' });
  assert.equal((await r3.callFrame('RPOP', 'nokey', '1')).raw.toString(), '_\r\n');
  r3.close();
});

test('LRANGE and LINDEX with negative and out-of-range indexes', async () => {
  await fresh();
  await c.call('RPUSH', 'l', 'a', 'b', 'c', 'd');
  assert.deepEqual(await c.call('LRANGE', 'l', '1', '2'), ['b', 'c']);
  assert.deepEqual(await c.call('LRANGE', 'l', '-2', '-1'), ['c', 'd']);
  assert.deepEqual(await c.call('LRANGE', 'l', '-100', '100'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(await c.call('LRANGE', 'l', '3', '1'), []);
  assert.deepEqual(await c.call('LRANGE', 'l', '4', '10'), []);
  assert.deepEqual(await c.call('LRANGE', 'nokey', '0', '-1'), []);
  assert.deepEqual(await c.call('LRANGE', 'l', 'a', '1'), NOT_INT);
  assert.deepEqual(await c.call('LRANGE', 'h', '0', '1'), WRONGTYPE);
  assert.equal(await c.call('LINDEX', 'l', '0'), 'a');
  assert.equal(await c.call('LINDEX', 'l', '-1'), 'd');
  assert.equal(await c.call('LINDEX', 'l', '4'), null);
  assert.equal(await c.call('LINDEX', 'l', '-5'), null);
  assert.equal(await c.call('LINDEX', 'nokey', '0'), null);
  assert.deepEqual(await c.call('LINDEX', 'l', 'x'), NOT_INT);
  assert.deepEqual(await c.call('LINDEX', 'h', '0'), WRONGTYPE);
});

test('LSET, LINSERT, LREM, LTRIM', async () => {
  await fresh();
  await c.call('RPUSH', 'l', 'a', 'b', 'c');
  assert.equal(await c.call('LSET', 'l', '1', 'B'), 'OK');
  assert.equal(await c.call('LSET', 'l', '-1', 'C'), 'OK');
  assert.deepEqual(await c.call('LSET', 'l', '3', 'x'), { error: 'ERR index out of range' });
  assert.deepEqual(await c.call('LSET', 'nokey', '0', 'x'), { error: 'ERR no such key' });
  assert.deepEqual(await c.call('LSET', 'l', 'x', 'x'), NOT_INT);
  assert.deepEqual(await c.call('LSET', 'h', '0', 'x'), WRONGTYPE);
  assert.equal(await c.call('LINSERT', 'l', 'BEFORE', 'B', 'x'), 4);
  assert.equal(await c.call('LINSERT', 'l', 'after', 'C', 'end'), 5);
  assert.equal(await c.call('LINSERT', 'l', 'after', 'nothere', 'y'), -1);
  assert.equal(await c.call('LINSERT', 'nokey', 'after', 'a', 'y'), 0);
  assert.deepEqual(await c.call('LINSERT', 'l', 'middle', 'a', 'y'), SYNTAX);
  assert.deepEqual(await c.call('LINSERT', 'h', 'before', 'a', 'y'), WRONGTYPE);
  assert.deepEqual(await c.call('LRANGE', 'l', '0', '-1'), ['a', 'x', 'B', 'C', 'end']);

  await c.call('RPUSH', 'r', 'a', 'b', 'a', 'c', 'a');
  assert.equal(await c.call('LREM', 'r', '-1', 'a'), 1);
  assert.equal(await c.call('LREM', 'r', '1', 'a'), 1);
  assert.deepEqual(await c.call('LRANGE', 'r', '0', '-1'), ['b', 'a', 'c']);
  assert.equal(await c.call('LREM', 'r', '0', 'zz'), 0);
  assert.equal(await c.call('LREM', 'nokey', '0', 'a'), 0);
  assert.deepEqual(await c.call('LREM', 'r', 'x', 'a'), NOT_INT);
  assert.deepEqual(await c.call('LREM', 'h', '0', 'a'), WRONGTYPE);
  await c.call('LREM', 'r', '0', 'a');
  await c.call('LREM', 'r', '0', 'b');
  assert.equal(await c.call('LREM', 'r', '0', 'c'), 1);
  assert.equal(exists('r'), false);

  await c.call('RPUSH', 't', '1', '2', '3', '4', '5');
  assert.equal(await c.call('LTRIM', 't', '1', '-2'), 'OK');
  assert.deepEqual(await c.call('LRANGE', 't', '0', '-1'), ['2', '3', '4']);
  assert.equal(await c.call('LTRIM', 't', '0', '100'), 'OK');
  assert.equal(await c.call('LLEN', 't'), 3);
  assert.equal(await c.call('LTRIM', 'nokey', '0', '1'), 'OK');
  assert.deepEqual(await c.call('LTRIM', 't', 'x', '1'), NOT_INT);
  assert.deepEqual(await c.call('LTRIM', 'h', '0', '1'), WRONGTYPE);
  assert.equal(await c.call('LTRIM', 't', '2', '1'), 'OK');
  assert.equal(exists('t'), false);
});

test('LPOS with RANK, COUNT and MAXLEN', async () => {
  await fresh();
  await c.call('RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a');
  assert.equal(await c.call('LPOS', 'l', 'a'), 0);
  assert.equal(await c.call('LPOS', 'l', 'a', 'RANK', '2'), 3);
  assert.equal(await c.call('LPOS', 'l', 'a', 'RANK', '-1'), 6);
  assert.equal(await c.call('LPOS', 'l', 'a', 'RANK', '4'), null);
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'COUNT', '0'), [0, 3, 6]);
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'COUNT', '2', 'RANK', '-1'), [6, 3]);
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'COUNT', '0', 'MAXLEN', '4'), [0, 3]);
  assert.deepEqual(await c.call('LPOS', 'l', 'z', 'COUNT', '1'), []);
  assert.equal(await c.call('LPOS', 'nokey', 'a'), null);
  assert.deepEqual(await c.call('LPOS', 'nokey', 'a', 'COUNT', '1'), []);
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'RANK', '0'), {
    error:
      "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  });
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'COUNT', '-1'), { error: "ERR COUNT can't be negative" });
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'MAXLEN', '-1'), { error: "ERR MAXLEN can't be negative" });
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'RANK', 'x'), NOT_INT);
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'RANK'), SYNTAX);
  assert.deepEqual(await c.call('LPOS', 'l', 'a', 'foo', '1'), SYNTAX);
  assert.deepEqual(await c.call('LPOS', 'h', 'a'), WRONGTYPE);
});

test('LMOVE and RPOPLPUSH, including rotation of one list', async () => {
  await fresh();
  await c.call('RPUSH', 's', '1', '2', '3');
  assert.equal(await c.call('LMOVE', 's', 'd', 'LEFT', 'RIGHT'), '1');
  assert.equal(await c.call('LMOVE', 's', 'd', 'right', 'left'), '3');
  assert.deepEqual(await c.call('LRANGE', 'd', '0', '-1'), ['3', '1']);
  assert.equal(await c.call('RPOPLPUSH', 's', 'd'), '2');
  assert.equal(exists('s'), false);
  assert.equal(await c.call('LMOVE', 's', 'd', 'left', 'left'), null);
  assert.equal(await c.call('RPOPLPUSH', 's', 'd'), null);
  assert.equal(await c.call('LMOVE', 'd', 'd', 'left', 'right'), '2');
  assert.deepEqual(await c.call('LRANGE', 'd', '0', '-1'), ['3', '1', '2']);
  assert.equal(await c.call('RPOPLPUSH', 'd', 'd'), '2');
  assert.deepEqual(await c.call('LRANGE', 'd', '0', '-1'), ['2', '3', '1']);
  assert.deepEqual(await c.call('LMOVE', 'd', 'x', 'up', 'left'), SYNTAX);
  assert.deepEqual(await c.call('LMOVE', 'd', 'h', 'left', 'left'), WRONGTYPE);
  assert.deepEqual(await c.call('LLEN', 'd'), 3, 'nothing moved on WRONGTYPE');
  assert.deepEqual(await c.call('LMOVE', 'h', 'd', 'left', 'left'), WRONGTYPE);
  assert.equal(await c.call('LMOVE', 'nokey', 'h', 'left', 'left'), null);
  assert.deepEqual(await c.call('LMOVE', 'd', 'x', 'left'), arity('lmove'));
});

test('LMPOP', async () => {
  await fresh();
  await c.call('RPUSH', 'b', '1', '2', '3');
  assert.deepEqual(await c.call('LMPOP', '2', 'a', 'b', 'LEFT'), ['b', ['1']]);
  assert.deepEqual(await c.call('LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '5'), ['b', ['3', '2']]);
  assert.equal(exists('b'), false);
  assert.deepEqual(await c.callRaw('LMPOP', '1', 'b', 'LEFT'), { type: 'nullarray' });
  assert.deepEqual(await c.call('LMPOP', '0', 'b', 'LEFT'), { error: 'ERR numkeys should be greater than 0' });
  assert.deepEqual(await c.call('LMPOP', 'x', 'b', 'LEFT'), { error: 'ERR numkeys should be greater than 0' });
  assert.deepEqual(await c.call('LMPOP', '1', 'b', 'LEFT', 'COUNT', '0'), { error: 'ERR count should be greater than 0' });
  assert.deepEqual(await c.call('LMPOP', '1', 'b', 'UP'), SYNTAX);
  assert.deepEqual(await c.call('LMPOP', '3', 'b', 'LEFT'), SYNTAX);
  assert.deepEqual(await c.call('LMPOP', '1', 'b', 'LEFT', 'COUNT', '1', 'COUNT', '1'), SYNTAX);
  assert.deepEqual(await c.call('LMPOP', '1', 'b'), arity('lmpop'));
  assert.deepEqual(await c.call('LMPOP', '2', 'nokey', 'h', 'LEFT'), WRONGTYPE);
});

test('values are copied and binary safe', async () => {
  await fresh();
  const bytes = Buffer.from([0, 255, 13, 10, 0xc3, 0x28]);
  await c.call('RPUSH', bytes, bytes, Buffer.alloc(0));
  const reply = await c.callRaw('LRANGE', bytes, '0', '-1');
  assert.equal(reply.type, 'array');
  if (reply.type === 'array') {
    assert.deepEqual(reply.value[0], { type: 'bulk', value: bytes });
    assert.deepEqual(reply.value[1], { type: 'bulk', value: Buffer.alloc(0) });
  }
  // Many pipelined pushes share one socket read buffer; stored values must not alias it.
  const pusher = await srv.connect();
  for (let i = 0; i < 200; i++) pusher.send('RPUSH', 'p', `value-${i}`);
  for (let i = 0; i < 200; i++) await pusher.read();
  const all = (await c.call('LRANGE', 'p', '0', '-1')) as string[];
  assert.deepEqual(all, Array.from({ length: 200 }, (_, i) => `value-${i}`));
  pusher.close();
});

test('OBJECT ENCODING of lists is quicklist in Redis 7.0', async () => {
  await fresh();
  assert.equal(encodingOf(new List(), srv.server!.config), 'quicklist');
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
  await expect(['RPUSH', 'l', 'a', 'b', 'c', 'd'], ['rpush l']);
  await expect(['LPUSH', 'l', 'z'], ['lpush l']);
  await expect(['LPUSHX', 'nokey', 'z'], []);
  await expect(['RPUSHX', 'l', 'e'], ['rpush l']);
  await expect(['LPOP', 'l'], ['lpop l']);
  await expect(['RPOP', 'l', '1'], ['rpop l']);
  await expect(['LSET', 'l', '0', 'A'], ['lset l']);
  await expect(['LINSERT', 'l', 'BEFORE', 'A', 'x'], ['linsert l']);
  await expect(['LINSERT', 'l', 'BEFORE', 'nothere', 'x'], []);
  await expect(['LREM', 'l', '0', 'x'], ['lrem l']);
  await expect(['LREM', 'l', '0', 'x'], []);
  await expect(['LTRIM', 'l', '0', '1'], ['ltrim l']);
  await expect(['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'], ['rpush m', 'lpop l']);
  await expect(['RPOPLPUSH', 'l', 'm'], ['lpush m', 'rpop l', 'del l']);
  await expect(['LMPOP', '1', 'm', 'RIGHT', 'COUNT', '5'], ['rpop m', 'del m']);
  await expect(['RPUSH', 't', '1'], ['rpush t']);
  await expect(['LTRIM', 't', '1', '0'], ['ltrim t', 'del t']);
  await expect(['RPUSH', 't', '1'], ['rpush t']);
  await expect(['LREM', 't', '0', '1'], ['lrem t', 'del t']);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.close();
});

test('WATCH sees in-place list changes', async () => {
  await fresh();
  await c.call('RPUSH', 'l', 'a', 'b');
  for (const change of [
    ['RPUSH', 'l', 'x'],
    ['LPOP', 'l'],
    ['LSET', 'l', '0', 'y'],
    ['LINSERT', 'l', 'AFTER', 'y', 'z'],
    ['LREM', 'l', '1', 'z'],
    ['LTRIM', 'l', '0', '0'],
  ]) {
    const other = await srv.connect();
    await c.call('WATCH', 'l');
    await other.call(...change);
    await c.call('MULTI');
    await c.call('LLEN', 'l');
    assert.equal(await c.call('EXEC'), null, `${change[0]} must abort the transaction`);
    other.close();
  }
});
