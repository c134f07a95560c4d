// Cluster commands without cluster mode, against redis-server 7.0 (cluster-enabled no): CLUSTER's
// subcommands, READONLY, READWRITE and ASKING answer that cluster support is disabled, after the
// same arity and unknown-subcommand checks; scripts may not call the noscript ones; MULTI queues
// them; COMMAND LIST shows them. (COMMAND INFO/DOCS are compared in command.test.ts.)
import { after, before, test, type TestContext } from 'node:test';
import { startDiffServers, type DiffServers } from './harness.js';

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

/** Every CLUSTER subcommand with arguments enough for its arity. */
const CLUSTER_CALLS: [string, string[]][] = [
  ['cluster|addslots', ['1']],
  ['cluster|addslotsrange', ['1', '2']],
  ['cluster|bumpepoch', []],
  ['cluster|count-failure-reports', ['id']],
  ['cluster|countkeysinslot', ['1']],
  ['cluster|delslots', ['1']],
  ['cluster|delslotsrange', ['1', '2']],
  ['cluster|failover', []],
  ['cluster|flushslots', []],
  ['cluster|forget', ['id']],
  ['cluster|getkeysinslot', ['1', '1']],
  ['cluster|help', []],
  ['cluster|info', []],
  ['cluster|keyslot', ['key']],
  ['cluster|links', []],
  ['cluster|meet', ['127.0.0.1', '1']],
  ['cluster|myid', []],
  ['cluster|nodes', []],
  ['cluster|replicas', ['id']],
  ['cluster|replicate', ['id']],
  ['cluster|reset', []],
  ['cluster|saveconfig', []],
  ['cluster|set-config-epoch', ['1']],
  ['cluster|setslot', ['1', 'stable']],
  ['cluster|shards', []],
  ['cluster|slaves', ['id']],
  ['cluster|slots', []],
];

test('CLUSTER subcommands, READONLY, READWRITE, ASKING: the same replies and errors', async (t) => {
  const s = ready(t);
  if (!s) return;
  for (const proto of [2, 3] as const) {
    const pair = await s.pair(proto);
    for (const [name, args] of CLUSTER_CALLS) {
      const sub = name.split('|')[1]!;
      await pair.check(['CLUSTER', sub.toUpperCase(), ...args]);
      await pair.check(['cluster', sub, ...args, 'x', 'y', 'z', 'w']);
    }
    await pair.checkAll([
      ['CLUSTER'],
      ['CLUSTER', 'nosuch'],
      ['CLUSTER', 'info', 'extra'],
      ['READONLY'],
      ['READONLY', 'x'],
      ['readwrite'],
      ['READWRITE', 'x'],
      ['ASKING'],
      ['ASKING', 'x'],
      ['MULTI'],
      ['CLUSTER', 'INFO'],
      ['READWRITE'],
      ['EXEC'],
    ]);
    pair.close();
  }
});

test('scripts: CLUSTER RESET is not allowed, CLUSTER INFO / ASKING answer the disabled error', async (t) => {
  const s = ready(t);
  if (!s) return;
  const pair = await s.pair();
  await pair.checkAll([
    ['EVAL', "return redis.pcall('cluster', 'reset', 'hard')", '0'],
    ['EVAL', "return redis.pcall('cluster', 'info')", '0'],
    ['EVAL', "return redis.pcall('asking')", '0'],
    ['EVAL', "return redis.pcall('readwrite')", '0'],
    ['EVAL', "return redis.pcall('readonly')", '0'],
  ]);
  // redis.call's error names the script: compare the part before it.
  const before = (v: unknown) => String((v as { value: unknown }).value).split(' script: ')[0];
  await pair.check(['EVAL', "return redis.call('cluster', 'reset', 'hard')", '0'], { normalize: before });
  await pair.check(['EVAL', "return redis.call('cluster', 'keyslot', 'k')", '0'], { normalize: before });
  pair.close();
});

test('COMMAND LIST includes the cluster commands', async (t) => {
  const s = ready(t);
  if (!s) return;
  const pair = await s.pair();
  await pair.checkAll(
    [
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'cluster*'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'cluster|*slot*'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'read*'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'asking'],
    ],
    { unordered: true },
  );
  // Tidings' connection category also has CLIENT NO-TOUCH / SETINFO (later Redis): compare the rest.
  const clusterOnes = (v: unknown) =>
    (v as { value: { value: Buffer }[] }).value
      .map((x) => x.value.toString('latin1'))
      .filter((n) => !n.startsWith('client|'))
      .sort();
  await pair.check(['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'connection'], { normalize: clusterOnes });
  await pair.check(['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'admin'], { normalize: (v) => clusterOnes(v).filter((n) => n.startsWith('cluster')) });
  pair.close();
});
