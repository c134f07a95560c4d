// min-replicas-to-write / min-replicas-max-lag: a master short of good replicas refuses writes
// (commands, MULTI/EXEC, scripts that declare writes, a flagless script's first write) with
// redis-server's -NOREPLICAS, byte for byte; INFO replication's min_slaves_good_slaves; and a real
// replica (Tidings or redis-server) attached to a Tidings master lets writes through again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { render, startDiffServers, type DiffServers } from '../diff/harness.js';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { until, field } from './wait.js';

const opened: TestServer[] = [];
let diff: DiffServers | undefined;
after(async () => {
  for (const s of opened.reverse()) await s.close();
  await diff?.close();
});

const WRITE_SHEBANG = "#!lua\nreturn redis.call('get', KEYS[1])";
const NO_WRITES = "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])";
const LIB = "#!lua name=mr\nredis.register_function('w', function() return 1 end)\nredis.register_function{function_name='r', callback=function() return 2 end, flags={'no-writes'}}";

test('with too few good replicas writes get -NOREPLICAS as from redis-server; reads, no-writes scripts and PUBLISH run', async (t) => {
  diff = await startDiffServers(t);
  if (diff === undefined) return;
  const p = await diff.pair();
  await p.checkAll([
    ['SET', 'x', 'some value'],
    ['FUNCTION', 'LOAD', 'REPLACE', LIB],
    ['CONFIG', 'SET', 'min-replicas-to-write', '1'],
    ['SET', 'x', '1'],
    ['GET', 'x'],
    ['PUBLISH', 'ch', 'm'],
    ['EVAL', NO_WRITES, '1', 'x'],
    ['EVAL', "return redis.call('get', KEYS[1])", '1', 'x'],
    ['EVAL', WRITE_SHEBANG, '1', 'x'],
    ['EVAL_RO', WRITE_SHEBANG, '1', 'x'],
    ['EVAL', "return redis.call('set', KEYS[1], 1)", '1', 'x'],
    ['FCALL', 'w', '0'],
    ['FCALL_RO', 'w', '0'],
    ['FCALL', 'r', '0'],
    ['MULTI'],
    ['SET', 'a', '1'],
    ['GET', 'a'],
    ['EXEC'],
    ['MULTI'],
    ['GET', 'x'],
    ['EXEC'],
    ['INFO', 'replication'],
  ], { normalize: (v) => (v.type === 'bulk' && v.value.includes('# Replication') ? replicationShape(v.value.toString('latin1')) : render(v)) });
  // min-replicas-max-lag 0 turns the minimum off (and INFO's field), as in Redis.
  await p.checkAll([
    ['CONFIG', 'SET', 'min-replicas-max-lag', '0'],
    ['SET', 'x', '2'],
    ['CONFIG', 'SET', 'min-replicas-max-lag', '10', 'min-replicas-to-write', '0'],
    ['SET', 'x', '3'],
    ['CONFIG', 'SET', 'min-slaves-to-write', '2'],
    ['CONFIG', 'GET', 'min-replicas-to-write'],
    ['SET', 'x', '4'],
    ['CONFIG', 'SET', 'min-slaves-to-write', '0'],
  ]);
  const t1 = (await p.tidings.call('INFO', 'replication')) as string;
  assert.equal(field(t1, 'min_slaves_good_slaves'), undefined);
  p.close();
});

/** INFO replication with the IDs taken out: the field names and the values that do not vary. */
function replicationShape(info: string): string[] {
  return info
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => (/^master_replid/.test(l) ? l.replace(/:.*/, ':<id>') : l));
}

async function masterWithReplica(kind: 'tidings' | 'redis-server'): Promise<{ mc: RespClient; rc: RespClient; port: number }> {
  const m = await startTidings({ config: { 'min-replicas-to-write': '1', 'min-replicas-max-lag': '10' } });
  opened.push(m);
  const r = kind === 'tidings' ? await startTidings() : await startRedis(['--repl-diskless-sync-delay', '0']);
  opened.push(r);
  const mc = await m.connect();
  const rc = await r.connect();
  return { mc, rc, port: m.port };
}

for (const kind of ['tidings', 'redis-server'] as const) {
  test(`a Tidings master takes writes while a ${kind} replica is attached and ACKs, and refuses them when it leaves`, async (t) => {
    if (kind === 'redis-server' && !requireRedisServer(t)) return;
    const { mc, rc, port } = await masterWithReplica(kind);
    // Set in the configuration file: refused from the start.
    assert.deepEqual(await mc.call('SET', 'k', 'v'), { error: 'NOREPLICAS Not enough good replicas to write.' });
    assert.equal(field((await mc.call('INFO', 'replication')) as string, 'min_slaves_good_slaves'), '0');
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(port)), 'OK');
    await until('a good replica', async () => field((await mc.call('INFO', 'replication')) as string, 'min_slaves_good_slaves') === '1');
    assert.equal(await mc.call('SET', 'k', 'v'), 'OK');
    assert.equal(await mc.call('EVAL', WRITE_SHEBANG, '1', 'k'), 'v');
    await until('the write on the replica', async () => (await rc.call('GET', 'k')) === 'v');
    // Two are asked for: one is not enough.
    assert.equal(await mc.call('CONFIG', 'SET', 'min-replicas-to-write', '2'), 'OK');
    assert.deepEqual(await mc.call('INCR', 'n'), { error: 'NOREPLICAS Not enough good replicas to write.' });
    assert.equal(await mc.call('CONFIG', 'SET', 'min-replicas-to-write', '1'), 'OK');
    assert.equal(await mc.call('INCR', 'n'), 1);
    assert.equal(await rc.call('REPLICAOF', 'NO', 'ONE'), 'OK');
    await until('the replica gone', async () => field((await mc.call('INFO', 'replication')) as string, 'connected_slaves') === '0');
    assert.deepEqual(await mc.call('INCR', 'n'), { error: 'NOREPLICAS Not enough good replicas to write.' });
    assert.equal(field((await mc.call('INFO', 'replication')) as string, 'min_slaves_good_slaves'), '0');
    mc.close();
    rc.close();
  });
}
