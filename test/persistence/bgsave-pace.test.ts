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
import { Snapshot } from '../../src/persistence/snapshot.js';

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

test('a request read while a BGSAVE runs is answered before the next slice begins, even when the wait between slices ends in the turn that read it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-pace-'));
  const s = await startTidings({ config: { dir, 'enable-debug-command': 'yes' } });
  // Count the slices (Snapshot.step), and for each command run (runInput) whether a slice began
  // since the first of its requests was read (Server.input).
  const server = s.server! as unknown as { input(client: unknown, chunk: Buffer): void; runInput: () => void };
  const realStep = Snapshot.prototype.step;
  let slices = 0;
  Snapshot.prototype.step = function (this: Snapshot, ...args: Parameters<Snapshot['step']>) {
    slices++;
    return realStep.apply(this, args);
  };
  const realInput = server.input.bind(server);
  const realRun = server.runInput;
  let readAt = -1;
  let runs = 0;
  let late = 0;
  server.input = (client, chunk) => {
    if (readAt < 0) readAt = slices;
    realInput(client, chunk);
  };
  server.runInput = () => {
    if (readAt >= 0 && slices > readAt) late++;
    if (readAt >= 0) runs++;
    readAt = -1;
    realRun();
  };
  try {
    const c = await s.connect();
    c.send('DEBUG', 'POPULATE', '200000', 'key', '16');
    assert.equal(plain(await c.read(60000)), 'OK');
    // Requests in flight every turn: the wait between slices ends on its time limit, in a turn
    // that read some of them, its command run queued after the wait's own setImmediate.
    const busy = await Promise.all([0, 1, 2, 3].map(() => s.connect()));
    let running = true;
    const loops = busy.map(async (b) => {
      b.send('PING');
      b.send('PING');
      while (running) {
        assert.equal(plain(await b.read()), 'PONG');
        b.send('PING');
      }
      await b.read();
      await b.read();
    });
    const before = slices;
    assert.equal(await c.call('BGSAVE'), 'Background saving started');
    while ((await info(c, 'rdb_bgsave_in_progress')) === '1') await new Promise((r) => setTimeout(r, 5));
    running = false;
    await Promise.all(loops);
    assert.ok(slices - before > 10, `the save ran in slices (${slices - before})`);
    assert.ok(runs > 0);
    assert.equal(late, 0, `${late} of ${runs} command runs came after a slice that began once their requests were read`);
    for (const b of busy) b.close();
    c.close();
  } finally {
    Snapshot.prototype.step = realStep;
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
