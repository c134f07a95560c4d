// Differential tests for COMMAND's metadata (INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, LIST, HELP) and the
// deterministic LATENCY / CLIENT PAUSE replies: the same commands to Tidings and redis-server 7.0,
// in RESP2 and RESP3. COMMAND INFO and DOCS are compared for every command both servers have.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startDiffServers, type DiffServers } from './harness.js';
import { plain } from '../helpers/resp.js';

let servers: DiffServers | undefined;

before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(async () => {
  await servers?.close();
});

function ready(t: TestContext): DiffServers | undefined {
  if (servers === undefined) t.skip('redis-server is not installed (reported loudly above)');
  return servers;
}

test('COMMAND INFO and COMMAND DOCS of every command both servers have, RESP2 and RESP3', async (t) => {
  const s = ready(t);
  if (!s) return;
  const names = async (c: typeof s.tidings) => {
    const conn = await c.connect();
    const list = plain(await conn.callRaw('COMMAND', 'LIST')) as string[];
    conn.close();
    return list;
  };
  const [ours, theirs] = await Promise.all([names(s.tidings), names(s.redis)]);
  const theirSet = new Set(theirs);
  const ourSet = new Set(ours);
  // A container whose subcommands differ (Tidings has CLIENT NO-TOUCH/SETINFO from later Redis) is
  // compared through its subcommands only.
  const sameSubs = (name: string) => {
    const prefix = `${name}|`;
    const a = ours.filter((n) => n.startsWith(prefix)).sort();
    const b = theirs.filter((n) => n.startsWith(prefix)).sort();
    return JSON.stringify(a) === JSON.stringify(b);
  };
  const shared = ours.filter((n) => theirSet.has(n) && (n.includes('|') || sameSubs(n)));
  assert.ok(shared.length > 300, `only ${shared.length} shared commands`);
  assert.ok(ourSet.has('command|getkeysandflags'));
  for (const proto of [2, 3] as const) {
    const pair = await s.pair(proto);
    for (const name of shared) {
      // A container lists its subcommands in its hash table's order, which differs between runs.
      const container = ours.some((n) => n.startsWith(`${name}|`));
      await pair.check(['COMMAND', 'INFO', name], { unordered: container });
      await pair.check(['COMMAND', 'DOCS', name], { unordered: container });
    }
    pair.close();
  }
});

test('COMMAND GETKEYS / GETKEYSANDFLAGS / INFO of invalid names / LIST errors / HELP', async (t) => {
  const s = ready(t);
  if (!s) return;
  for (const proto of [2, 3] as const) {
    const pair = await s.pair(proto);
    await pair.checkAll([
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k1', 'v1'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'mset', 'k1', 'v1', 'k2', 'v2'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'LMOVE', 'k1', 'k2', 'left', 'right'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'sort', 'k1', 'store', 'k2'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'sort', 'k1', 'by', 'w_*', 'get', 'o_*', 'store', 'k2'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'zunionstore', 'a', '2', 'b', 'c'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'eval', 'return 1', '2', 'x', 'y'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'eval', 'return 1', '0'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'xread', 'count', '1', 'streams', 's1', 's2', '0', '0'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'migrate', 'h', '1', '', '0', '5', 'KEYS', 'a', 'b'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'georadius', 'g', '0', '0', '1', 'km', 'STORE', 'dst'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'memory', 'usage', 'key'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'get'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'ping', 'x'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'nosuch', 'x'],
      ['COMMAND', 'GETKEYS', 'xgroup', 'create', 'key', 'g', '$'],
      ['COMMAND', 'INFO', 'get|key', 'config|get|key', 'CONFIG|GET', 'nosuch'],
      ['COMMAND', 'DOCS', 'client|list', 'nosuch', 'GET'],
      ['COMMAND', 'LIST', 'bad_arg'],
      ['COMMAND', 'LIST', 'filterby', 'bad_arg'],
      ['COMMAND', 'LIST', 'filterby', 'bad_arg', 'x'],
      ['COMMAND', 'LIST', 'filterby', 'module', 'x'],
      ['COMMAND', 'LIST', 'filterby', 'aclcat', 'non_existing_category'],
      ['COMMAND', 'LIST', 'filterby', 'pattern', 'set'],
      ['COMMAND', 'LIST', 'filterby', 'pattern', 'non_exists*'],
      ['COMMAND', 'HELP'],
      ['LATENCY', 'HELP'],
      ['LATENCY', 'HELP', 'x'],
      ['LATENCY', 'HISTORY', 'nosuch'],
      ['LATENCY', 'RESET', 'nosuch'],
      ['LATENCY', 'GRAPH', 'nosuch'],
      ['CLIENT', 'PAUSE', 'abc'],
      ['CLIENT', 'PAUSE', '-1'],
      ['CLIENT', 'PAUSE', '10', 'foo'],
      ['CLIENT', 'PAUSE', '10', 'WRITE', 'x'],
    ]);
    // Sets of names: the order is the command table's, unspecified in Redis.
    await pair.check(['COMMAND', 'LIST', 'filterby', 'pattern', 'config|*re*'], { unordered: true });
    await pair.check(['COMMAND', 'LIST', 'filterby', 'aclcat', 'scripting'], { unordered: true });
    pair.close();
  }
});
