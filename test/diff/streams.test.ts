// Differential tests: the same stream commands go to Tidings and to a real redis-server, and the
// replies are compared with their RESP types. Values that come from the clock (auto IDs, idle
// times, delivery/seen times) are masked; everything else must be identical.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasRedisServer, requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient, RespValue } from '../helpers/resp.js';

let tidings: TestServer;
let redis: TestServer | undefined;

before(async () => {
  tidings = await startTidings();
  if (hasRedisServer()) redis = await startRedis();
});

after(async () => {
  await tidings.close();
  await redis?.close();
});

const AUTO_ID = /^\d{13}-\d+$/;
const MASKED_KEYS = new Set(['idle', 'seen-time', 'radix-tree-nodes']);

/** A readable, typed rendering of a reply with clock-dependent values masked. */
function render(v: RespValue, command: string[]): unknown {
  const name = command[0]!.toLowerCase();
  const walk = (x: RespValue, path: string): unknown => {
    switch (x.type) {
      case 'int':
        return x.value > 1_000_000_000_000n ? 'int:<time>' : `int:${x.value}`;
      case 'bulk': {
        const s = x.value.toString('latin1');
        return AUTO_ID.test(s) ? 'bulk:<auto-id>' : `bulk:${s}`;
      }
      case 'simple':
        return `simple:${x.value}`;
      case 'error':
        return `error:${x.value}`;
      case 'null':
        return 'null';
      case 'nullarray':
        return 'nullarray';
      case 'array':
      case 'map': {
        const items = x.value.map((item, i) => walk(item, `${path}/${i}`));
        // Keyed lists (maps, or flat RESP2 maps): mask the values of clock-dependent keys.
        for (let i = 0; i + 1 < x.value.length; i += 2) {
          const k = x.value[i]!;
          if (k.type === 'bulk' && MASKED_KEYS.has(k.value.toString('latin1'))) items[i + 1] = '<masked>';
        }
        return { [x.type]: items };
      }
      default:
        return x;
    }
  };
  // XPENDING's extended form reports idle times: mask position 2 of each entry.
  if (name === 'xpending' && command.length >= 6 && v.type === 'array') {
    return {
      array: v.value.map((e) =>
        e.type === 'array' ? { array: e.value.map((x, i) => (i === 2 ? '<idle>' : walk(x, ''))) } : walk(e, ''),
      ),
    };
  }
  return walk(v, '');
}

