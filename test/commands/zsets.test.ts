// Sorted set commands over TCP. Expected values and error texts were checked on redis-server 7.0.15.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';
import type { SortedSet } from '../../src/types/zset.js';
import { MemberSet } from '../../src/types/set.js';

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
const NOT_FLOAT = { error: 'ERR value is not a valid float' };
const MINMAX_FLOAT = { error: 'ERR min or max is not a float' };
const MINMAX_LEX = { error: 'ERR min or max not valid string range item' };
const arity = (name: string) => ({ error: `ERR wrong number of arguments for '${name}' command` });

/** A fresh connection's database 0 emptied, plus a stream key `str` to provoke WRONGTYPE. */
async function fresh(): Promise<void> {
  await c.call('FLUSHALL');
  assert.equal(await c.call('XADD', 'str', '1-1', 'f', 'v'), '1-1');
}

function zsetValue(key: string): SortedSet | undefined {
  const entry = srv.server!.dbs[0]!.peek(key);
  return entry?.type === 'zset' ? entry.value : undefined;
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const blockedCount = () => srv.server!.blocking.count;

/** The next reply or push frame a client receives, as plain JS. */
async function next(client: RespClient): Promise<unknown> {
  return plain(await client.read());
}

test('ZADD: add, update, CH, return values', async () => {
  await fresh();
  assert.equal(await c.call('ZADD', 'z', '1', 'a', '2', 'b'), 2);
  assert.equal(await c.call('ZADD', 'z', '3', 'a', '4', 'c'), 1);
  assert.equal(await c.call('ZADD', 'z', 'CH', '5', 'a', '4', 'c', '6', 'd'), 2);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES'), ['b', '2', 'c', '4', 'a', '5', 'd', '6']);
  // Repeated options are accepted; later pairs override earlier ones for the same member.
  assert.equal(await c.call('ZADD', 'z', 'ch', 'ch', '1', 'x', '2', 'x'), 2);
  assert.equal(await c.call('ZSCORE', 'z', 'x'), '2');
  assert.deepEqual(await c.call('ZADD', 'str', '1', 'a'), WRONGTYPE);
});

test('ZADD: NX, XX, GT, LT and INCR', async () => {
  await fresh();
  await c.call('ZADD', 'z', '10', 'a');
  assert.equal(await c.call('ZADD', 'z', 'NX', '1', 'a', '1', 'b'), 1);
  assert.equal(await c.call('ZSCORE', 'z', 'a'), '10');
  assert.equal(await c.call('ZADD', 'z', 'XX', '11', 'a', '1', 'new'), 0);
  assert.equal(await c.call('ZSCORE', 'z', 'a'), '11');
  assert.equal(await c.call('ZSCORE', 'z', 'new'), null);
  assert.equal(await c.call('ZADD', 'z', 'GT', 'CH', '5', 'a', '20', 'b', '3', 'c'), 2);
  assert.deepEqual(await c.call('ZMSCORE', 'z', 'a', 'b', 'c'), ['11', '20', '3']);
  assert.equal(await c.call('ZADD', 'z', 'LT', 'CH', '50', 'a', '2', 'b'), 1);
  assert.deepEqual(await c.call('ZMSCORE', 'z', 'a', 'b'), ['11', '2']);
  assert.equal(await c.call('ZADD', 'z', 'XX', 'GT', 'CH', '12', 'a', '9', 'zz'), 1);
  assert.equal(await c.call('ZADD', 'z', 'INCR', '2.5', 'a'), '14.5');
  assert.equal(await c.call('ZADD', 'z', 'NX', 'INCR', '1', 'a'), null);
  assert.equal(await c.call('ZADD', 'z', 'GT', 'INCR', '-1', 'a'), null);
  assert.equal(await c.call('ZADD', 'z', 'LT', 'INCR', '-1', 'a'), '13.5');
  assert.equal(await c.call('ZADD', 'z', 'XX', 'INCR', '1', 'missing'), null);
  assert.equal(await c.call('ZADD', 'nokey', 'XX', '1', 'a'), 0);
  assert.equal(await c.call('ZADD', 'nokey', 'XX', 'INCR', '1', 'a'), null);
  assert.equal(await c.call('ZCARD', 'nokey'), 0);
});

test('ZADD: option conflicts and argument errors', async () => {
  await fresh();
  assert.deepEqual(await c.call('ZADD', 'z', 'NX', 'XX', '1', 'a'), { error: 'ERR XX and NX options at the same time are not compatible' });
  const gtlt = { error: 'ERR GT, LT, and/or NX options at the same time are not compatible' };
  assert.deepEqual(await c.call('ZADD', 'z', 'GT', 'LT', '1', 'a'), gtlt);
  assert.deepEqual(await c.call('ZADD', 'z', 'GT', 'NX', '1', 'a'), gtlt);
  assert.deepEqual(await c.call('ZADD', 'z', 'LT', 'NX', '1', 'a'), gtlt);
  assert.deepEqual(await c.call('ZADD', 'z', 'INCR', '1', 'a', '2', 'b'), {
    error: 'ERR INCR option supports a single increment-element pair',
  });
  assert.deepEqual(await c.call('ZADD', 'z', '1'), arity('zadd'));
  assert.deepEqual(await c.call('ZADD', 'z', 'NX'), arity('zadd'));
  assert.deepEqual(await c.call('ZADD', 'z', '1', 'a', '2'), SYNTAX);
  assert.deepEqual(await c.call('ZADD', 'z', '1', 'a', 'NX', '2', 'b'), SYNTAX);
  assert.deepEqual(await c.call('ZADD', 'z', 'NX', 'XX'), SYNTAX);
  for (const bad of ['foo', 'nan', '1e400', '1e-400', ' 1', '1 ', '', '1e', '--1']) {
    assert.deepEqual(await c.call('ZADD', 'z', bad, 'a'), NOT_FLOAT, `score ${JSON.stringify(bad)}`);
  }
  // Nothing was added by the failed commands (a later bad score stops the whole command).
  assert.deepEqual(await c.call('ZADD', 'z', '1', 'a', 'x', 'b'), NOT_FLOAT);
  assert.equal(await c.call('ZCARD', 'z'), 0);
  // strtod forms Redis accepts.
  assert.equal(await c.call('ZADD', 'z', '0x10', 'hex', '0x1p3', 'hexp', '.5', 'dot', '5.', 'trail', '+5', 'plus', 'inf', 'i', '-INFINITY', 'ni'), 7);
  assert.deepEqual(await c.call('ZMSCORE', 'z', 'hex', 'hexp', 'dot', 'trail', 'plus', 'i', 'ni'), ['16', '8', '0.5', '5', '5', 'inf', '-inf']);
});

test('ZINCRBY and NaN results', async () => {
  await fresh();
  assert.equal(await c.call('ZINCRBY', 'z', '1.5', 'a'), '1.5');
  assert.equal(await c.call('ZINCRBY', 'z', '0.1', 'a'), '1.6000000000000001');
  assert.deepEqual(await c.call('ZINCRBY', 'z', 'foo', 'a'), NOT_FLOAT);
  assert.deepEqual(await c.call('ZINCRBY', 'z', 'nan', 'a'), NOT_FLOAT);
  // ZADD's option words are parsed by ZINCRBY too.
  assert.deepEqual(await c.call('ZINCRBY', 'z', 'nx', 'a'), SYNTAX);
  await c.call('ZADD', 'z', 'inf', 'x');
  assert.deepEqual(await c.call('ZINCRBY', 'z', '-inf', 'x'), { error: 'ERR resulting score is not a number (NaN)' });
  assert.deepEqual(await c.call('ZADD', 'z', 'INCR', '-inf', 'x'), { error: 'ERR resulting score is not a number (NaN)' });
  assert.equal(await c.call('ZSCORE', 'z', 'x'), 'inf');
  assert.deepEqual(await c.call('ZINCRBY', 'z', '1'), arity('zincrby'));
  assert.deepEqual(await c.call('ZINCRBY', 'str', '1', 'a'), WRONGTYPE);
});

test('score formatting in RESP2 and RESP3', async () => {
  await fresh();
  await c.call('ZADD', 'z', '0.1', 'a', '1.5', 'b', '-inf', 'c', 'inf', 'd', '123456789012345678', 'e', '1e-300', 'f');
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES'), [
    'c', '-inf', 'f', '1e-300', 'a', '0.10000000000000001', 'b', '1.5', 'e', '1.2345678901234568e+17', 'd', 'inf',
  ]);
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.deepEqual(await r3.callRaw('ZSCORE', 'z', 'a'), { type: 'double', value: '0.10000000000000001' });
  assert.deepEqual(await r3.callRaw('ZSCORE', 'z', 'c'), { type: 'double', value: '-inf' });
  // WITHSCORES replies are [member, score] pairs in RESP3.
  assert.deepEqual(await r3.call('ZRANGE', 'z', '0', '1', 'WITHSCORES'), [
    ['c', '-inf'],
    ['f', '1e-300'],
  ]);
  assert.deepEqual(await r3.call('ZRANGEBYSCORE', 'z', '1', '2', 'WITHSCORES'), [['b', '1.5']]);
  assert.deepEqual(await r3.call('ZINCRBY', 'z', '1', 'b'), '2.5');
  assert.deepEqual(await r3.call('ZMSCORE', 'z', 'b', 'nope'), ['2.5', null]);
  r3.close();
});

