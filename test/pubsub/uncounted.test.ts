// bench/pubsub-stats.mjs compares PUBLISH with and without the per-channel counters
// (TIDINGS_PUBSUB_STATS=0 in the server's environment). The uncounted path is the benchmark's
// baseline, so it must deliver exactly what the counted one does, and really count nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTidings, type TestServer } from '../helpers/servers.js';
import { plain } from '../helpers/resp.js';

async function start(stats: boolean): Promise<TestServer> {
  const saved = process.env.TIDINGS_PUBSUB_STATS;
  process.env.TIDINGS_PUBSUB_STATS = stats ? '1' : '0';
  try {
    return await startTidings();
  } finally {
    if (saved === undefined) delete process.env.TIDINGS_PUBSUB_STATS;
    else process.env.TIDINGS_PUBSUB_STATS = saved;
  }
}

for (const stats of [true, false]) {
  test(`PUBLISH delivers to channel and pattern subscribers with statistics ${stats ? 'on' : 'off'}`, async () => {
    const srv = await start(stats);
    const sub = await srv.connect();
    const psub = await srv.connect();
    const pub = await srv.connect();
    try {
      assert.deepEqual(await sub.call('SUBSCRIBE', 'news'), ['subscribe', 'news', 1]);
      assert.deepEqual(await psub.call('PSUBSCRIBE', 'n*'), ['psubscribe', 'n*', 1]);
      assert.equal(await pub.call('PUBLISH', 'news', 'hello'), 2);
      assert.equal(await pub.call('PUBLISH', 'nope', 'x'), 1);
      assert.equal(await pub.call('PUBLISH', 'other', 'x'), 0);
      assert.deepEqual(plain(await sub.read()), ['message', 'news', 'hello']);
      assert.deepEqual(plain(await psub.read()), ['pmessage', 'n*', 'news', 'hello']);
      assert.deepEqual(plain(await psub.read()), ['pmessage', 'n*', 'nope', 'x']);
      assert.equal(await sub.silentFor(100), true);
      // TIDINGS CHANNELS reports the channel's message count only when counting.
      const rows = (await pub.call('TIDINGS', 'CHANNELS', 'news')) as unknown[][];
      assert.equal(rows.length, 1);
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < rows[0].length; i += 2) fields.set(String(rows[0][i]), rows[0][i + 1]);
      assert.equal(fields.get('channel'), 'news');
      assert.equal(fields.get('subscribers'), 1);
      assert.equal(fields.get('messages'), stats ? 1 : 0);
    } finally {
      sub.socket.destroy();
      psub.socket.destroy();
      pub.socket.destroy();
      await srv.close();
    }
  });
}
