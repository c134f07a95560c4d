// redis.set_repl in a script: REPL_NONE writes go nowhere, REPL_AOF ones only to the append-only
// file, REPL_REPLICA ones only to replicas, REPL_ALL everywhere, as Redis. Checked on a Tidings
// replica and on a redis-server replica of a Tidings master, and in the master's AOF (DEBUG LOADAOF).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { until } from './wait.js';

const opened: TestServer[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of opened.reverse()) await s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const SCRIPT = `
redis.call('set','a','1')
redis.set_repl(redis.REPL_NONE)
redis.call('set','b','2')
redis.set_repl(redis.REPL_AOF)
redis.call('set','c','3')
redis.set_repl(redis.REPL_REPLICA)
redis.call('set','e','5')
redis.set_repl(redis.REPL_ALL)
redis.call('set','d','4')
`;

for (const kind of ['tidings', 'redis-server'] as const) {
  test(`redis.set_repl steers a script's writes: a ${kind} replica gets a, e and d; the AOF a, c and d`, async (t) => {
    if (kind === 'redis-server' && !requireRedisServer(t)) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-setrepl-'));
    dirs.push(dir);
    const m = await startTidings({ config: { dir, appendonly: 'yes', 'enable-debug-command': 'yes', save: '' } });
    opened.push(m);
    const r = kind === 'tidings' ? await startTidings() : await startRedis(['--repl-diskless-sync-delay', '0']);
    opened.push(r);
    const [mc, rc] = [await m.connect(), await r.connect()];
    assert.equal(await rc.call('REPLICAOF', '127.0.0.1', String(m.port)), 'OK');
    await until('the link', async () => /master_link_status:up/.test((await rc.call('INFO', 'replication')) as string));
    assert.equal(await mc.call('EVAL', SCRIPT, '0'), null);
    await mc.call('SET', 'done', '1');
    await until('the stream', async () => (await rc.call('GET', 'done')) === '1');
    assert.deepEqual(await rc.call('MGET', 'a', 'b', 'c', 'd', 'e'), ['1', null, null, '4', '5']);
    assert.deepEqual(await mc.call('MGET', 'a', 'b', 'c', 'd', 'e'), ['1', '2', '3', '4', '5']);
    assert.equal(await mc.call('DEBUG', 'LOADAOF'), 'OK');
    assert.deepEqual(await mc.call('MGET', 'a', 'b', 'c', 'd', 'e'), ['1', null, '3', '4', null]);
    mc.close();
    rc.close();
  });
}