test('ZREM, ZCARD, ZSCORE, ZMSCORE', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  assert.equal(await c.call('ZREM', 'z', 'a', 'nope', 'a'), 1);
  assert.equal(await c.call('ZCARD', 'z'), 2);
  assert.equal(await c.call('ZREM', 'z', 'b', 'c'), 2);
  // The emptied key is gone.
  assert.equal(await c.call('ZCARD', 'z'), 0);
  assert.equal(zsetValue('z'), undefined);
  assert.equal(await c.call('ZREM', 'nokey', 'a'), 0);
  assert.equal(await c.call('ZSCORE', 'nokey', 'a'), null);
  assert.deepEqual(await c.call('ZMSCORE', 'nokey', 'a', 'b'), [null, null]);
  for (const cmd of [['ZREM', 'str', 'a'], ['ZCARD', 'str'], ['ZSCORE', 'str', 'a'], ['ZMSCORE', 'str', 'a']]) {
    assert.deepEqual(await c.call(...cmd), WRONGTYPE, cmd.join(' '));
  }
  assert.deepEqual(await c.call('ZREM', 'z'), arity('zrem'));
  assert.deepEqual(await c.call('ZCARD'), arity('zcard'));
  assert.deepEqual(await c.call('ZSCORE', 'z'), arity('zscore'));
  assert.deepEqual(await c.call('ZMSCORE', 'z'), arity('zmscore'));
});

test('ZRANK and ZREVRANK', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  assert.equal(await c.call('ZRANK', 'z', 'a'), 0);
  assert.equal(await c.call('ZRANK', 'z', 'c'), 2);
  assert.equal(await c.call('ZREVRANK', 'z', 'a'), 2);
  assert.equal(await c.call('ZRANK', 'z', 'nope'), null);
  assert.equal(await c.call('ZREVRANK', 'nokey', 'a'), null);
  assert.deepEqual(await c.call('ZRANK', 'str', 'a'), WRONGTYPE);
  // Redis 7.0 has no WITHSCORE option.
  assert.deepEqual(await c.call('ZRANK', 'z', 'a', 'WITHSCORE'), arity('zrank'));
  assert.deepEqual(await c.call('ZREVRANK', 'z'), arity('zrevrank'));
});

test('ZCOUNT and ZLEXCOUNT', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  assert.equal(await c.call('ZCOUNT', 'z', '-inf', '+inf'), 4);
  assert.equal(await c.call('ZCOUNT', 'z', '(1', '(4'), 2);
  assert.equal(await c.call('ZCOUNT', 'z', '2', '2'), 1);
  assert.equal(await c.call('ZCOUNT', 'z', '(2', '2'), 0);
  assert.equal(await c.call('ZCOUNT', 'z', '3', '1'), 0);
  // Range ends use plain strtod: spaces, "" and "(" alone are accepted.
  assert.equal(await c.call('ZCOUNT', 'z', ' 1', '(2'), 1);
  assert.equal(await c.call('ZCOUNT', 'z', '', '2'), 2);
  assert.equal(await c.call('ZCOUNT', 'z', '(', '1e400'), 4);
  assert.deepEqual(await c.call('ZCOUNT', 'z', 'x', '1'), MINMAX_FLOAT);
  assert.deepEqual(await c.call('ZCOUNT', 'z', '1', 'nan'), MINMAX_FLOAT);
  assert.deepEqual(await c.call('ZCOUNT', 'str', 'x', '1'), MINMAX_FLOAT);
  assert.deepEqual(await c.call('ZCOUNT', 'str', '0', '1'), WRONGTYPE);
  assert.equal(await c.call('ZCOUNT', 'nokey', '0', '1'), 0);
  await c.call('ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd');
  assert.equal(await c.call('ZLEXCOUNT', 'l', '-', '+'), 4);
  assert.equal(await c.call('ZLEXCOUNT', 'l', '(a', '[c'), 2);
  assert.equal(await c.call('ZLEXCOUNT', 'l', '+', '-'), 0);
  assert.deepEqual(await c.call('ZLEXCOUNT', 'l', 'a', '+'), MINMAX_LEX);
  assert.deepEqual(await c.call('ZLEXCOUNT', 'l', '-', '++'), MINMAX_LEX);
  assert.deepEqual(await c.call('ZLEXCOUNT', 'str', '-', '+'), WRONGTYPE);
  assert.equal(await c.call('ZLEXCOUNT', 'nokey', '-', '+'), 0);
  assert.deepEqual(await c.call('ZCOUNT', 'z', '1'), arity('zcount'));
  assert.deepEqual(await c.call('ZLEXCOUNT', 'z', '-'), arity('zlexcount'));
});