/** Split a command line on spaces; "double quotes" group words. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2]!);
  return out;
}

async function runScript(client: RespClient, lines: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const line of lines) {
    const cmd = words(line);
    if (cmd.length === 0) continue;
    const reply = await client.callRaw(...cmd);
    out.push({ line, reply: render(reply, cmd) });
  }
  return out;
}

async function compare(lines: string[], resp3 = false): Promise<unknown[]> {
  const [a, b] = [await tidings.connect(), await redis!.connect()];
  try {
    for (const c of [a, b]) {
      await c.call('FLUSHALL');
      if (resp3) await c.call('HELLO', '3');
    }
    const ours = await runScript(a, lines);
    const theirs = await runScript(b, lines);
    for (let i = 0; i < theirs.length; i++) assert.deepEqual(ours[i], theirs[i]);
    return theirs;
  } finally {
    a.close();
    b.close();
  }
}

const script = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

const XADD_ERRORS = script(`
  xadd s 1-1 f v
  xadd s 1-1 f v
  xadd s 0-0 f v
  xadd t 0-0 f v
  xadd t 0 f v
  xadd t 0-* f v
  xadd t 0-* f v
  xadd s 1-18446744073709551615 f v
  xadd s 1-* f v
  xadd s 2-* f v
  xadd s 18446744073709551616-1 f v
  xadd s 1-x f v
  xadd s -1 f v
  xadd s 1-2-3 f v
  xadd s " 5" f v
  xadd s +6 f v
  xadd s 0x10 f v
  xadd s 00007-0002 f v
  xadd s f
  xadd s * f
  xadd s 9-1 f v g
  xadd s maxlen = 2 limit 5 * f v
  xadd s maxlen ~ 2 limit -1 * f v
  xadd s maxlen -1 * f v
  xadd s maxlen abc * f v
  xadd s maxlen ~1 * f v
  xadd s minid abc * f v
  xadd s minid - * f v
  xadd s maxlen 2 minid 3 * f v
  xadd s limit 5 10-1 f v
  xadd s limit 0 10-1 f v
  xadd s maxlen 1 limit 5 10-1 f v
  xadd nokey nomkstream 1-1 f v
  xinfo stream nokey
  xadd s nomkstream nomkstream 10-1 f v
  xlen s
  zadd str 1 x
  xadd str 1-1 f v
  xlen str
  xlen nokey
  xadd big 18446744073709551615-18446744073709551615 f v
  xadd big 5 f v
  xadd big * f v
  xadd big 18446744073709551615-* f v
  xadd e 2-* a 1 b 2
  xadd e 2-* a 1
  xrange e - +
  xadd ms 5-5 f v
  xadd ms 5-* f v
  xadd ms 4-* f v
  xadd ms 6-* f v
`);

const RANGES = script(`
  xadd s 1-1 f v
  xadd s 2-1 f v
  xadd s 3-1 f v a b
  xadd s 3-2 f v
  xrange s - + count 2
  xrange s (1-1 +
  xrange s - (3-2
  xrange s (3-1 (3-2
  xrange s 2 3
  xrange s 3 2
  xrevrange s + -
  xrevrange s 3 2
  xrevrange s (3-2 - COUNT 1
  xrevrange s (1-1 -
  xrange s - + count 0
  xrange s - + count -1
  xrange s - + count abc
  xrange s - + limit 2
  xrange s - + count 1 count 2
  xrange s - + count
  xrange s (- +
  xrange s - (+
  xrange s ( +
  xrange s (18446744073709551615-18446744073709551615 +
  xrange s - (0-0
  xrange s - (0
  xrange s (0 +
  xrange s abc +
  xrange s 1-* +
  xrange s + -
  xrange s - -
  xrange nokey - +
  xrange nokey - + count 0
  xrevrange nokey + -
  zadd str 1 x
  xrange str - +
  xdel s 1-1 9-9 2-1 2-1
  xdel s abc
  xdel nokey 1-1
  xdel nokey abc
  xdel str 1-1
  xlen s
  xrange s - +
  xinfo stream s
`);

const TRIMMING = script(`
  xadd s 1-1 f v
  xadd s 2-1 f v
  xadd s 3-1 f v
  xtrim s
  xtrim s foo 1
  xtrim s limit 5
  xtrim s maxlen = 0 extra
  xtrim s minid 1 limit 5
  xtrim s minid 1 nomkstream
  xtrim s maxlen abc
  xtrim nokey maxlen 0
  xtrim s maxlen ~ 1 limit 0
  xtrim s maxlen ~ 1
  xtrim s maxlen 2
  xrange s - +
  xtrim s minid 3
  xrange s - +
  xtrim s minid = 4
  xinfo stream s
  xinfo stream s
  xadd s 5-1 f v
  xadd s maxlen 1 6-1 f v
  xadd s minid 7 7-1 f v
  xrange s - +
  xinfo stream s
`);

// Approximate trimming works on whole nodes of 100 entries, like Redis's default node size.
const APPROX = [
  ...Array.from({ length: 250 }, (_, i) => `xadd a ${i + 1}-1 field value${i}`),
  'xlen a',
  'xtrim a maxlen ~ 120',
  'xlen a',
  'xinfo stream a',
  'xtrim a maxlen ~ 10 limit 100',
  'xlen a',
  'xtrim a maxlen ~ 10 limit 149',
  'xlen a',
  'xadd a maxlen ~ 0 1000-1 f v',
  'xlen a',
  'xtrim a minid ~ 240',
  'xlen a',
  'xtrim a minid 240',
  'xrange a - + count 2',
  ...Array.from({ length: 150 }, (_, i) => `xadd a ${i + 2000}-1 f v`),
  'xdel a 2100-1',
  'xtrim a maxlen ~ 60',
  'xlen a',
  'xinfo stream a',
];

// Node size follows CONFIG SET stream-node-max-entries, as radix-tree-keys and ~ trimming show.
const NODE_SIZE = [
  'config set stream-node-max-entries 10',
  ...Array.from({ length: 35 }, (_, i) => `xadd n ${i + 1}-0 f v`),
  'xinfo stream n',
  'xtrim n maxlen ~ 12',
  'xlen n',
  'xadd n maxlen ~ 5 100-0 f v',
  'xlen n',
  'config set stream-node-max-entries 100',
  ...Array.from({ length: 15 }, (_, i) => `xadd n ${i + 200}-0 f v`),
  'xinfo stream n',
];

const XREAD = script(`
  xadd s 1-1 f v
  xadd s 2-1 f v
  xadd t 1-5 g w
  xread streams s t 0 0
  xread count 1 streams s t 1-1 0-0
  xread streams s t 2-1 1-5
  xread streams s $
  xread streams s t 0
  xread count 0 streams s 0
  xread count -1 streams s 0
  xread count abc streams s 0
  xread block abc streams s 0
  xread block -1 streams s 0
  xread block 0 streams s 0
  xread foo streams s 0
  xread streams s abc
  xread streams s >
  xread streams s +
  xread streams s -
  xread streams s 0 count 1
  xread streams nokey 0
  xread streams s nokey 0 0
  xread noack streams s 0
  xread group g c streams s 0
  zadd str 1 x
  xread streams str 0
  xread streams s str 0 0
  xread streams s (1-1
  xread count 1 streams s 18446744073709551615-18446744073709551615
  xread streams s 1
`);

const XSETID = script(`
  xadd s 1-1 f v
  xadd s 2-1 f v
  xsetid s 1-1
  xsetid s 2-1
  xsetid s 3-1
  xsetid s 2-5
  xsetid nokey 1-1
  xsetid s abc
  xsetid s $
  xsetid s 9-0 entriesadded 1
  xsetid s 9-0 entriesadded 2 maxdeletedid 10-0
  xsetid s 9-0 entriesadded 2 maxdeletedid 8-0
  xsetid s 9-0 entriesadded -1
  xsetid s 9-0 entriesadded abc
  xsetid s 9-0 maxdeletedid 8-0
  xsetid s 9-0 entriesadded 3
  xsetid s 9-0 foo
  xsetid s 9-0 entriesadded
  xsetid s 10-0 maxdeletedid abc
  xinfo stream s
  xsetid s 0-0
  xsetid s 18446744073709551615-18446744073709551615
  xadd s 5-1 f v
  xsetid s 9-0 entriesadded 5 entriesadded 7
  xinfo stream s
  xadd e 1-1 a b
  xdel e 1-1
  xsetid e 0-5
  xinfo stream e
  zadd str 1 x
  xsetid str 1-1
`);

const GROUPS = script(`
  xgroup create s g $
  xgroup create s g $ mkstream
  xgroup create s g $ mkstream
  xgroup create s g2 0 entriesread 5
  xgroup create s g3 abc
  xgroup create s g3 0 foo
  xgroup create s g3 0 entriesread -5
  xgroup create s g3 0 entriesread -1
  xgroup create s g4 0 entriesread abc
  xgroup create s g4 +
  xgroup create s g4 0 mkstream entriesread 3
  xgroup create s g5 1-*
  xgroup create s
  xgroup create s g5 0 entriesread 5 entriesread 7 mkstream
  xgroup create nokey g5 bad
  xgroup create nokey g5 $ foo
  zadd str 1 x
  xgroup create str g $
  xgroup create str g $ mkstream
  xinfo groups s
  xadd s 1-1 f v
  xadd s 2-1 f v
  xadd s 3-1 f v
  xgroup createconsumer s g alice
  xgroup createconsumer s g alice
  xgroup createconsumer s nog alice
  xgroup createconsumer nokey g alice
  xgroup createconsumer s g
  xgroup delconsumer s g bob
  xgroup delconsumer s nog bob
  xgroup delconsumer nokey g bob
  xreadgroup group g alice count 1 streams s >
  xreadgroup group g bob streams s >
  xreadgroup group g bob streams s 0
  xreadgroup group g alice streams s 0
  xreadgroup group g alice streams s 1-1
  xreadgroup group g alice streams s $
  xreadgroup group nog alice streams s >
  xreadgroup group g alice streams nokey >
  xreadgroup group g alice streams s
  xreadgroup streams s >
  xreadgroup group g streams s >
  xreadgroup group g alice noack streams s >
  xreadgroup group g alice block 10 streams s >
  xreadgroup group g alice streams s str > >
  xreadgroup group g alice streams str s > >
  xreadgroup group g c streams s t >
  xreadgroup count 1 group g c noack streams s
  xinfo consumers s g
  xgroup delconsumer s g bob
  xinfo consumers s g
  xinfo groups s
  xgroup setid s g 0
  xgroup setid s g 0 entriesread 1
  xinfo groups s
  xgroup setid s nog 0
  xgroup setid nokey g 0
  xgroup setid s g $
  xgroup setid s g abc
  xgroup setid s g 0 foo
  xgroup setid s g 0 entriesread -2
  xgroup setid s g 0 entriesread 3 extra
  xinfo groups s
  xgroup destroy s g2
  xgroup destroy s g2
  xgroup destroy nokey g2
  xgroup help
  xgroup foo
  xgroup
  xinfo help
  xinfo foo
  xinfo
  xinfo stream nokey
  xinfo groups nokey
  xinfo consumers nokey g
  xinfo consumers s nog
  xinfo stream s extra
  XINFO STREAM s EXTRA
  xinfo stream s full extra
  xinfo stream s full count abc
  xinfo stream s full count 0
  xinfo stream s full
  xinfo stream str
  xinfo groups str
`);

const PENDING_AND_CLAIMS = script(`
  xadd s 1-1 f v
  xadd s 2-1 f v
  xadd s 3-1 f v
  xadd s 4-1 f v
  xgroup create s g 0
  xpending s g
  xreadgroup group g alice count 1 noack count 2 streams s >
  xreadgroup group g alice count 2 streams s >
  xreadgroup group g bob streams s >
  xpending s g
  xpending s g - + 10
  xpending s g - + 10 bob
  xpending s g - + 10 alice
  xpending s g idle 0 - + 10
  xpending s g idle 100000 - + 10
  xpending s g idle abc - + 10
  xpending s g idle -5 - + 10
  xpending s g (3-1 + 10
  xpending s g - + -1
  xpending s g - + 0
  xpending s g - + abc
  xpending s g - +
  xpending s g -
  xpending s g idle 5
  xpending s g idle 5 - +
  xpending s g - + 10 alice extra
  xpending s g - + 10 nobody
  xpending s nog
  xpending nokey g
  xpending nokey g - + abc
  xpending nokey g (18446744073709551615-18446744073709551615 + 5
  xpending s g - (0-0 5
  xack s g 1-1 9-9 3-1 3-1
  xack s g abc
  xack s nog 3-1
  xack s nog abc
  xack nokey g 3-1
  xack s g
  xpending s g
  xreadgroup group g alice streams s 0
  xgroup setid s g 0
  xreadgroup group g bob count 2 streams s >
  xpending s g - + 10
  xinfo consumers s g
  xdel s 4-1
  xreadgroup group g alice streams s 0
  xreadgroup group g bob streams s 0
  xclaim s g alice 0 4-1 2-1
  xclaim s g alice 0 1-1 force justid
  xclaim s g alice 0 9-9 force
  xclaim s g carol 0 3-1 force
  xpending s g - + 10
  xclaim s g alice 0 abc
  xclaim s g alice abc 1-1
  xclaim s g alice -5 1-1 justid
  xclaim s g alice 0 1-1 idle abc
  xclaim s g alice 0 1-1 time abc
  xclaim s g alice 0 1-1 retrycount abc
  xclaim s g alice 0 1-1 retrycount 7 justid
  xclaim s g alice 0 1-1 retrycount -1 justid
  xclaim s g alice 0 1-1 retrycount -5
  xpending s g - + 10
  xclaim s g alice 0 1-1 lastid abc
  xclaim s g alice 0 1-1 lastid 9-9 justid
  xinfo groups s
  xclaim s g alice 0 1-1 foo
  xclaim s g alice 0 1-1 idle
  xclaim s nog alice 0 1-1
  xclaim nokey g alice 0 1-1
  xclaim nokey g alice abc 1-1
  xclaim s g alice 100000 1-1
  xclaim s g newbie 100000 1-1
  xinfo consumers s g
  zadd str 1 x
  xclaim str g a 0 1-1
  xpending str g
  xack str g 1-1
`);

const AUTOCLAIM = script(`
  xadd s 1-1 f v
  xadd s 2-1 f v
  xadd s 3-1 f v
  xadd s 4-1 f v
  xadd s 5-1 f v
  xgroup create s g 0
  xautoclaim s g newbie 0 0
  xinfo consumers s g
  xreadgroup group g alice streams s >
  xdel s 2-1 4-1
  xautoclaim s g bob 0 0 count 2
  xautoclaim s g bob 0 0 count 1
  xautoclaim s g bob 0 0
  xpending s g - + 10
  xinfo consumers s g
  xautoclaim s g bob 0 0 count 0
  xautoclaim s g bob 0 0 count -1
  xautoclaim s g bob 0 0 count abc
  xautoclaim s g bob 0 0 count 1 justid
  xautoclaim s g bob 0 3-1 justid
  xautoclaim s g bob 0 (3-1 justid
  xautoclaim s g bob 0 - justid
  xautoclaim s g bob 0 + justid
  xautoclaim s g bob 0 (18446744073709551615-18446744073709551615
  xautoclaim s g bob 0 abc justid
  xautoclaim s g bob abc 0
  xautoclaim s g bob -1 0
  xautoclaim s g bob 0 0 foo
  xautoclaim s g bob 0 0 count
  xautoclaim s g bob 0 0 count 1000000000
  xautoclaim s nog bob 0 0
  xautoclaim nokey g bob 0 0
  xautoclaim nokey g alice abc 0
  xautoclaim nokey g alice 0 abc
  xautoclaim nokey g alice 0 0 count 0
  xautoclaim s g bob 100000 0
  xautoclaim s g bob 0
  xpending s g
  zadd str 1 x
  xautoclaim str g a 0 0
`);

// entries-read / lag bookkeeping through deletions, trims, SETID and ENTRIESREAD.
const LAG = script(`
  xadd s 1-1 f v
  xadd s 2-1 f v
  xgroup create s g $
  xgroup create s g0 0
  xgroup create s g1 1-1
  xgroup create s g9 9-9
  xgroup create s gr 0 entriesread 1
  xinfo groups s
  xreadgroup group g0 c count 1 streams s >
  xinfo groups s
  xadd s 3-1 f v
  xadd s 4-1 f v
  xdel s 3-1
  xinfo groups s
  xreadgroup group g0 c count 1 streams s >
  xinfo groups s
  xreadgroup group g0 c streams s >
  xinfo groups s
  xreadgroup group gr c streams s >
  xinfo groups s
  xtrim s maxlen 1
  xinfo groups s
  xgroup setid s g1 0 entriesread 0
  xinfo groups s
  xadd s 5-1 f v
  xdel s 5-1
  xinfo groups s
  xinfo stream s full
  xadd e 1-1 a b
  xdel e 1-1
  xgroup create e g2 0
  xinfo groups e
  xadd e 2-1 a b
  xgroup create e g3 0
  xinfo groups e
  xsetid e 2-1 entriesadded 9
  xinfo groups e
  xinfo stream e full count 1
  copy s s2
  xadd s2 9-1 f v
  xreadgroup group g0 c streams s2 >
  xinfo stream s full
  xinfo stream s2 full
  type s2
  object encoding s2
`);

const BINARY = [
  ['xadd', 'b', '1-1', 'k\u0000\u00ff', 'v\r\n$3'],
  ['xrange', 'b', '-', '+'],
  ['xgroup', 'create', 'b', 'gr\u00e9', '0'],
  ['xreadgroup', 'group', 'gr\u00e9', 'c\u0001', 'streams', 'b', '>'],
  ['xinfo', 'groups', 'b'],
  ['xpending', 'b', 'gr\u00e9'],
];

for (const [name, lines] of [
  ['XADD ids, options and errors', XADD_ERRORS],
  ['XRANGE/XREVRANGE/XDEL', RANGES],
  ['XTRIM and XADD trimming', TRIMMING],
  ['approximate trimming by whole nodes', APPROX],
  ['node size from CONFIG SET stream-node-max-entries', NODE_SIZE],
  ['XREAD without blocking', XREAD],
  ['XSETID', XSETID],
  ['XGROUP, XREADGROUP, XINFO', GROUPS],
  ['XPENDING, XACK, XCLAIM', PENDING_AND_CLAIMS],
  ['XAUTOCLAIM', AUTOCLAIM],
  ['entries-read and lag', LAG],
] as const) {
  test(`diff: ${name} (RESP2)`, async (t) => {
    if (!requireRedisServer(t)) return;
    await compare(lines);
  });
}

for (const [name, lines] of [
  ['XREAD without blocking', XREAD],
  ['XGROUP, XREADGROUP, XINFO', GROUPS],
  ['XPENDING, XACK, XCLAIM', PENDING_AND_CLAIMS],
  ['XAUTOCLAIM', AUTOCLAIM],
  ['entries-read and lag', LAG],
  ['XSETID', XSETID],
] as const) {
  test(`diff: ${name} (RESP3)`, async (t) => {
    if (!requireRedisServer(t)) return;
    await compare(lines, true);
  });
}

test('diff: binary-safe keys, fields, groups and consumers', async (t) => {
  if (!requireRedisServer(t)) return;
  for (const resp3 of [false, true]) {
    const [a, b] = [await tidings.connect(), await redis!.connect()];
    try {
      for (const c of [a, b]) {
        await c.call('FLUSHALL');
        if (resp3) await c.call('HELLO', '3');
      }
      for (const cmd of BINARY) {
        const args = cmd.map((s) => Buffer.from(s, 'latin1'));
        const ours = await a.callFrame(...args);
        const theirs = await b.callFrame(...args);
        assert.deepEqual(render(ours.value, cmd), render(theirs.value, cmd), cmd.join(' '));
      }
    } finally {
      a.close();
      b.close();
    }
  }
});

test('diff: auto IDs keep increasing and have the same shape', async (t) => {
  if (!requireRedisServer(t)) return;
  for (const server of [tidings, redis!]) {
    const c = await server.connect();
    await c.call('FLUSHALL');
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(String(await c.call('XADD', 'auto', '*', 'i', String(i))));
    for (const id of ids) assert.match(id, /^\d{13}-\d+$/);
    const parsed = ids.map((id) => id.split('-').map(BigInt) as [bigint, bigint]);
    for (let i = 1; i < parsed.length; i++) {
      const [pm, ps] = parsed[i - 1]!;
      const [m, s] = parsed[i]!;
      assert.ok(m > pm || (m === pm && s === ps + 1n), `${ids[i - 1]} < ${ids[i]}`);
    }
    assert.ok(Math.abs(Number(parsed[0]![0]) - Date.now()) < 60_000);
    c.close();
  }
});

test('diff: blocking XREAD/XREADGROUP wake-ups, timeouts and group destruction', async (t) => {
  if (!requireRedisServer(t)) return;
  const transcript = async (server: TestServer, resp3: boolean): Promise<unknown[]> => {
    const [w, r1, r2] = [await server.connect(), await server.connect(), await server.connect()];
    const out: unknown[] = [];
    const note = (v: RespValue, cmd: string[]) => out.push(render(v, cmd));
    try {
      await w.call('FLUSHALL');
      if (resp3) for (const r of [r1, r2]) await r.call('HELLO', '3');
      await w.call('XADD', 's', '1-1', 'f', 'v');
      await w.call('XGROUP', 'CREATE', 's', 'g', '$');
      const xread = ['XREAD', 'BLOCK', '0', 'STREAMS', 'nokey', 's', '$', '$'];
      const xrg = ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>'];
      r1.send(...xread);
      r2.send(...xrg);
      assert.ok(await r1.silentFor(30));
      await w.call('XADD', 's', '2-1', 'a', 'b');
      note(await r1.read(), xread);
      note(await r2.read(), xrg);
      note(await r1.callRaw('XREAD', 'BLOCK', '10', 'STREAMS', 's', '$'), ['XREAD']);
      note(await r1.callRaw('XREADGROUP', 'GROUP', 'g', 'c2', 'BLOCK', '10', 'STREAMS', 's', '>'), ['XREADGROUP']);
      r2.send(...xrg);
      assert.ok(await r2.silentFor(30));
      await w.call('XGROUP', 'DESTROY', 's', 'g');
      note(await r2.read(), xrg);
      await w.call('MULTI');
      await w.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      note(await w.callRaw('EXEC'), ['EXEC']);
      note(await w.callRaw('XINFO', 'STREAM', 's', 'FULL'), ['XINFO']);
      // The stream replaced by a string, then deleted: blocked XREADGROUP clients get an error.
      await w.call('XGROUP', 'CREATE', 's', 'g', '$');
      r2.send(...xrg);
      assert.ok(await r2.silentFor(30));
      await w.call('SET', 's', 'x');
      note(await r2.read(), xrg);
      await w.call('DEL', 's');
      await w.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      r2.send(...xrg);
      assert.ok(await r2.silentFor(30));
      await w.call('DEL', 's');
      note(await r2.read(), xrg);
    } finally {
      for (const x of [w, r1, r2]) x.close();
    }
    return out;
  };
  for (const resp3 of [false, true]) {
    assert.deepEqual(await transcript(tidings, resp3), await transcript(redis!, resp3));
  }
});

// Stream replies as seen by Lua scripts (RESP2 and RESP3 conversions) and BLOCK refused in scripts.
const SCRIPTS = script(`
  xadd s 1-1 f v
  xgroup create s g 0
  eval "return redis.call('xrange', KEYS[1], '-', '+')" 1 s
  eval "return redis.call('xread', 'streams', KEYS[1], '0')" 1 s
  eval "redis.setresp(3); return redis.call('xread', 'streams', KEYS[1], '0')" 1 s
  eval "return redis.call('xinfo', 'stream', KEYS[1])" 1 s
  eval "return redis.call('xread', 'block', '0', 'streams', KEYS[1], '$')" 1 s
  eval "return redis.call('xread', 'block', '0', 'streams', KEYS[1])" 1 s
  eval "return redis.call('xreadgroup', 'group', 'g', 'c', 'block', '0', 'streams', KEYS[1], '>')" 1 s
  eval "return redis.call('xreadgroup', 'group', 'g', 'c', 'streams', KEYS[1], '>')" 1 s
  eval "return redis.call('xpending', KEYS[1], 'g')" 1 s
`);

test('diff: stream commands called from Lua scripts', async (t) => {
  if (!requireRedisServer(t)) return;
  await compare(SCRIPTS);
  await compare(SCRIPTS, true);
});

// Random sequences (seeded, so failures reproduce) of appends, deletions, trims and range reads,
// compared reply by reply: this exercises node boundaries, tombstones and head trimming.
function randomScript(seed: number, steps: number): string[] {
  let state = seed;
  const rand = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor(state / 65536) % n; // the low bits of this generator cycle quickly
  };
  let ms = 1;
  const lines: string[] = [];
  const id = () => `${1 + rand(ms + 2)}-${rand(3)}`;
  const bound = () => ['-', '+', id(), `(${id()}`, String(1 + rand(ms + 2))][rand(5)]!;
  for (let i = 0; i < steps; i++) {
    const op = rand(100);
    if (op < 45) {
      ms += rand(3);
      const trim = rand(10) === 0 ? ` MAXLEN ${rand(2) ? '~ ' : ''}${50 + rand(200)}` : '';
      lines.push(`xadd r${trim} ${ms}-* f ${i}`);
    } else if (op < 55) {
      lines.push(`xdel r ${id()} ${id()}`);
    } else if (op < 60) {
      lines.push(`xtrim r ${rand(2) ? 'MAXLEN' : 'MINID'} ${['', '~ ', '= '][rand(3)]}${rand(2) ? 40 + rand(300) : id()}`);
    } else if (op < 75) {
      lines.push(`xrange r ${bound()} ${bound()} COUNT ${rand(30)}`);
    } else if (op < 88) {
      lines.push(`xrevrange r ${bound()} ${bound()} COUNT ${1 + rand(30)}`);
    } else if (op < 93) {
      lines.push(`xread COUNT ${rand(5)} STREAMS r ${id()}`);
    } else {
      lines.push(rand(2) ? 'xlen r' : 'xinfo stream r');
    }
  }
  return lines;
}

test('diff: random append/delete/trim/range sequences', async (t) => {
  if (!requireRedisServer(t)) return;
  for (const seed of [1, 7, 42]) {
    const transcript = (await compare(randomScript(seed, 1500))) as { line: string; reply: unknown }[];
    // Guard against a vacuous run: the stream must grow past several nodes and ranges must hit.
    const lengths = transcript.filter((x) => x.line === 'xlen r').map((x) => Number(String(x.reply).slice(4)));
    assert.ok(Math.max(...lengths) > 100, `max XLEN ${Math.max(...lengths)}`);
    const hits = transcript.filter((x) => /^xrange|^xrevrange/.test(x.line) && JSON.stringify(x.reply).includes('bulk:f'));
    assert.ok(hits.length > 50, `${hits.length} non-empty ranges`);
  }
});

// Random consumer-group traffic: deliveries, acks, claims, deletions, SETID; compared including
// XPENDING and XINFO GROUPS (entries-read and lag).
function randomGroupScript(seed: number, steps: number): string[] {
  let state = seed;
  const rand = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor(state / 65536) % n;
  };
  let ms = 0;
  const lines = ['xgroup create q g $ mkstream', 'xgroup create q h 0'];
  const id = () => `${rand(ms + 2)}-${rand(2)}`;
  const consumer = () => ['alice', 'bob', 'carol'][rand(3)]!;
  for (let i = 0; i < steps; i++) {
    const op = rand(100);
    if (op < 30) lines.push(`xadd q ${++ms}-${rand(2)} f ${i}`);
    else if (op < 45) lines.push(`xreadgroup group ${rand(2) ? 'g' : 'h'} ${consumer()} count ${1 + rand(4)}${rand(5) ? '' : ' noack'} streams q >`);
    else if (op < 50) lines.push(`xreadgroup group g ${consumer()} count ${rand(4)} streams q ${id()}`);
    else if (op < 60) lines.push(`xack q g ${id()} ${id()} ${id()}`);
    else if (op < 65) lines.push(`xdel q ${id()}`);
    else if (op < 70) lines.push(`xclaim q g ${consumer()} 0 ${id()} ${id()}${rand(2) ? ' justid' : ''}${rand(4) ? '' : ' force'}`);
    else if (op < 75) lines.push(`xautoclaim q g ${consumer()} 0 ${id()} count ${1 + rand(5)}${rand(2) ? ' justid' : ''}`);
    else if (op < 78) lines.push(`xgroup setid q ${rand(2) ? 'g' : 'h'} ${rand(3) ? id() : '$'}${rand(2) ? ` entriesread ${rand(ms + 1)}` : ''}`);
    else if (op < 80) lines.push(`xtrim q maxlen ${rand(2) ? '~ ' : ''}${rand(40)}`);
    else if (op < 88) lines.push('xinfo groups q');
    else if (op < 94) lines.push('xpending q g');
    else if (op < 97) lines.push(`xpending q g - + ${rand(10)} ${consumer()}`);
    else lines.push(`xinfo consumers q g`);
  }
  lines.push('xinfo stream q full');
  return lines;
}

test('diff: random consumer-group sequences (PEL, claims, entries-read, lag)', async (t) => {
  if (!requireRedisServer(t)) return;
  for (const seed of [3, 11, 2024]) {
    const transcript = (await compare(randomGroupScript(seed, 1200))) as { line: string; reply: unknown }[];
    const delivered = transcript.filter((x) => x.line.includes(' >') && JSON.stringify(x.reply).includes('bulk:f'));
    assert.ok(delivered.length > 50, `${delivered.length} deliveries`);
  }
});

// Every stream command (and container subcommand) is exercised by the scripts above.
const STREAM_COMMANDS = [
  'xadd', 'xlen', 'xrange', 'xrevrange', 'xdel', 'xtrim', 'xread', 'xreadgroup', 'xsetid', 'xack', 'xpending',
  'xclaim', 'xautoclaim', 'xgroup|create', 'xgroup|createconsumer', 'xgroup|delconsumer', 'xgroup|destroy',
  'xgroup|setid', 'xgroup|help', 'xinfo|stream', 'xinfo|groups', 'xinfo|consumers', 'xinfo|help',
];

test('diff scripts cover every stream command', () => {
  const all = [
    ...XADD_ERRORS, ...RANGES, ...TRIMMING, ...APPROX, ...NODE_SIZE, ...XREAD, ...XSETID, ...GROUPS,
    ...PENDING_AND_CLAIMS, ...AUTOCLAIM, ...LAG, ...randomScript(1, 1500), ...randomGroupScript(3, 1200),
  ].map((l) => words(l).map((w) => w.toLowerCase()));
  for (const name of STREAM_COMMANDS) {
    const [cmd, sub] = name.split('|');
    assert.ok(
      all.some((w) => w[0] === cmd && (sub === undefined || w[1] === sub)),
      `no differential case for ${name}`,
    );
  }
});
