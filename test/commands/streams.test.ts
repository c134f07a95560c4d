// Stream commands over real TCP connections: replies, exact error texts, blocking reads,
// keyspace notifications.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain as plainOf, type RespClient } from '../helpers/resp.js';

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

beforeEach(async () => {
  await c.call('FLUSHALL');
});

const raw = async (client: RespClient, ...args: string[]): Promise<string> =>
  (await client.callFrame(...args)).raw.toString('latin1');
const err = (text: string) => ({ error: text });
const INVALID_ID = err('ERR Invalid stream ID specified as stream command argument');

/** Remove a key as DEL would (through the database, so blocked clients are signalled). */
function deleteKey(key: string): void {
  srv.server!.dbs[0]!.delete(key);
}

async function fill(key: string, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await c.call('XADD', key, `${i}-1`, 'n', String(i));
}

test('XADD: explicit, ms-*, * IDs and the reply', async () => {
  assert.equal(await c.call('XADD', 's', '1-1', 'f', 'v'), '1-1');
  assert.equal(await c.call('XADD', 's', '1-*', 'f', 'v'), '1-2');
  assert.equal(await c.call('XADD', 's', '5-*', 'f', 'v'), '5-0');
  const auto = (await c.call('XADD', 's', '*', 'a', '1', 'b', '2')) as string;
  assert.match(auto, /^\d{13}-0$/);
  assert.equal(await c.call('XLEN', 's'), 4);
  assert.deepEqual(await c.call('XRANGE', 's', auto, auto), [[auto, ['a', '1', 'b', '2']]]);
  assert.equal(await c.call('XADD', 'z', '0-*', 'f', 'v'), '0-1');
  assert.equal(
    await c.call('XADD', 'm', '18446744073709551615-18446744073709551615', 'f', 'v'),
    '18446744073709551615-18446744073709551615',
  );
});