test('ZRANGE by rank, score and lex, with REV, LIMIT, WITHSCORES', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '-1'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '-2', '100'), ['c', 'd']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '2', '1'), []);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '1', 'REV', 'WITHSCORES'), ['d', '4', 'c', '3']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '(1', '3', 'BYSCORE'), ['b', 'c']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '3', '(1', 'BYSCORE', 'REV'), ['c', 'b']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '-inf', 'inf', 'BYSCORE', 'LIMIT', '1', '2', 'WITHSCORES'), ['b', '2', 'c', '3']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '10', 'BYSCORE', 'LIMIT', '0', '-1'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '10', 'BYSCORE', 'LIMIT', '-1', '5'), []);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '10', 'BYSCORE', 'LIMIT', '9', '5'), []);
  assert.deepEqual(await c.call('ZRANGE', 'z', '+', '-', 'BYLEX', 'REV', 'LIMIT', '1', '2'), ['c', 'b']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '[b', '(d', 'BYLEX'), ['b', 'c']);
  // LIMIT 0 -1 is what "no LIMIT" looks like, so rank ranges accept it.
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '0', 'LIMIT', '5', '-1'), ['a']);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '1'), {
    error: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  });
  assert.deepEqual(await c.call('ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'), {
    error: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  });
  for (const opts of [['BYSCORE', 'BYLEX'], ['REV', 'REV'], ['FOO'], ['LIMIT'], ['LIMIT', '1']]) {
    assert.deepEqual(await c.call('ZRANGE', 'z', '0', '1', ...opts), SYNTAX, opts.join(' '));
  }
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', '1', 'x'), NOT_INT);
  assert.deepEqual(await c.call('ZRANGE', 'z', 'a', 'b'), NOT_INT);
  assert.deepEqual(await c.call('ZRANGE', 'z', 'a', 'b', 'BYSCORE'), MINMAX_FLOAT);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '1', 'BYLEX'), MINMAX_LEX);
  assert.deepEqual(await c.call('ZRANGE', 'nokey', '0', '1', 'BYSCORE'), []);
  assert.deepEqual(await c.call('ZRANGE', 'str', '0', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('ZRANGE', 'str', 'a', 'b'), NOT_INT);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0'), arity('zrange'));
});

test('ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREVRANGE', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  assert.deepEqual(await c.call('ZRANGEBYSCORE', 'z', '2', '+inf', 'WITHSCORES', 'LIMIT', '1', '1'), ['c', '3']);
  // The last LIMIT wins.
  assert.deepEqual(await c.call('ZRANGEBYSCORE', 'z', '1', '4', 'LIMIT', '0', '1', 'LIMIT', '1', '1'), ['b']);
  assert.deepEqual(await c.call('ZREVRANGEBYSCORE', 'z', '(4', '-inf'), ['c', 'b', 'a']);
  assert.deepEqual(await c.call('ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', '1', '2', 'WITHSCORES'), ['c', '3', 'b', '2']);
  assert.deepEqual(await c.call('ZRANGEBYSCORE', 'z', '0', '10', 'REV'), SYNTAX);
  assert.deepEqual(await c.call('ZRANGEBYSCORE', 'z', '0', '10', 'BYLEX'), SYNTAX);
  assert.deepEqual(await c.call('ZRANGEBYSCORE', 'z', '0', '10', 'LIMIT', '0'), SYNTAX);
  assert.deepEqual(await c.call('ZRANGEBYSCORE', 'z', 'a', '10'), MINMAX_FLOAT);
  await c.call('ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd');
  assert.deepEqual(await c.call('ZRANGEBYLEX', 'l', '(a', '[c'), ['b', 'c']);
  assert.deepEqual(await c.call('ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', '2', '5'), ['c', 'd']);
  assert.deepEqual(await c.call('ZREVRANGEBYLEX', 'l', '[c', '-'), ['c', 'b', 'a']);
  assert.deepEqual(await c.call('ZREVRANGEBYLEX', 'l', '+', '(a', 'LIMIT', '1', '1'), ['c']);
  assert.deepEqual(await c.call('ZRANGEBYLEX', 'l', '-', '+', 'WITHSCORES'), {
    error: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  });
  assert.deepEqual(await c.call('ZRANGEBYLEX', 'l', 'a', 'b'), MINMAX_LEX);
  assert.deepEqual(await c.call('ZREVRANGE', 'z', '0', '-1', 'WITHSCORES'), ['d', '4', 'c', '3', 'b', '2', 'a', '1']);
  assert.deepEqual(await c.call('ZREVRANGE', 'z', '1', '1'), ['c']);
  assert.deepEqual(await c.call('ZREVRANGE', 'z', '0', '-1', 'BYSCORE'), SYNTAX);
  for (const name of ['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE', 'ZRANGEBYLEX', 'ZREVRANGEBYLEX', 'ZREVRANGE']) {
    assert.deepEqual(await c.call(name, 'str', '0', '1'), name.includes('LEX') ? MINMAX_LEX : WRONGTYPE, name);
    assert.deepEqual(await c.call(name, 'z', '0'), arity(name.toLowerCase()), name);
  }
});

test('lex ranges with mixed scores follow Redis small-set behaviour', async () => {
  await fresh();
  await c.call('ZADD', 't', '1', 'c', '2', 'a', '3', 'b');
  assert.deepEqual(await c.call('ZRANGEBYLEX', 't', '[a', '[b'), []);
  assert.deepEqual(await c.call('ZRANGEBYLEX', 't', '[b', '+'), ['c', 'a', 'b']);
  assert.equal(await c.call('ZLEXCOUNT', 't', '[b', '+'), 3);
  assert.deepEqual(await c.call('ZREVRANGEBYLEX', 't', '+', '[b'), ['b']);
});

