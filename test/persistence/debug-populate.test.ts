// DEBUG POPULATE (Redis's persistence tests build big datasets with it): the keys, values, padding,
// skipped existing keys and error texts, compared with redis-server byte for byte; and that the
// keys count for a save but are not changes (nothing in the AOF, rdb_changes_since_last_save 0).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireRedisServer, startRedis, startTidings, type TestServer } from '../helpers/servers.js';

let tidings: TestServer | undefined;
let redis: TestServer | undefined;

before(async (t) => {
  if (!requireRedisServer(t as never)) return;
  [tidings, redis] = await Promise.all([
    startTidings({ config: { 'enable-debug-command': 'yes', save: '' } }),
    startRedis(['--enable-debug-command', 'yes']),
  ]);
});
after(async () => {
  await Promise.all([tidings?.close(), redis?.close()]);
});

test('DEBUG POPULATE creates the same keys and values as redis-server, and the same errors', async (t) => {
  if (tidings === undefined || redis === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  const [a, b] = await Promise.all([tidings.connect(), redis.connect()]);
  const both = async (...args: string[]) => {
    a.send(...args);
    b.send(...args);
    const [x, y] = await Promise.all([a.readFrame(), b.readFrame()]);
    assert.ok(x && y);
    assert.equal(x.raw.toString('latin1'), y.raw.toString('latin1'), args.join(' '));
    return x.raw.toString('latin1');
  };
  await both('SET', 'key:1', 'mine');
  const changes = async () => /rdb_changes_since_last_save:(\d+)\r\n/.exec(String(await a.call('INFO', 'persistence')))?.[1];
  const changesBefore = await changes();
  assert.equal(changesBefore, '1');
  assert.equal(await both('DEBUG', 'POPULATE', '5'), '+OK\r\n');
  await both('DEBUG', 'POPULATE', '3', 'pad', '12');
  await both('DEBUG', 'POPULATE', '3', 'cut', '3');
  await both('DEBUG', 'POPULATE', '2', 'zero', '0');
  await both('DEBUG', 'POPULATE', '0');
  for (const key of ['key:0', 'key:1', 'key:4', 'key:5', 'pad:2', 'cut:1', 'zero:0', 'zero:1']) await both('GET', key);
  await both('DBSIZE');
  for (const bad of [['-1'], ['abc'], ['1', 'k', '-1'], ['1', 'k', 'x'], ['1', 'k', '1', 'extra'], []]) {
    const reply = await both('DEBUG', 'POPULATE', ...bad);
    assert.ok(reply.startsWith('-ERR'), `DEBUG POPULATE ${bad.join(' ')} is an error`);
  }
  assert.equal(await changes(), changesBefore, 'populated keys are not changes');
  a.close();
  b.close();
});