test('XADD: error texts', async () => {
  await c.call('XADD', 's', '5-5', 'f', 'v');
  assert.deepEqual(
    await c.call('XADD', 's', '5-5', 'f', 'v'),
    err('ERR The ID specified in XADD is equal or smaller than the target stream top item'),
  );
  assert.deepEqual(
    await c.call('XADD', 's', '4-*', 'f', 'v'),
    err('ERR The ID specified in XADD is equal or smaller than the target stream top item'),
  );
  assert.deepEqual(await c.call('XADD', 's', '0-0', 'f', 'v'), err('ERR The ID specified in XADD must be greater than 0-0'));
  assert.deepEqual(await c.call('XADD', 's', 'abc', 'f', 'v'), INVALID_ID);
  assert.deepEqual(await c.call('XADD', 's', '18446744073709551616-0', 'f', 'v'), INVALID_ID);
  assert.deepEqual(await c.call('XADD', 's', '*', 'f'), err("ERR wrong number of arguments for 'xadd' command"));
  assert.deepEqual(await c.call('XADD', 's', '*', 'f', 'v', 'g'), err("ERR wrong number of arguments for 'xadd' command"));
  assert.deepEqual(await c.call('XADD', 's', 'MAXLEN', '-1', '*', 'f', 'v'), err('ERR The MAXLEN argument must be >= 0.'));
  assert.deepEqual(await c.call('XADD', 's', 'MAXLEN', 'x', '*', 'f', 'v'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(
    await c.call('XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1', '*', 'f', 'v'),
    err('ERR The LIMIT argument must be >= 0.'),
  );
  assert.deepEqual(
    await c.call('XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'f', 'v'),
    err('ERR syntax error, MAXLEN and MINID options at the same time are not compatible'),
  );
  assert.deepEqual(
    await c.call('XADD', 's', 'LIMIT', '5', '*', 'f', 'v'),
    err('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy'),
  );
  assert.deepEqual(
    await c.call('XADD', 's', 'MAXLEN', '=', '1', 'LIMIT', '5', '*', 'f', 'v'),
    err('ERR syntax error, LIMIT cannot be used without the special ~ option'),
  );
  await c.call('XADD', 'm', '18446744073709551615-18446744073709551615', 'f', 'v');
  assert.deepEqual(
    await c.call('XADD', 'm', '*', 'f', 'v'),
    err('ERR The stream has exhausted the last possible ID, unable to add more items'),
  );
  await c.call('XADD', 'q', '1-18446744073709551615', 'f', 'v');
  assert.deepEqual(await c.call('XADD', 'q', '1-*', 'f', 'v'), err('ERR Elements are too large to be stored'));
  await c.call('ZADD', 'zs', '1', 'a');
  assert.deepEqual(
    await c.call('XADD', 'zs', '*', 'f', 'v'),
    err('WRONGTYPE Operation against a key holding the wrong kind of value'),
  );
});

test('XADD: NOMKSTREAM, MAXLEN/MINID with = and ~ and LIMIT', async () => {
  assert.equal(await raw(c, 'XADD', 'none', 'NOMKSTREAM', '*', 'f', 'v'), '$-1\r\n');
  assert.equal(await c.call('XLEN', 'none'), 0);
  await fill('s', 5);
  assert.equal(await c.call('XADD', 's', 'NOMKSTREAM', 'MAXLEN', '=', '3', '6-1', 'f', 'v'), '6-1');
  assert.deepEqual(((await c.call('XRANGE', 's', '-', '+')) as [string][]).map((e) => e[0]), ['4-1', '5-1', '6-1']);
  assert.equal(await c.call('XADD', 's', 'MINID', '6', '7-1', 'f', 'v'), '7-1');
  assert.equal(await c.call('XLEN', 's'), 2);
  // ~ only drops whole nodes (100 entries by default): nothing to drop here.
  assert.equal(await c.call('XADD', 's', 'MAXLEN', '~', '1', '8-1', 'f', 'v'), '8-1');
  assert.equal(await c.call('XLEN', 's'), 3);
  await fill('big', 250);
  assert.equal(await c.call('XADD', 'big', 'MAXLEN', '~', '10', 'LIMIT', '100', '251-1', 'f', 'v'), '251-1');
  assert.equal(await c.call('XLEN', 'big'), 151);
  assert.equal(await c.call('XADD', 'big', 'MAXLEN', '~', '10', '252-1', 'f', 'v'), '252-1');
  assert.equal(await c.call('XLEN', 'big'), 52);
});

test('XLEN, XRANGE, XREVRANGE: bounds, exclusive ranges, COUNT, errors', async () => {
  await fill('s', 5);
  assert.equal(await c.call('XLEN', 's'), 5);
  assert.deepEqual(await c.call('XRANGE', 's', '2', '3'), [
    ['2-1', ['n', '2']],
    ['3-1', ['n', '3']],
  ]);
  assert.deepEqual(await c.call('XRANGE', 's', '(2-1', '(4-1'), [['3-1', ['n', '3']]]);
  assert.deepEqual(await c.call('XREVRANGE', 's', '+', '-', 'COUNT', '2'), [
    ['5-1', ['n', '5']],
    ['4-1', ['n', '4']],
  ]);
  assert.deepEqual(await c.call('XREVRANGE', 's', '(5-1', '(3-1'), [['4-1', ['n', '4']]]);
  assert.equal(await raw(c, 'XRANGE', 's', '-', '+', 'COUNT', '0'), '*-1\r\n');
  assert.equal(await raw(c, 'XRANGE', 'nokey', '-', '+'), '*0\r\n');
  assert.deepEqual(await c.call('XRANGE', 's', '(-', '+'), INVALID_ID);
  assert.deepEqual(await c.call('XRANGE', 's', 'x', '+'), INVALID_ID);
  assert.deepEqual(
    await c.call('XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'),
    err('ERR invalid start ID for the interval'),
  );
  assert.deepEqual(await c.call('XRANGE', 's', '-', '(0-0'), err('ERR invalid end ID for the interval'));
  assert.deepEqual(await c.call('XRANGE', 's', '-', '+', 'COUNT'), err('ERR syntax error'));
  assert.deepEqual(await c.call('XRANGE', 's', '-', '+', 'COUNT', 'x'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(await c.call('XRANGE', 's', '-'), err("ERR wrong number of arguments for 'xrange' command"));
  assert.deepEqual(await c.call('XLEN'), err("ERR wrong number of arguments for 'xlen' command"));
});

test('XDEL and XTRIM', async () => {
  await fill('s', 5);
  assert.equal(await c.call('XDEL', 's', '1-1', '1-1', '9-9', '3-1'), 2);
  assert.equal(await c.call('XDEL', 'nokey', '1-1'), 0);
  assert.deepEqual(await c.call('XDEL', 's', 'bad'), INVALID_ID);
  assert.equal(await c.call('XLEN', 's'), 3);
  assert.equal(await c.call('XTRIM', 's', 'MAXLEN', '2'), 1);
  assert.equal(await c.call('XTRIM', 's', 'MINID', '=', '5'), 1);
  assert.equal(await c.call('XTRIM', 's', 'MAXLEN', '~', '1'), 0); // would cut inside a node
  assert.equal(await c.call('XTRIM', 'nokey', 'MAXLEN', '0'), 0);
  assert.equal(await c.call('XTRIM', 's', 'MAXLEN', '~', '0'), 1); // the whole node goes
  // An emptied stream stays, as in Redis.
  assert.deepEqual(((await c.call('XINFO', 'STREAM', 's')) as unknown[]).slice(0, 2), ['length', 0]);
  assert.deepEqual(await c.call('XTRIM', 's', 'FOO', '1'), err('ERR syntax error'));
  assert.deepEqual(
    await c.call('XTRIM', 's', 'LIMIT', '5'),
    err('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy'),
  );
  assert.deepEqual(
    await c.call('XTRIM', 's', 'MINID', '1', 'LIMIT', '5'),
    err('ERR syntax error, LIMIT cannot be used without the special ~ option'),
  );
  assert.deepEqual(await c.call('XTRIM', 's'), err("ERR wrong number of arguments for 'xtrim' command"));
});

test('XREAD: several streams, COUNT, $, errors, RESP3 map', async () => {
  await fill('a', 3);
  await fill('b', 1);
  assert.deepEqual(await c.call('XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0'), [
    [
      'a',
      [
        ['1-1', ['n', '1']],
        ['2-1', ['n', '2']],
      ],
    ],
    ['b', [['1-1', ['n', '1']]]],
  ]);
  assert.equal(await raw(c, 'XREAD', 'STREAMS', 'a', '$'), '*-1\r\n');
  assert.equal(await raw(c, 'XREAD', 'STREAMS', 'nokey', '0'), '*-1\r\n');
  assert.deepEqual(
    await c.call('XREAD', 'STREAMS', 'a', 'b', '0'),
    err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."),
  );
  assert.deepEqual(await c.call('XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'), err('ERR timeout is not an integer or out of range'));
  assert.deepEqual(await c.call('XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'), err('ERR timeout is negative'));
  assert.deepEqual(
    await c.call('XREAD', 'STREAMS', 'a', '>'),
    err('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.'),
  );
  assert.deepEqual(
    await c.call('XREAD', 'NOACK', 'STREAMS', 'a', '0'),
    err('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.'),
  );
  assert.deepEqual(
    await c.call('XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'),
    err('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.'),
  );
  assert.deepEqual(await c.call('XREAD', 'FOO', 'STREAMS', 'a', '0'), err('ERR syntax error'));
  assert.deepEqual(await c.call('XREAD', 'STREAMS', 'a', '-'), INVALID_ID);
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  assert.equal(
    await raw(r3, 'XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '2-1', '0'),
    '%2\r\n$1\r\na\r\n*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nn\r\n$1\r\n3\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nn\r\n$1\r\n1\r\n',
  );
  assert.equal(await raw(r3, 'XREAD', 'STREAMS', 'a', '$'), '_\r\n');
  r3.close();
});

test('XREAD BLOCK: served by XADD, $ resolved when the command ran, arrival order', async () => {
  await fill('s', 2);
  const r1 = await srv.connect();
  const r2 = await srv.connect();
  r1.send('XREAD', 'BLOCK', '0', 'STREAMS', 'other', 's', '$', '$');
  r2.send('XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 's', '$');
  assert.ok(await r1.silentFor(50));
  await c.call('XADD', 's', '3-1', 'n', '3');
  // Both readers see the new entry (XREAD does not consume); only the stream that woke them.
  assert.deepEqual(plainOf(await r1.read()), [['s', [['3-1', ['n', '3']]]]]);
  assert.deepEqual(plainOf(await r2.read()), [['s', [['3-1', ['n', '3']]]]]);
  r1.close();
  r2.close();
});

test('XREAD BLOCK: timeout gives the null reply (RESP2 *-1, RESP3 _)', async () => {
  const r = await srv.connect();
  assert.equal(await raw(r, 'XREAD', 'BLOCK', '20', 'STREAMS', 's', '$'), '*-1\r\n');
  await r.call('HELLO', '3');
  assert.equal(await raw(r, 'XREAD', 'BLOCK', '20', 'STREAMS', 's', '$'), '_\r\n');
  r.close();
});

test('XREAD BLOCK stays blocked when its key is deleted or replaced, and is served by a new stream', async () => {
  await fill('s', 1);
  const r = await srv.connect();
  r.send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
  assert.ok(await r.silentFor(30));
  await c.call('SET', 's', 'string now');
  assert.ok(await r.silentFor(30));
  assert.equal(await c.call('DEL', 's'), 1);
  assert.ok(await r.silentFor(30));
  // IDs are compared with the one resolved for $ (1-1): an older ID does not wake the reader.
  await c.call('XADD', 's', '1-0', 'n', 'old');
  assert.ok(await r.silentFor(30));
  await c.call('XADD', 's', '2-1', 'n', 'again');
  assert.deepEqual(plainOf(await r.read()), [['s', [['2-1', ['n', 'again']]]]]);
  r.close();
});

test('XREAD BLOCK inside MULTI answers at once with the null reply', async () => {
  const r = await srv.connect();
  await r.call('MULTI');
  await r.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
  assert.equal(await raw(r, 'EXEC'), '*1\r\n*-1\r\n');
  r.close();
});

test('XGROUP: CREATE (MKSTREAM, ENTRIESREAD, $), CREATECONSUMER, DELCONSUMER, DESTROY, SETID, HELP', async () => {
  assert.deepEqual(
    await c.call('XGROUP', 'CREATE', 's', 'g', '$'),
    err(
      'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
    ),
  );
  assert.equal(await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'), 'OK');
  assert.deepEqual(await c.call('XGROUP', 'CREATE', 's', 'g', '$'), err('BUSYGROUP Consumer Group name already exists'));
  assert.equal(await c.call('XGROUP', 'CREATE', 's', 'g2', '0', 'ENTRIESREAD', '3'), 'OK');
  assert.deepEqual(
    await c.call('XGROUP', 'CREATE', 's', 'g3', '0', 'ENTRIESREAD', '-2'),
    err('ERR value for ENTRIESREAD must be positive or -1'),
  );
  assert.deepEqual(
    await c.call('XGROUP', 'CREATE', 's', 'g3', '0', 'BOGUS'),
    err("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."),
  );
  assert.deepEqual(await c.call('XGROUP', 'CREATE', 's', 'g3', 'nope'), INVALID_ID);
  assert.deepEqual(await c.call('XGROUP', 'CREATE', 's'), err("ERR wrong number of arguments for 'xgroup|create' command"));
  assert.equal(await c.call('XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'), 1);
  assert.equal(await c.call('XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'), 0);
  assert.deepEqual(
    await c.call('XGROUP', 'CREATECONSUMER', 's', 'nog', 'alice'),
    err("NOGROUP No such consumer group 'nog' for key name 's'"),
  );
  assert.equal(await c.call('XGROUP', 'DELCONSUMER', 's', 'g', 'alice'), 0);
  assert.equal(await c.call('XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'), 0);
  await c.call('XADD', 's', '1-1', 'f', 'v');
  await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>');
  assert.equal(await c.call('XGROUP', 'DELCONSUMER', 's', 'g', 'bob'), 1);
  assert.equal(await c.call('XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '0'), 'OK');
  assert.equal(await c.call('XGROUP', 'SETID', 's', 'g2', '$'), 'OK');
  assert.deepEqual(
    await c.call('XGROUP', 'SETID', 's', 'nog', '0'),
    err("NOGROUP No such consumer group 'nog' for key name 's'"),
  );
  const groups = (await c.call('XINFO', 'GROUPS', 's')) as unknown[][];
  assert.deepEqual(groups[0], ['name', 'g', 'consumers', 0, 'pending', 0, 'last-delivered-id', '0-0', 'entries-read', 0, 'lag', 1]);
  assert.deepEqual(groups[1], ['name', 'g2', 'consumers', 0, 'pending', 0, 'last-delivered-id', '1-1', 'entries-read', null, 'lag', 0]);
  assert.equal(await c.call('XGROUP', 'DESTROY', 's', 'g2'), 1);
  assert.equal(await c.call('XGROUP', 'DESTROY', 's', 'g2'), 0);
  const help = (await c.call('XGROUP', 'HELP')) as string[];
  assert.equal(help[0], 'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  assert.equal(help.length, 17);
  assert.deepEqual(await c.call('XGROUP', 'FOO'), err("ERR unknown subcommand 'FOO'. Try XGROUP HELP."));
  assert.deepEqual(await c.call('XGROUP'), err("ERR wrong number of arguments for 'xgroup' command"));
});

test('XREADGROUP: >, history, COUNT, NOACK, errors', async () => {
  await fill('s', 4);
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  assert.deepEqual(await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'), [
    ['s', [['1-1', ['n', '1']]]],
  ]);
  assert.deepEqual(await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '2', 'NOACK', 'STREAMS', 's', '>'), [
    [
      's',
      [
        ['2-1', ['n', '2']],
        ['3-1', ['n', '3']],
      ],
    ],
  ]);
  // History: only alice's own pending entries, after the given ID.
  assert.deepEqual(await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'), [['s', [['1-1', ['n', '1']]]]]);
  assert.deepEqual(await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '1-1'), [['s', []]]);
  assert.deepEqual(await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0'), [['s', []]]);
  // A deleted pending entry shows up with a null body.
  await c.call('XDEL', 's', '1-1');
  assert.equal(
    await raw(c, 'XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'),
    '*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*-1\r\n',
  );
  // ...and is not counted as a delivery (1 from '>' and 1 from the first history read).
  assert.equal(((await c.call('XPENDING', 's', 'g', '-', '+', '1')) as number[][])[0]![3], 2);
  assert.deepEqual(await c.call('XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>'), [['s', [['4-1', ['n', '4']]]]]);
  assert.equal(await raw(c, 'XREADGROUP', 'GROUP', 'g', 'carol', 'STREAMS', 's', '>'), '*-1\r\n');
  assert.deepEqual(
    await c.call('XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', 's', '>'),
    err("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"),
  );
  assert.deepEqual(
    await c.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', '>'),
    err("NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option"),
  );
  assert.deepEqual(
    await c.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$'),
    err(
      'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
    ),
  );
  assert.deepEqual(
    await c.call('XREADGROUP', 'COUNT', '1', 'STREAMS', 's', '>', 'x'),
    err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."),
  );
  assert.deepEqual(
    await c.call('XREADGROUP', 'COUNT', '1', 'NOACK', 'STREAMS', 's', '>'),
    err('ERR Missing GROUP option for XREADGROUP'),
  );
  assert.deepEqual(await c.call('XREADGROUP', 'GROUP', 'g', 'STREAMS', 's', '>'), err("ERR wrong number of arguments for 'xreadgroup' command"));
  const pending = (await c.call('XPENDING', 's', 'g')) as unknown[];
  assert.deepEqual(pending, [2, '1-1', '4-1', [['alice', '1'], ['carol', '1']]]);
});

test('XREADGROUP BLOCK: served in arrival order, one entry each, PEL updated', async () => {
  await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const r1 = await srv.connect();
  const r2 = await srv.connect();
  r1.send('XREADGROUP', 'GROUP', 'g', 'one', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>');
  assert.ok(await r1.silentFor(30));
  r2.send('XREADGROUP', 'GROUP', 'g', 'two', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>');
  assert.ok(await r2.silentFor(30));
  await c.call('XADD', 's', '1-1', 'job', 'a');
  assert.deepEqual(plainOf(await r1.read()), [['s', [['1-1', ['job', 'a']]]]]);
  assert.ok(await r2.silentFor(30));
  await c.call('XADD', 's', '2-1', 'job', 'b');
  assert.deepEqual(plainOf(await r2.read()), [['s', [['2-1', ['job', 'b']]]]]);
  assert.deepEqual(await c.call('XPENDING', 's', 'g'), [2, '1-1', '2-1', [['one', '1'], ['two', '1']]]);
  r1.close();
  r2.close();
});

test('XREADGROUP BLOCK: timeout, stream deleted, group destroyed', async () => {
  await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  const r = await srv.connect();
  assert.equal(await raw(r, 'XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '20', 'STREAMS', 's', '>'), '*-1\r\n');
  r.send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
  assert.ok(await r.silentFor(30));
  await c.call('XGROUP', 'DESTROY', 's', 'g');
  assert.equal((await r.readFrame())!.raw.toString(), '-NOGROUP the consumer group this client was blocked on no longer exists\r\n');
  await c.call('XGROUP', 'CREATE', 's', 'g', '$');
  r.send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
  assert.ok(await r.silentFor(30));
  assert.equal(await c.call('DEL', 's'), 1);
  assert.equal((await r.readFrame())!.raw.toString(), '-UNBLOCKED the stream key no longer exists\r\n');
  // Replacing the stream with another type wakes it the same way.
  await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  r.send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
  assert.ok(await r.silentFor(30));
  await c.call('SET', 's', 'now a string');
  assert.equal((await r.readFrame())!.raw.toString(), '-UNBLOCKED the stream key no longer exists\r\n');
  // In-process deletion (expiry paths use the same database call) signals too.
  await c.call('DEL', 's');
  await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
  r.send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
  assert.ok(await r.silentFor(30));
  deleteKey('s');
  await c.call('PING');
  assert.equal((await r.readFrame())!.raw.toString(), '-UNBLOCKED the stream key no longer exists\r\n');
  r.close();
});

test('XACK and XPENDING (summary, extended, IDLE, consumer filter, errors)', async () => {
  await fill('s', 3);
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  assert.deepEqual(await c.call('XPENDING', 's', 'g'), [0, null, null, null]);
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>');
  await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>');
  const ext = (await c.call('XPENDING', 's', 'g', '-', '+', '10')) as unknown[][];
  assert.deepEqual(
    ext.map((e) => [e[0], e[1], e[3]]),
    [
      ['1-1', 'alice', 1],
      ['2-1', 'alice', 1],
      ['3-1', 'bob', 1],
    ],
  );
  assert.ok(ext.every((e) => typeof e[2] === 'number' && e[2] >= 0));
  assert.deepEqual(
    ((await c.call('XPENDING', 's', 'g', '(1-1', '+', '10', 'alice')) as unknown[][]).map((e) => e[0]),
    ['2-1'],
  );
  assert.deepEqual(await c.call('XPENDING', 's', 'g', 'IDLE', '3600000', '-', '+', '10'), []);
  assert.equal(((await c.call('XPENDING', 's', 'g', 'IDLE', '0', '-', '+', '1')) as unknown[]).length, 1);
  assert.deepEqual(await c.call('XPENDING', 's', 'g', '-', '+', '10', 'nobody'), []);
  assert.deepEqual(await c.call('XPENDING', 's', 'g', '-', '+'), err('ERR syntax error'));
  assert.deepEqual(await c.call('XPENDING', 's', 'g', '-', '+', 'x'), err('ERR value is not an integer or out of range'));
  assert.deepEqual(await c.call('XPENDING', 's', 'nog'), err("NOGROUP No such key 's' or consumer group 'nog'"));
  assert.equal(await c.call('XACK', 's', 'g', '1-1', '1-1', '9-9', '3-1'), 2);
  assert.equal(await c.call('XACK', 's', 'nog', '1-1'), 0);
  assert.equal(await c.call('XACK', 'nokey', 'g', '1-1'), 0);
  assert.deepEqual(await c.call('XACK', 's', 'g', 'bad'), INVALID_ID);
  assert.deepEqual(await c.call('XPENDING', 's', 'g'), [1, '2-1', '2-1', [['alice', '1']]]);
});

test('XCLAIM: IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID, deleted entries, errors', async () => {
  await fill('s', 4);
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', 's', '>');
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '3600000', '1-1'), []);
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', '1-1'), [['1-1', ['n', '1']]]);
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', '2-1', 'JUSTID'), ['2-1']);
  // FORCE creates a pending entry for an undelivered ID that exists; missing IDs are ignored.
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', '4-1', '9-9', 'FORCE', 'JUSTID'), ['4-1']);
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', '3-1', 'RETRYCOUNT', '7', 'IDLE', '5000', 'JUSTID'), ['3-1']);
  const pel = (await c.call('XPENDING', 's', 'g', '-', '+', '10')) as unknown[][];
  assert.deepEqual(
    pel.map((e) => [e[0], e[1], e[3]]),
    [
      ['1-1', 'bob', 2],
      ['2-1', 'bob', 1],
      ['3-1', 'bob', 7],
      ['4-1', 'bob', 1],
    ],
  );
  assert.ok((pel[2]![2] as number) >= 5000);
  await c.call('XCLAIM', 's', 'g', 'bob', '0', '3-1', 'TIME', String(Date.now() - 60000), 'JUSTID');
  assert.ok(((await c.call('XPENDING', 's', 'g', '3-1', '3-1', '1')) as number[][])[0]![2]! >= 60000);
  // A deleted entry is dropped from the PEL instead of being claimed.
  await c.call('XDEL', 's', '2-1');
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'carol', '0', '2-1'), []);
  assert.deepEqual(((await c.call('XPENDING', 's', 'g')) as unknown[])[0], 3);
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', '1-1', 'LASTID', '50-0', 'JUSTID'), ['1-1']);
  assert.equal(((await c.call('XINFO', 'GROUPS', 's')) as unknown[][])[0]![7], '50-0');
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', 'x', '1-1'), err('ERR Invalid min-idle-time argument for XCLAIM'));
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', '1-1', 'IDLE', 'x'), err('ERR Invalid IDLE option argument for XCLAIM'));
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', '1-1', 'TIME', 'x'), err('ERR Invalid TIME option argument for XCLAIM'));
  assert.deepEqual(
    await c.call('XCLAIM', 's', 'g', 'bob', '0', '1-1', 'RETRYCOUNT', 'x'),
    err('ERR Invalid RETRYCOUNT option argument for XCLAIM'),
  );
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', '1-1', 'LASTID', 'x'), INVALID_ID);
  assert.deepEqual(await c.call('XCLAIM', 's', 'g', 'bob', '0', 'nope'), err("ERR Unrecognized XCLAIM option 'nope'"));
  assert.deepEqual(await c.call('XCLAIM', 's', 'nog', 'bob', '0', '1-1'), err("NOGROUP No such key 's' or consumer group 'nog'"));
});

test('XAUTOCLAIM: cursor, COUNT, JUSTID, deleted entries reported (3-element reply)', async () => {
  await fill('s', 5);
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'crashed', 'STREAMS', 's', '>');
  await c.call('XDEL', 's', '2-1', '4-1');
  assert.deepEqual(await c.call('XAUTOCLAIM', 's', 'g', 'rescuer', '0', '0', 'COUNT', '2'), ['3-1', [['1-1', ['n', '1']]], ['2-1']]);
  assert.deepEqual(await c.call('XAUTOCLAIM', 's', 'g', 'rescuer', '0', '3-1', 'JUSTID'), ['0-0', ['3-1', '5-1'], ['4-1']]);
  assert.deepEqual(await c.call('XAUTOCLAIM', 's', 'g', 'other', '3600000', '-'), ['0-0', [], []]);
  assert.deepEqual(await c.call('XPENDING', 's', 'g'), [3, '1-1', '5-1', [['rescuer', '3']]]);
  const pel = (await c.call('XPENDING', 's', 'g', '-', '+', '10')) as unknown[][];
  assert.deepEqual(pel.map((e) => e[3]), [2, 1, 1]); // JUSTID does not count a delivery
  assert.deepEqual(await c.call('XAUTOCLAIM', 's', 'g', 'r', '0', '0', 'COUNT', '0'), err('ERR COUNT must be > 0'));
  assert.deepEqual(await c.call('XAUTOCLAIM', 's', 'g', 'r', 'x', '0'), err('ERR Invalid min-idle-time argument for XAUTOCLAIM'));
  assert.deepEqual(await c.call('XAUTOCLAIM', 's', 'g', 'r', '0', 'x'), INVALID_ID);
  assert.deepEqual(await c.call('XAUTOCLAIM', 's', 'g', 'r', '0', '0', 'FOO'), err('ERR syntax error'));
  assert.deepEqual(await c.call('XAUTOCLAIM', 's', 'nog', 'r', '0', '0'), err("NOGROUP No such key 's' or consumer group 'nog'"));
});

test('XINFO STREAM (and FULL COUNT), GROUPS, CONSUMERS, HELP; RESP3 maps', async () => {
  await fill('s', 3);
  await c.call('XDEL', 's', '2-1');
  await c.call('XGROUP', 'CREATE', 's', 'g', '0');
  await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>');
  assert.deepEqual(await c.call('XINFO', 'STREAM', 's'), [
    'length', 2,
    'radix-tree-keys', 1,
    'radix-tree-nodes', 2,
    'last-generated-id', '3-1',
    'max-deleted-entry-id', '2-1',
    'entries-added', 3,
    'recorded-first-entry-id', '1-1',
    'groups', 1,
    'first-entry', ['1-1', ['n', '1']],
    'last-entry', ['3-1', ['n', '3']],
  ]);
  const full = (await c.call('XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1')) as unknown[];
  assert.deepEqual(full.slice(14, 16), ['entries', [['1-1', ['n', '1']]]]);
  const group = (full[17] as unknown[][])[0]!;
  assert.deepEqual(group.slice(0, 10), ['name', 'g', 'last-delivered-id', '1-1', 'entries-read', null, 'lag', null, 'pel-count', 1]);
  const consumers = (await c.call('XINFO', 'CONSUMERS', 's', 'g')) as unknown[][];
  assert.deepEqual(consumers[0]!.slice(0, 4), ['name', 'alice', 'pending', 1]);
  assert.equal(consumers[0]![4], 'idle');
  const r3 = await srv.connect();
  await r3.call('HELLO', '3');
  const info = await r3.callRaw('XINFO', 'STREAM', 's');
  assert.equal(info.type, 'map');
  const groups = await r3.callRaw('XINFO', 'GROUPS', 's');
  assert.equal(groups.type, 'array');
  assert.equal((groups as { value: { type: string }[] }).value[0]!.type, 'map');
  r3.close();
  assert.equal(((await c.call('XINFO', 'HELP')) as string[]).length, 9);
  assert.deepEqual(await c.call('XINFO', 'STREAM', 'nokey'), err('ERR no such key'));
  assert.deepEqual(await c.call('XINFO', 'GROUPS', 'nokey'), err('ERR no such key'));
  assert.deepEqual(await c.call('XINFO', 'CONSUMERS', 's', 'nog'), err("NOGROUP No such consumer group 'nog' for key name 's'"));
  assert.deepEqual(
    await c.call('XINFO', 'STREAM', 's', 'BOGUS'),
    err("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."),
  );
  assert.deepEqual(await c.call('XINFO', 'NOPE'), err("ERR unknown subcommand 'NOPE'. Try XINFO HELP."));
});

test('XSETID: ENTRIESADDED, MAXDELETEDID, errors', async () => {
  await fill('s', 2);
  assert.equal(await c.call('XSETID', 's', '10-0', 'ENTRIESADDED', '7', 'MAXDELETEDID', '5-0'), 'OK');
  const info = (await c.call('XINFO', 'STREAM', 's')) as unknown[];
  assert.deepEqual(info.slice(6, 12), ['last-generated-id', '10-0', 'max-deleted-entry-id', '5-0', 'entries-added', 7]);
  assert.deepEqual(
    await c.call('XSETID', 's', '1-0'),
    err('ERR The ID specified in XSETID is smaller than the target stream top item'),
  );
  assert.deepEqual(
    await c.call('XSETID', 's', '10-0', 'ENTRIESADDED', '1'),
    err('ERR The entries_added specified in XSETID is smaller than the target stream length'),
  );
  assert.deepEqual(
    await c.call('XSETID', 's', '10-0', 'MAXDELETEDID', '11-0'),
    err('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id'),
  );
  assert.deepEqual(await c.call('XSETID', 's', '10-0', 'ENTRIESADDED', '-1'), err('ERR entries_added must be positive'));
  assert.deepEqual(await c.call('XSETID', 'nokey', '1-0'), err('ERR no such key'));
  assert.deepEqual(await c.call('XSETID', 's', '$'), INVALID_ID);
  assert.deepEqual(await c.call('XSETID', 's', '10-0', 'FOO'), err('ERR syntax error'));
  assert.equal(await c.call('XADD', 's', '10-*', 'f', 'v'), '10-1');
});

test('keyspace notifications for stream events', async () => {
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Et');
  const sub = await srv.connect();
  await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
  const expected: [string[], string][] = [
    [['XADD', 's', '1-1', 'f', 'v'], 'xadd'],
    [['XADD', 's', 'MAXLEN', '1', '2-1', 'f', 'v'], 'xadd'],
    [[], 'xtrim'],
    [['XDEL', 's', '2-1'], 'xdel'],
    [['XADD', 's', '3-1', 'f', 'v'], 'xadd'],
    [['XTRIM', 's', 'MAXLEN', '0'], 'xtrim'],
    [['XSETID', 's', '9-0'], 'xsetid'],
    [['XGROUP', 'CREATE', 's', 'g', '$'], 'xgroup-create'],
    [['XGROUP', 'CREATECONSUMER', 's', 'g', 'c'], 'xgroup-createconsumer'],
    [['XGROUP', 'SETID', 's', 'g', '0'], 'xgroup-setid'],
    [['XGROUP', 'DELCONSUMER', 's', 'g', 'c'], 'xgroup-delconsumer'],
    [['XGROUP', 'DESTROY', 's', 'g'], 'xgroup-destroy'],
  ];
  for (const [cmd] of expected) if (cmd.length > 0) await c.call(...cmd);
  for (const [, event] of expected) {
    const msg = plainOf(await sub.read()) as string[];
    assert.deepEqual(msg, ['pmessage', '__keyevent@0__:*', `__keyevent@0__:${event}`, 's']);
  }
  await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.close();
});

test('CONFIG SET stream-node-max-entries changes node size (radix-tree-keys, ~ trimming)', async () => {
  await c.call('CONFIG', 'SET', 'stream-node-max-entries', '10');
  try {
    await fill('n', 35);
    const info = (await c.call('XINFO', 'STREAM', 'n')) as unknown[];
    assert.deepEqual(info.slice(2, 4), ['radix-tree-keys', 4]);
    assert.equal(await c.call('XTRIM', 'n', 'MAXLEN', '~', '12'), 20);
    assert.equal(await c.call('XLEN', 'n'), 15);
  } finally {
    await c.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
  }
});

test('XGROUP SETID takes - and + (CREATE does not); the group then re-reads from the start', async () => {
  for (let i = 1; i <= 4; i++) await c.call('XADD', 'events', `${i}-0`, 'f', 'v');
  assert.equal(await c.call('XGROUP', 'CREATE', 'events', 'g1', '$'), 'OK');
  await c.call('XADD', 'events', '5-0', 'f', 'v');
  const first = (await c.call('XREADGROUP', 'GROUP', 'g1', 'c1', 'STREAMS', 'events', '>')) as unknown[][];
  assert.equal((first[0]![1] as unknown[]).length, 1);
  assert.equal(await c.call('XGROUP', 'SETID', 'events', 'g1', '-'), 'OK');
  const again = (await c.call('XREADGROUP', 'GROUP', 'g1', 'c2', 'STREAMS', 'events', '>')) as unknown[][];
  assert.equal((again[0]![1] as unknown[]).length, 5);
  assert.equal(await c.call('XGROUP', 'SETID', 'events', 'g1', '+'), 'OK');
  assert.deepEqual(await c.call('XGROUP', 'CREATE', 'events', 'g2', '-'), { error: 'ERR Invalid stream ID specified as stream command argument' });
  assert.deepEqual(await c.call('XGROUP', 'CREATE', 'events', 'g2', '+'), { error: 'ERR Invalid stream ID specified as stream command argument' });
});

test('XREADGROUP > blocks (and times out with null) when the entries past the group were deleted', async () => {
  await c.call('XGROUP', 'CREATE', 'mystream', 'mygroup', '$', 'MKSTREAM');
  await c.call('XADD', 'mystream', '666', 'f', 'v');
  await c.call('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'STREAMS', 'mystream', '>');
  await c.call('XADD', 'mystream', '667', 'f2', 'v2');
  await c.call('XDEL', 'mystream', '667');
  assert.equal(await c.call('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'BLOCK', '10', 'STREAMS', 'mystream', '>'), null);
  assert.equal(await c.call('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'STREAMS', 'mystream', '>'), null);
});

test('a client blocked in XREADGROUP is woken with an error by FLUSHALL, FLUSHDB and SWAPDB', async () => {
  const setup = async () => {
    await c.call('DEL', 'mystream');
    await c.call('XADD', 'mystream', '666', 'f', 'v');
    await c.call('XGROUP', 'CREATE', 'mystream', 'mygroup', '$');
  };
  const waitBlocked = async () => {
    for (let i = 0; i < 200; i++) {
      const info = (await c.call('INFO', 'clients')) as string;
      if (/blocked_clients:1/.test(info)) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.fail('the client never blocked');
  };
  const gone = { error: 'UNBLOCKED the stream key no longer exists' };
  for (const wipe of [['FLUSHALL'], ['FLUSHDB'], ['SWAPDB', '0', '4']]) {
    await c.call('SELECT', '4');
    await c.call('FLUSHDB');
    await c.call('SELECT', '0');
    await setup();
    const rd = await srv.connect();
    rd.send('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'BLOCK', '0', 'STREAMS', 'mystream', '>');
    await waitBlocked();
    await c.call(...wipe);
    assert.deepEqual(plainOf(await rd.read()), gone, wipe.join(' '));
    rd.close();
  }
  await c.call('SELECT', '4');
  await c.call('FLUSHDB');
  await c.call('SELECT', '0');
});

test('the error that wakes a blocked XREADGROUP counts in INFO errorstats', async () => {
  await c.call('CONFIG', 'RESETSTAT');
  await c.call('XGROUP', 'CREATE', 'mystream', 'mygroup', '$', 'MKSTREAM');
  const rd = await srv.connect();
  rd.send('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'BLOCK', '0', 'STREAMS', 'mystream', '>');
  for (let i = 0; i < 200 && !/blocked_clients:1/.test((await c.call('INFO', 'clients')) as string); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await c.call('XGROUP', 'DESTROY', 'mystream', 'mygroup');
  const reply = plainOf(await rd.read()) as { error: string };
  assert.match(reply.error, /^NOGROUP/);
  assert.match((await c.call('INFO', 'errorstats')) as string, /errorstat_NOGROUP:count=1/);
  rd.close();
});