test('ZRANGESTORE', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  assert.equal(await c.call('ZRANGESTORE', 'd', 'z', '0', '1'), 2);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1', 'WITHSCORES'), ['a', '1', 'b', '2']);
  assert.equal(await c.call('ZRANGESTORE', 'd', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', '1', '1'), 1);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1'), ['c']);
  assert.equal(await c.call('ZRANGESTORE', 'd', 'z', '[c', '-', 'BYLEX', 'REV'), 3);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1'), ['a', 'b', 'c']);
  // An empty result deletes the destination, whatever its type.
  assert.equal(await c.call('ZRANGESTORE', 'd', 'z', '5', '10'), 0);
  assert.equal(zsetValue('d'), undefined);
  assert.equal(await c.call('ZRANGESTORE', 'str', 'nokey', '0', '-1'), 0);
  assert.equal(srv.server!.dbs[0]!.peek('str'), undefined);
  await c.call('XADD', 'str', '1-1', 'f', 'v');
  // A destination of another type is overwritten.
  assert.equal(await c.call('ZRANGESTORE', 'str', 'z', '0', '0'), 1);
  assert.deepEqual(await c.call('ZRANGE', 'str', '0', '-1'), ['a']);
  await c.call('XADD', 'stream', '1-1', 'f', 'v');
  assert.deepEqual(await c.call('ZRANGESTORE', 'd', 'stream', '0', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('ZRANGESTORE', 'd', 'z', '0', '-1', 'WITHSCORES'), SYNTAX);
  assert.deepEqual(await c.call('ZRANGESTORE', 'd', 'z', '0', '-1', 'LIMIT', '0', '1'), {
    error: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  });
  assert.deepEqual(await c.call('ZRANGESTORE', 'd', 'z', '0'), arity('zrangestore'));
});

test('ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
  assert.equal(await c.call('ZREMRANGEBYRANK', 'z', '10', '20'), 0);
  assert.equal(await c.call('ZREMRANGEBYRANK', 'z', '-2', '-1'), 2);
  assert.equal(await c.call('ZREMRANGEBYRANK', 'z', '-100', '0'), 1);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '-1'), ['b', 'c']);
  assert.equal(await c.call('ZREMRANGEBYSCORE', 'z', '(2', '(2'), 0);
  assert.equal(await c.call('ZREMRANGEBYSCORE', 'z', '(2', '3'), 1);
  assert.equal(await c.call('ZREMRANGEBYSCORE', 'z', '-inf', 'inf'), 1);
  assert.equal(zsetValue('z'), undefined);
  await c.call('ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e');
  assert.equal(await c.call('ZREMRANGEBYLEX', 'l', '[b', '(d'), 2);
  assert.deepEqual(await c.call('ZRANGE', 'l', '0', '-1'), ['a', 'd', 'e']);
  assert.equal(await c.call('ZREMRANGEBYLEX', 'l', '+', '-'), 0);
  assert.equal(await c.call('ZREMRANGEBYLEX', 'l', '-', '+'), 3);
  assert.equal(zsetValue('l'), undefined);
  assert.deepEqual(await c.call('ZREMRANGEBYRANK', 'z', 'x', '1'), NOT_INT);
  assert.deepEqual(await c.call('ZREMRANGEBYSCORE', 'z', 'x', '1'), MINMAX_FLOAT);
  assert.deepEqual(await c.call('ZREMRANGEBYLEX', 'z', 'x', 'y'), MINMAX_LEX);
  assert.deepEqual(await c.call('ZREMRANGEBYRANK', 'str', '0', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('ZREMRANGEBYSCORE', 'str', '0', '1'), WRONGTYPE);
  assert.deepEqual(await c.call('ZREMRANGEBYLEX', 'str', '-', '+'), WRONGTYPE);
  assert.equal(await c.call('ZREMRANGEBYRANK', 'nokey', '0', '1'), 0);
  assert.deepEqual(await c.call('ZREMRANGEBYRANK', 'z', '0'), arity('zremrangebyrank'));
  assert.deepEqual(await c.call('ZREMRANGEBYSCORE', 'z', '0'), arity('zremrangebyscore'));
  assert.deepEqual(await c.call('ZREMRANGEBYLEX', 'z', '0'), arity('zremrangebylex'));
});

test('ZPOPMIN and ZPOPMAX', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  assert.deepEqual(await c.call('ZPOPMIN', 'z'), ['a', '1']);
  assert.deepEqual(await c.call('ZPOPMAX', 'z', '2'), ['d', '4', 'c', '3']);
  assert.deepEqual(await c.call('ZPOPMIN', 'z', '0'), []);
  assert.deepEqual(await c.call('ZPOPMIN', 'z', '10'), ['b', '2']);
  assert.equal(zsetValue('z'), undefined);
  assert.deepEqual(await c.call('ZPOPMIN', 'nokey'), []);
  assert.deepEqual(await c.call('ZPOPMAX', 'nokey', '3'), []);
  const positive = { error: 'ERR value is out of range, must be positive' };
  assert.deepEqual(await c.call('ZPOPMIN', 'z', '-1'), positive);
  assert.deepEqual(await c.call('ZPOPMIN', 'z', 'x'), positive);
  assert.deepEqual(await c.call('ZPOPMIN', 'z', '1', '2'), SYNTAX);
  assert.deepEqual(await c.call('ZPOPMIN', 'str'), WRONGTYPE);
  assert.deepEqual(await c.call('ZPOPMAX', 'str', '0'), WRONGTYPE);
  assert.deepEqual(await c.call('ZPOPMIN', 'str', 'x'), positive);
  assert.deepEqual(await c.call('ZPOPMIN'), arity('zpopmin'));
  // RESP3: a single pop is a flat pair, a pop with COUNT is a list of pairs.
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  await r3.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  assert.deepEqual(await r3.call('ZPOPMIN', 'z'), ['a', '1']);
  assert.deepEqual(await r3.call('ZPOPMIN', 'z', '1'), [['b', '2']]);
  assert.deepEqual(await r3.callRaw('ZPOPMAX', 'z'), {
    type: 'array',
    value: [
      { type: 'bulk', value: Buffer.from('c') },
      { type: 'double', value: '3' },
    ],
  });
  r3.close();
});

