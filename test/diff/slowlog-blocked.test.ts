// SLOWLOG and blocked commands, against redis-server: a command that blocks is not logged when it
// blocks, it is logged as sent when it is served (after the command that served it), and not at
// all when it times out. Only the logged arguments are compared (times and durations differ).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipLoudly, type TestServer } from '../helpers/servers.js';
import { serverPair } from './harness.js';
import { plain } from '../helpers/resp.js';

const pair = serverPair();

async function scenario(server: TestServer): Promise<string[][]> {
  const c = await server.connect();
  const waiter = await server.connect();
  const logged = async () => ((plain(await c.callRaw('SLOWLOG', 'GET')) as unknown[][]).map((e) => (e[3] as string[]).join(' ')).filter((e) => !e.startsWith('INFO')));
  const seen: string[][] = [];
  try {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('DEL', 'l');
    await c.call('SLOWLOG', 'RESET');
    waiter.send('BLPOP', 'l', '0');
    for (let i = 0; i < 200 && !String(await c.call('INFO', 'clients')).includes('blocked_clients:1'); i++) await new Promise((r) => setTimeout(r, 10));
    seen.push(await logged());
    await c.call('MULTI');
    await c.call('LPUSH', 'l', 'foo');
    await c.call('SLOWLOG', 'RESET');
    await c.call('EXEC');
    assert.deepEqual(plain(await waiter.read()), ['l', 'foo']);
    seen.push(await logged());
    await c.call('SLOWLOG', 'RESET');
    assert.equal(await waiter.call('BLPOP', 'l', '0.05'), null);
    seen.push(await logged());
  } finally {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    waiter.close();
    c.close();
  }
  return seen;
}

test('a blocked BLPOP is logged in SLOWLOG when served, as redis-server logs it', async (t) => {
  const { tidings, redis } = pair;
  if (tidings === undefined || redis === undefined) return skipLoudly(t, 'redis-server is not installed');
  const ours = await scenario(tidings);
  const theirs = await scenario(redis);
  assert.deepEqual(ours, theirs);
  assert.equal(theirs[1]![0], 'BLPOP l 0');
  assert.ok(!theirs[0]!.some((e) => e.startsWith('BLPOP')), 'not logged while blocked');
  assert.ok(!theirs[2]!.some((e) => e.startsWith('BLPOP')), 'not logged on timeout');
});
