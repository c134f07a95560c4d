// How a BGSAVE shares the event loop with clients: between its slices it waits for a turn in which
// nothing was read (so replies, and requests on new connections, go before the next slice), but a
// server that reads something every turn must still get its save done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTidings } from '../helpers/servers.js';
import { plain, type RespClient } from '../helpers/resp.js';

async function info(c: RespClient, field: string): Promise<string> {
  const text = String(await c.call('INFO', 'persistence'));
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)![1]!.trim();
}

test('a BGSAVE completes while clients keep requests in flight every turn, and new connections are served meanwhile', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-pace-'));
  const s = await startTidings({ config: { dir, 'enable-debug-command': 'yes' } });
  try {
    const c = await s.connect();
    const KEYS = 200_000;
    // The slow calls get a minute (not the default 5 s): a loaded CI machine runs this beside other tests.
    c.send('DEBUG', 'POPULATE', String(KEYS), 'key', '16');
    assert.equal(plain(await c.read(60000)), 'OK');
    // Four clients, each with two PINGs always in flight: every poll phase reads something.
    const busy = await Promise.all([0, 1, 2, 3].map(() => s.connect()));
    let running = true;
    let replies = 0;
    const loops = busy.map(async (b) => {
      b.send('PING');
      b.send('PING');
      while (running) {
        assert.equal(plain(await b.read()), 'PONG');
        replies++;
        b.send('PING');
      }
      await b.read();
      await b.read();
    });
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    let connections = 0;
    do {
      // A request on a connection accepted during the save is answered.
      const fresh = await s.connect();
      assert.equal(await fresh.call('PING'), 'PONG');
      fresh.close();
      connections++;
    } while ((await info(c, 'rdb_bgsave_in_progress')) === '1');
    running = false;
    await Promise.all(loops);
    assert.equal(await info(c, 'rdb_last_bgsave_status'), 'ok');
    assert.ok(replies > 0 && connections > 0, `${replies} busy replies, ${connections} new connections during the save`);
    // The image is whole.
    const sample = await c.call('GET', 'key:4242');
    c.send('DEBUG', 'RELOAD', 'NOSAVE');
    assert.equal(plain(await c.read(60000)), 'OK');
    assert.equal(await c.call('DBSIZE'), KEYS);
    assert.equal(await c.call('GET', 'key:4242'), sample);
    for (const b of busy) b.close();
    c.close();
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