test('ZMPOP', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  assert.deepEqual(await c.call('ZMPOP', '2', 'nokey', 'z', 'MIN'), ['z', [['a', '1']]]);
  assert.deepEqual(await c.call('ZMPOP', '1', 'z', 'max', 'COUNT', '2'), ['z', [['d', '4'], ['c', '3']]]);
  assert.deepEqual(await c.call('ZMPOP', '1', 'z', 'MIN', 'COUNT', '10'), ['z', [['b', '2']]]);
  assert.equal(zsetValue('z'), undefined);
  assert.equal(await c.call('ZMPOP', '1', 'z', 'MIN'), null);
  const numkeys = { error: 'ERR numkeys should be greater than 0' };
  const count = { error: 'ERR count should be greater than 0' };
  assert.deepEqual(await c.call('ZMPOP', '0', 'z', 'MIN'), numkeys);
  assert.deepEqual(await c.call('ZMPOP', 'x', 'z', 'MIN'), numkeys);
  assert.deepEqual(await c.call('ZMPOP', '2', 'z', 'MIN'), SYNTAX);
  assert.deepEqual(await c.call('ZMPOP', '1', 'z', 'FOO'), SYNTAX);
  assert.deepEqual(await c.call('ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'), count);
  assert.deepEqual(await c.call('ZMPOP', '1', 'z', 'MIN', 'COUNT', 'x'), count);
  assert.deepEqual(await c.call('ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '2'), SYNTAX);
  assert.deepEqual(await c.call('ZMPOP', '1', 'z', 'MIN', 'FOO'), SYNTAX);
  assert.deepEqual(await c.call('ZMPOP', '1', 'str', 'MIN'), WRONGTYPE);
  assert.deepEqual(await c.call('ZMPOP', '1', 'z'), arity('zmpop'));
  // RESP3: scores are doubles inside the pairs; no key is a null.
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  await r3.call('ZADD', 'z', '1.5', 'a');
  assert.deepEqual(await r3.call('ZMPOP', '1', 'z', 'MIN'), ['z', [['a', '1.5']]]);
  assert.deepEqual(await r3.callRaw('ZMPOP', '1', 'z', 'MIN'), { type: 'null' });
  r3.close();
});

test('ZUNION, ZINTER, ZDIFF with WEIGHTS, AGGREGATE, WITHSCORES', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  await c.call('ZADD', 'y', '10', 'b', '20', 'c', '30', 'd');
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 'y', 'WITHSCORES'), ['a', '1', 'b', '12', 'c', '23', 'd', '30']);
  assert.deepEqual(await c.call('ZINTER', '2', 'z', 'y', 'WITHSCORES'), ['b', '12', 'c', '23']);
  assert.deepEqual(await c.call('ZDIFF', '2', 'z', 'y', 'WITHSCORES'), ['a', '1']);
  assert.deepEqual(await c.call('ZDIFF', '2', 'y', 'z'), ['d']);
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 'y', 'WEIGHTS', '2', '0.5', 'AGGREGATE', 'MAX', 'WITHSCORES'), [
    'a', '2', 'b', '5', 'c', '10', 'd', '15',
  ]);
  assert.deepEqual(await c.call('ZINTER', '2', 'z', 'y', 'AGGREGATE', 'min', 'WITHSCORES'), ['b', '2', 'c', '3']);
  // inf * 0 and inf + -inf count as 0.
  await c.call('ZADD', 'zero', '0', 'a');
  assert.deepEqual(await c.call('ZUNION', '1', 'zero', 'WEIGHTS', 'inf', 'WITHSCORES'), ['a', '0']);
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 'y', 'WEIGHTS', 'inf', '-inf', 'WITHSCORES'), ['d', '-inf', 'b', '0', 'c', '0', 'a', 'inf']);
  assert.deepEqual(await c.call('ZUNION', '1', 'zero', 'WEIGHTS', '-1', 'WITHSCORES'), ['a', '-0']);
  assert.deepEqual(await c.call('ZINTER', '2', 'z', 'nokey'), []);
  assert.deepEqual(await c.call('ZUNION', '2', 'nokey', 'nokey2'), []);
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.deepEqual(await r3.call('ZINTER', '2', 'z', 'y', 'WITHSCORES'), [['b', '12'], ['c', '23']]);
  r3.close();
});

test('set inputs count as score 1', async () => {
  await fresh();
  await c.call('ZADD', 'z', '5', 'a', '6', 'x');
  srv.server!.dbs[0]!.set('s', 'set', new MemberSet(undefined, ['a', 'b']));
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 's', 'WITHSCORES'), ['b', '1', 'a', '6', 'x', '6']);
  assert.deepEqual(await c.call('ZINTER', '2', 's', 'z', 'WEIGHTS', '3', '1', 'WITHSCORES'), ['a', '8']);
  assert.deepEqual(await c.call('ZDIFF', '2', 's', 'z', 'WITHSCORES'), ['b', '1']);
  assert.equal(await c.call('ZINTERCARD', '2', 's', 'z'), 1);
});

test('ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  await c.call('ZADD', 'y', '10', 'b', '20', 'c', '30', 'd');
  assert.equal(await c.call('ZUNIONSTORE', 'd', '2', 'z', 'y', 'WEIGHTS', '1', '2', 'AGGREGATE', 'MAX'), 4);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1', 'WITHSCORES'), ['a', '1', 'b', '20', 'c', '40', 'd', '60']);
  assert.equal(await c.call('ZINTERSTORE', 'd', '2', 'z', 'y'), 2);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1', 'WITHSCORES'), ['b', '12', 'c', '23']);
  assert.equal(await c.call('ZDIFFSTORE', 'd', '2', 'z', 'y'), 1);
  assert.deepEqual(await c.call('ZRANGE', 'd', '0', '-1', 'WITHSCORES'), ['a', '1']);
  // The destination may be a source.
  assert.equal(await c.call('ZINTERSTORE', 'z', '2', 'z', 'y'), 2);
  assert.deepEqual(await c.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES'), ['b', '12', 'c', '23']);
  // An empty result deletes the destination.
  assert.equal(await c.call('ZUNIONSTORE', 'd', '1', 'nokey'), 0);
  assert.equal(zsetValue('d'), undefined);
  assert.equal(await c.call('ZDIFFSTORE', 'str', '1', 'nokey'), 0);
  assert.equal(srv.server!.dbs[0]!.peek('str'), undefined);
  await c.call('XADD', 'str', '1-1', 'f', 'v');
  assert.equal(await c.call('ZUNIONSTORE', 'str', '1', 'y'), 3);
  assert.deepEqual(await c.call('ZRANGE', 'str', '0', '-1'), ['b', 'c', 'd']);
});

test('set operation argument errors', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a');
  await c.call('ZADD', 'y', '1', 'a');
  for (const name of ['zunionstore', 'zinterstore', 'zdiffstore']) {
    assert.deepEqual(await c.call(name, 'd', '0', 'z'), { error: `ERR at least 1 input key is needed for '${name}' command` });
    assert.deepEqual(await c.call(name, 'd', '-1', 'z'), { error: `ERR at least 1 input key is needed for '${name}' command` });
    assert.deepEqual(await c.call(name, 'd', 'x', 'z'), NOT_INT);
    assert.deepEqual(await c.call(name, 'd', '3', 'z', 'y'), SYNTAX);
    assert.deepEqual(await c.call(name, 'd', '2', 'z', 'y', 'WITHSCORES'), SYNTAX);
    assert.deepEqual(await c.call(name, 'd', '2', 'z', 'str'), WRONGTYPE);
    assert.deepEqual(await c.call(name, 'd', '1'), arity(name));
  }
  for (const name of ['zunion', 'zinter', 'zdiff', 'zintercard']) {
    assert.deepEqual(await c.call(name, '0', 'z'), { error: `ERR at least 1 input key is needed for '${name}' command` });
    assert.deepEqual(await c.call(name, '2', 'z'), SYNTAX);
    assert.deepEqual(await c.call(name, '2', 'nokey', 'str'), WRONGTYPE);
    assert.deepEqual(await c.call(name, '1'), arity(name));
  }
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 'y', 'WEIGHTS', '1'), SYNTAX);
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 'y', 'WEIGHTS', '1', 'x'), { error: 'ERR weight value is not a float' });
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 'y', 'WEIGHTS', '1', 'nan'), { error: 'ERR weight value is not a float' });
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 'y', 'AGGREGATE', 'foo'), SYNTAX);
  assert.deepEqual(await c.call('ZUNION', '2', 'z', 'y', 'AGGREGATE'), SYNTAX);
  assert.deepEqual(await c.call('ZDIFF', '2', 'z', 'y', 'WEIGHTS', '1', '1'), SYNTAX);
  assert.deepEqual(await c.call('ZDIFF', '2', 'z', 'y', 'AGGREGATE', 'MIN'), SYNTAX);
  assert.deepEqual(await c.call('ZUNION', '1', 'z', 'WITHSCORES', 'WITHSCORES'), ['a', '1']);
});

