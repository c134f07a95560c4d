// Cluster commands on a server without cluster mode (test/diff/cluster.test.ts compares them with
// redis-server): every one exists, with Redis's arity, and answers that cluster support is disabled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';

let srv: TestServer;
before(async () => {
  srv = await startTidings();
});
after(() => srv.close());

const DISABLED = { error: 'ERR This instance has cluster support disabled' };

const SUBCOMMANDS: [string, string[]][] = [
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

test('CLUSTER: every subcommand answers that cluster support is disabled; arity and unknown names first', async () => {
  const c = await srv.connect();
  for (const [name, args] of SUBCOMMANDS) {
    assert.deepEqual(await c.call('CLUSTER', name.split('|')[1]!, ...args), DISABLED, name);
  }
  assert.deepEqual(await c.call('CLUSTER'), { error: "ERR wrong number of arguments for 'cluster' command" });
  assert.deepEqual(await c.call('CLUSTER', 'nosuch'), { error: "ERR unknown subcommand 'nosuch'. Try CLUSTER HELP." });
  assert.deepEqual(await c.call('CLUSTER', 'INFO', 'x'), { error: "ERR wrong number of arguments for 'cluster|info' command" });
  const listed = (await c.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'cluster*')) as string[];
  assert.deepEqual([...listed].sort(), ['cluster', ...SUBCOMMANDS.map(([n]) => n)].sort());
  c.close();
});

test('READONLY, READWRITE, ASKING answer that cluster support is disabled', async () => {
  const c = await srv.connect();
  for (const name of ['readonly', 'readwrite', 'asking']) {
    assert.deepEqual(await c.call(name.toUpperCase()), DISABLED, name);
    assert.deepEqual(await c.call(name, 'x'), { error: `ERR wrong number of arguments for '${name}' command` });
  }
  c.close();
});

test('scripts may not call CLUSTER RESET (noscript); CLUSTER INFO is called and errors', async () => {
  const c = await srv.connect();
  assert.deepEqual(await c.call('EVAL', "return redis.pcall('cluster', 'reset', 'hard')", '0'), { error: 'ERR This Redis command is not allowed from script' });
  assert.deepEqual(await c.call('EVAL', "return redis.pcall('cluster', 'info')", '0'), DISABLED);
  const r = (await c.call('EVAL', "redis.call('cluster', 'reset', 'hard')", '0')) as { error: string };
  assert.match(r.error, /command is not allowed/);
  c.close();
});