test('ZINTERCARD', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  await c.call('ZADD', 'y', '1', 'b', '2', 'c', '3', 'd');
  assert.equal(await c.call('ZINTERCARD', '2', 'z', 'y'), 2);
  assert.equal(await c.call('ZINTERCARD', '2', 'z', 'y', 'LIMIT', '1'), 1);
  assert.equal(await c.call('ZINTERCARD', '2', 'z', 'y', 'LIMIT', '0'), 2);
  assert.equal(await c.call('ZINTERCARD', '2', 'z', 'nokey'), 0);
  assert.deepEqual(await c.call('ZINTERCARD', '2', 'z', 'y', 'LIMIT', '-1'), { error: "ERR LIMIT can't be negative" });
  assert.deepEqual(await c.call('ZINTERCARD', '2', 'z', 'y', 'LIMIT', 'x'), { error: "ERR LIMIT can't be negative" });
  assert.deepEqual(await c.call('ZINTERCARD', '2', 'z', 'y', 'WITHSCORES'), SYNTAX);
  assert.deepEqual(await c.call('ZINTERCARD', 'x', 'z'), NOT_INT);
});

test('ZRANDMEMBER', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
  const members = ['a', 'b', 'c', 'd', 'e'];
  assert.ok(members.includes((await c.call('ZRANDMEMBER', 'z')) as string));
  // A count at least the size returns the whole set, highest score first.
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '5'), ['e', 'd', 'c', 'b', 'a']);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '100', 'WITHSCORES'), ['e', '5', 'd', '4', 'c', '3', 'b', '2', 'a', '1']);
  const three = (await c.call('ZRANDMEMBER', 'z', '3')) as string[];
  assert.equal(three.length, 3);
  assert.equal(new Set(three).size, 3);
  assert.ok(three.every((m) => members.includes(m)));
  const repeats = (await c.call('ZRANDMEMBER', 'z', '-20', 'WITHSCORES')) as string[];
  assert.equal(repeats.length, 40);
  for (let i = 0; i < repeats.length; i += 2) assert.equal(repeats[i + 1], String(members.indexOf(repeats[i]!) + 1));
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '0'), []);
  assert.equal(await c.call('ZRANDMEMBER', 'nokey'), null);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'nokey', '5', 'WITHSCORES'), []);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', 'x'), NOT_INT);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '1', 'foo'), SYNTAX);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'foo'), SYNTAX);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '-9223372036854775808'), {
    error: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  });
  assert.deepEqual(await c.call('ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES'), { error: 'ERR value is out of range' });
  assert.deepEqual(await c.call('ZRANDMEMBER', 'str'), WRONGTYPE);
  assert.deepEqual(await c.call('ZRANDMEMBER', 'str', '0'), WRONGTYPE);
  assert.deepEqual(await c.call('ZRANDMEMBER'), arity('zrandmember'));
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.deepEqual(await r3.call('ZRANDMEMBER', 'z', '-1', 'WITHSCORES').then((r) => (r as unknown[]).length), 1);
  assert.deepEqual(await r3.call('ZRANDMEMBER', 'z', '9', 'WITHSCORES').then((r) => (r as unknown[])[0]), ['e', '5']);
  r3.close();
});

test('ZSCAN: small sets come back whole with listpack score text', async () => {
  await fresh();
  await c.call('ZADD', 'z', '0.1', 'a', '-0', 'b', '123456789012345678', 'c', '1e20', 'd', '3', 'e');
  assert.deepEqual(await c.call('ZSCAN', 'z', '0'), [
    '0',
    ['b', '0', 'a', '0.10000000000000001', 'e', '3', 'c', '123456789012345680', 'd', '1e+20'],
  ]);
  assert.deepEqual(await c.call('ZSCAN', 'z', '0', 'MATCH', '[a-c]', 'COUNT', '1'), [
    '0',
    ['b', '0', 'a', '0.10000000000000001', 'c', '123456789012345680'],
  ]);
  assert.deepEqual(await c.call('ZSCAN', 'nokey', '0'), ['0', []]);
  assert.deepEqual(await c.call('ZSCAN', 'nokey', '0', 'COUNT', '0'), ['0', []]);
  assert.deepEqual(await c.call('ZSCAN', 'z', 'x'), { error: 'ERR invalid cursor' });
  assert.deepEqual(await c.call('ZSCAN', 'z', ' 1'), { error: 'ERR invalid cursor' });
  assert.deepEqual(await c.call('ZSCAN', 'z', '18446744073709551616'), { error: 'ERR invalid cursor' });
  assert.deepEqual(await c.call('ZSCAN', 'z', '0', 'COUNT', '0'), SYNTAX);
  assert.deepEqual(await c.call('ZSCAN', 'z', '0', 'COUNT', 'x'), NOT_INT);
  assert.deepEqual(await c.call('ZSCAN', 'z', '0', 'TYPE', 'zset'), SYNTAX);
  assert.deepEqual(await c.call('ZSCAN', 'z', '0', 'MATCH'), SYNTAX);
  assert.deepEqual(await c.call('ZSCAN', 'str', '0'), WRONGTYPE);
  assert.deepEqual(await c.call('ZSCAN', 'z'), arity('zscan'));
});

test('ZSCAN: large sets are scanned with an offset cursor', async () => {
  await fresh();
  const args: string[] = [];
  for (let i = 0; i < 300; i++) args.push(String(i % 7), `m${i}`);
  await c.call('ZADD', 'big', ...args);
  const seen = new Map<string, string>();
  let cursor = '0';
  let rounds = 0;
  do {
    const [next, items] = (await c.call('ZSCAN', 'big', cursor, 'COUNT', '50')) as [string, string[]];
    for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
    cursor = next;
    rounds++;
  } while (cursor !== '0' && rounds < 100);
  assert.equal(cursor, '0');
  assert.equal(seen.size, 300);
  assert.equal(seen.get('m10'), '3');
  const [, matched] = (await c.call('ZSCAN', 'big', '0', 'MATCH', 'm29?', 'COUNT', '1000')) as [string, string[]];
  assert.deepEqual(matched.filter((_, i) => i % 2 === 0).sort(), ['m290', 'm291', 'm292', 'm293', 'm294', 'm295', 'm296', 'm297', 'm298', 'm299']);
});

test('encoding: listpack until the thresholds, then skiplist for good', async () => {
  await fresh();
  await c.call('ZADD', 'small', '1', 'a');
  assert.equal(zsetValue('small')!.encoding, 'listpack');
  const args: string[] = [];
  for (let i = 0; i < 129; i++) args.push(String(i), `m${i}`);
  await c.call('ZADD', 'big', ...args);
  assert.equal(zsetValue('big')!.encoding, 'skiplist');
  await c.call('ZREMRANGEBYRANK', 'big', '0', '100');
  assert.equal(zsetValue('big')!.encoding, 'skiplist');
  // Store results are compacted when they fit.
  await c.call('ZUNIONSTORE', 'copy', '1', 'big');
  assert.equal(zsetValue('copy')!.encoding, 'listpack');
  await c.call('ZADD', 'long', '1', 'x'.repeat(65));
  assert.equal(zsetValue('long')!.encoding, 'skiplist');
  // The thresholds are the config parameters.
  assert.equal(await c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '2'), 'OK');
  await c.call('ZADD', 'three', '1', 'a', '2', 'b', '3', 'c');
  assert.equal(zsetValue('three')!.encoding, 'skiplist');
  await c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
  // A skiplist keeps the sign of -0, a listpack does not.
  await c.call('ZADD', 'long', '-0', 'neg');
  assert.equal(await c.call('ZSCORE', 'long', 'neg'), '-0');
  await c.call('ZADD', 'small', '-0', 'neg');
  assert.equal(await c.call('ZSCORE', 'small', 'neg'), '0');
});

test('binary-safe members', async () => {
  await fresh();
  const m1 = Buffer.from([0x00, 0xff, 0x80]);
  const m2 = Buffer.from([0xff]);
  const m3 = Buffer.from([0x00]);
  assert.equal(await c.call('ZADD', 'bin', '0', m1, '0', m2, '0', m3), 3);
  const raw = await c.callRaw('ZRANGE', 'bin', '0', '-1');
  assert.equal(raw.type, 'array');
  const got = (raw as { value: { value: Buffer }[] }).value.map((v) => v.value);
  assert.deepEqual(got, [m3, m1, m2]);
  const lexMin = Buffer.concat([Buffer.from('('), m3]);
  assert.equal(await c.call('ZLEXCOUNT', 'bin', lexMin, '+'), 2);
  assert.equal(await c.call('ZRANK', 'bin', m2), 2);
});

test('keyspace notifications', async () => {
  await fresh();
  const sub = await srv.connect();
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  const events: string[] = [];
  const expect = async (cmd: string[], expected: string[]) => {
    await c.call(...cmd);
    for (let i = 0; i < expected.length; i++) {
      const msg = (await next(sub)) as string[];
      events.push(`${msg[2]!.split(':')[1]} ${msg[3]}`);
    }
    assert.deepEqual(events.splice(0), expected, cmd.join(' '));
    assert.ok(await sub.silentFor(20), `no extra events after ${cmd.join(' ')}`);
  };
  await expect(['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['zadd z']);
  await expect(['ZADD', 'z', 'NX', '5', 'a'], []);
  await expect(['ZINCRBY', 'z', '1', 'a'], ['zincr z']);
  await expect(['ZREM', 'z', 'nope'], []);
  await expect(['ZREM', 'z', 'a'], ['zrem z']);
  await expect(['ZREMRANGEBYSCORE', 'z', '2', '2'], ['zremrangebyscore z']);
  await expect(['ZREMRANGEBYRANK', 'z', '0', '0'], ['zremrangebyrank z']);
  await expect(['ZADD', 'l', '0', 'a', '0', 'b'], ['zadd l']);
  await expect(['ZREMRANGEBYLEX', 'l', '[a', '[a'], ['zremrangebylex l']);
  await expect(['ZPOPMIN', 'l'], ['zpopmin l', 'del l']);
  await expect(['ZADD', 'p', '1', 'a', '2', 'b'], ['zadd p']);
  await expect(['ZPOPMAX', 'p'], ['zpopmax p']);
  await expect(['ZUNIONSTORE', 'u', '1', 'p'], ['zunionstore u']);
  await expect(['ZINTERSTORE', 'u', '1', 'p'], ['zinterstore u']);
  await expect(['ZDIFFSTORE', 'u', '1', 'p'], ['zdiffstore u']);
  await expect(['ZRANGESTORE', 'u', 'p', '0', '-1'], ['zrangestore u']);
  await expect(['ZDIFFSTORE', 'u', '2', 'p', 'p'], ['del u']);
  await expect(['ZRANGESTORE', 'u', 'nokey', '0', '-1'], []);
  await expect(['ZMPOP', '1', 'p', 'MIN'], ['zpopmin p', 'del p']);
  await expect(['ZADD', 'q', '1', 'a'], ['zadd q']);
  await expect(['ZREM', 'q', 'a'], ['zrem q', 'del q']);
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.close();
});

test('WATCH sees sorted set changes', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a');
  const other = await srv.connect();
  await c.call('WATCH', 'z');
  await other.call('ZINCRBY', 'z', '1', 'a');
  await c.call('MULTI');
  await c.call('ZCARD', 'z');
  assert.equal(await c.call('EXEC'), null);
  await c.call('WATCH', 'z');
  await other.call('ZADD', 'z', 'NX', '5', 'a');
  await c.call('MULTI');
  await c.call('ZCARD', 'z');
  assert.deepEqual(await c.call('EXEC'), [1]);
  other.close();
});

test('BZPOPMIN / BZPOPMAX: immediate, WRONGTYPE, argument errors', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  assert.deepEqual(await c.call('BZPOPMIN', 'nokey', 'z', '0'), ['z', 'a', '1']);
  assert.deepEqual(await c.call('BZPOPMAX', 'z', '0'), ['z', 'c', '3']);
  assert.deepEqual(await c.call('BZPOPMIN', 'nokey', 'str', 'z', '0'), WRONGTYPE);
  assert.deepEqual(await c.call('BZPOPMIN', 'z', '-1'), { error: 'ERR timeout is negative' });
  assert.deepEqual(await c.call('BZPOPMIN', 'z', 'x'), { error: 'ERR timeout is not a float or out of range' });
  assert.deepEqual(await c.call('BZPOPMIN', 'z', 'inf'), { error: 'ERR timeout is negative' });
  assert.deepEqual(await c.call('BZPOPMIN', 'z'), arity('bzpopmin'));
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.deepEqual(await r3.callRaw('BZPOPMIN', 'z', '0'), {
    type: 'array',
    value: [
      { type: 'bulk', value: Buffer.from('z') },
      { type: 'bulk', value: Buffer.from('b') },
      { type: 'double', value: '2' },
    ],
  });
  assert.deepEqual(await r3.callRaw('BZPOPMIN', 'z', '0.01'), { type: 'null' });
  r3.close();
  assert.equal(zsetValue('z'), undefined);
});

test('BZPOPMIN: timeout, then a null array', async () => {
  await fresh();
  assert.equal(await c.call('BZPOPMIN', 'nokey', '0.05'), null);
  const raw = await c.callRaw('BZPOPMAX', 'nokey', '0.01');
  assert.deepEqual(raw, { type: 'nullarray' });
  assert.equal(blockedCount(), 0);
});

test('BZPOPMIN: waiters are served first come, first served', async () => {
  await fresh();
  const w1 = await srv.connect();
  const w2 = await srv.connect();
  const w3 = await srv.connect();
  w1.send('BZPOPMIN', 'k', '0');
  await waitFor(() => blockedCount() === 1, 'w1 blocked');
  w2.send('BZPOPMAX', 'other', 'k', '0');
  await waitFor(() => blockedCount() === 2, 'w2 blocked');
  w3.send('BZPOPMIN', 'k', '0');
  await waitFor(() => blockedCount() === 3, 'w3 blocked');
  // Two elements: the first two waiters get one each, the third keeps waiting.
  assert.equal(await c.call('ZADD', 'k', '1', 'a', '2', 'b'), 2);
  assert.deepEqual(await next(w1), ['k', 'a', '1']);
  assert.deepEqual(await next(w2), ['k', 'b', '2']);
  assert.ok(await w3.silentFor(30));
  assert.equal(blockedCount(), 1);
  assert.equal(zsetValue('k'), undefined);
  await c.call('ZADD', 'k', '5', 'e');
  assert.deepEqual(await next(w3), ['k', 'e', '5']);
  assert.equal(blockedCount(), 0);
  for (const w of [w1, w2, w3]) w.close();
});

test('BZPOPMIN: served by store commands and inside EXEC', async () => {
  await fresh();
  await c.call('ZADD', 'src', '7', 'x');
  const w = await srv.connect();
  w.send('BZPOPMIN', 'dst', '0');
  await waitFor(() => blockedCount() === 1, 'blocked');
  assert.equal(await c.call('ZUNIONSTORE', 'dst', '1', 'src'), 1);
  assert.deepEqual(await next(w), ['dst', 'x', '7']);
  w.send('BZPOPMAX', 'dst2', '0');
  await waitFor(() => blockedCount() === 1, 'blocked again');
  await c.call('MULTI');
  await c.call('ZADD', 'dst2', '1', 'a', '2', 'b');
  await c.call('ZREM', 'dst2', 'b');
  assert.deepEqual(await c.call('EXEC'), [2, 1]);
  // The waiter sees the state after the whole transaction.
  assert.deepEqual(await next(w), ['dst2', 'a', '1']);
  w.close();
});

test('BZPOPMIN: a key of another type does not serve the waiter', async () => {
  await fresh();
  const w = await srv.connect();
  w.send('BZPOPMIN', 'k', '0');
  await waitFor(() => blockedCount() === 1, 'blocked');
  await c.call('XADD', 'k', '1-1', 'f', 'v');
  assert.ok(await w.silentFor(30));
  srv.server!.dbs[0]!.delete('k');
  await c.call('ZADD', 'k', '3', 'z');
  assert.deepEqual(await next(w), ['k', 'z', '3']);
  w.close();
});

test('BZPOPMIN: disconnecting a waiter removes it', async () => {
  await fresh();
  const w = await srv.connect();
  w.send('BZPOPMIN', 'k', '0');
  await waitFor(() => blockedCount() === 1, 'blocked');
  w.close();
  await waitFor(() => blockedCount() === 0, 'unblocked on disconnect');
  await c.call('ZADD', 'k', '1', 'a');
  assert.equal(await c.call('ZCARD', 'k'), 1);
});

test('blocking pops inside MULTI answer at once', async () => {
  await fresh();
  await c.call('MULTI');
  await c.call('BZPOPMIN', 'nokey', '0');
  await c.call('BZMPOP', '0', '1', 'nokey', 'MIN');
  await c.call('ZADD', 'k', '1', 'a');
  await c.call('BZPOPMAX', 'k', '0');
  assert.deepEqual(await c.call('EXEC'), [null, null, 1, ['k', 'a', '1']]);
  assert.equal(blockedCount(), 0);
});

test('BZMPOP', async () => {
  await fresh();
  await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
  assert.deepEqual(await c.call('BZMPOP', '0', '2', 'nokey', 'z', 'MAX', 'COUNT', '2'), ['z', [['c', '3'], ['b', '2']]]);
  assert.equal(await c.call('BZMPOP', '0.01', '1', 'nokey', 'MIN'), null);
  assert.deepEqual(await c.call('BZMPOP', 'x', '1', 'z', 'MIN'), { error: 'ERR timeout is not a float or out of range' });
  assert.deepEqual(await c.call('BZMPOP', '-1', '1', 'z', 'MIN'), { error: 'ERR timeout is negative' });
  assert.deepEqual(await c.call('BZMPOP', '0', '0', 'z', 'MIN'), { error: 'ERR numkeys should be greater than 0' });
  assert.deepEqual(await c.call('BZMPOP', '0', '1', 'z', 'FOO'), SYNTAX);
  assert.deepEqual(await c.call('BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '0'), { error: 'ERR count should be greater than 0' });
  assert.deepEqual(await c.call('BZMPOP', '0', '1', 'str', 'MIN'), WRONGTYPE);
  assert.deepEqual(await c.call('BZMPOP', '0', '1', 'z'), arity('bzmpop'));
  const w = await srv.connect();
  w.send('BZMPOP', '0', '2', 'k1', 'k2', 'MIN', 'COUNT', '5');
  await waitFor(() => blockedCount() === 1, 'blocked');
  await c.call('ZADD', 'k2', '1', 'x', '2', 'y');
  assert.deepEqual(await next(w), ['k2', [['x', '1'], ['y', '2']]]);
  assert.equal(zsetValue('k2'), undefined);
  w.close();
});

test('pipelined commands after a blocking pop run once it is served', async () => {
  await fresh();
  const w = await srv.connect();
  w.write(Buffer.concat([
    Buffer.from('*3\r\n$8\r\nBZPOPMIN\r\n$1\r\nk\r\n$1\r\n0\r\n'),
    Buffer.from('*2\r\n$5\r\nZCARD\r\n$1\r\nk\r\n'),
  ]));
  await waitFor(() => blockedCount() === 1, 'blocked');
  assert.ok(await w.silentFor(20));
  await c.call('ZADD', 'k', '1', 'a', '2', 'b');
  assert.deepEqual(await next(w), ['k', 'a', '1']);
  assert.equal(await next(w), 1);
  w.close();
});
