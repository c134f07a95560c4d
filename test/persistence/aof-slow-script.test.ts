// A script in the AOF that runs past busy-reply-threshold (lua-time-limit), as Redis handles it:
// loading never stops it; during DEBUG LOADAOF the event loop answers other clients with -LOADING
// between its slices (INFO says loading:1), the DEBUG LOADAOF client gets OK once the replay is
// over, and the log says "Slow script detected". At start-up the same file loads to the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTidings } from '../helpers/servers.js';
import { encodeCommand, plain } from '../helpers/resp.js';
import { tempDir } from './aof-util.js';

const SLOW = "redis.call('set',KEYS[1],'y'); for i=1,100000 do redis.call('ping') end redis.call('incr','n') return 'ok'";

function writeSlowAof(dir: string): void {
  const aof = path.join(dir, 'appendonlydir');
  fs.mkdirSync(aof, { recursive: true });
  fs.writeFileSync(path.join(aof, 'appendonly.aof.1.base.aof'), '');
  fs.writeFileSync(
    path.join(aof, 'appendonly.aof.1.incr.aof'),
    Buffer.concat([
      encodeCommand(['SELECT', '9']),
      encodeCommand(['EVAL', SLOW, '1', 'x']),
      encodeCommand(['SET', 'after', 'script']),
      encodeCommand(['MULTI']),
      encodeCommand(['EVAL', SLOW, '1', 'inside']),
      encodeCommand(['EXEC']),
    ]),
  );
  fs.writeFileSync(path.join(aof, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
}

const CONFIG = (dir: string) => ({
  dir,
  appendonly: 'yes',
  'aof-use-rdb-preamble': 'no',
  'lua-time-limit': '1',
  'enable-debug-command': 'yes',
});

test('DEBUG LOADAOF with a slow script: other clients get -LOADING, the script runs to its end', async () => {
  const dir = tempDir();
  const lines: string[] = [];
  const s = await startTidings({ config: CONFIG(dir), log: (line: string) => lines.push(line) });
  try {
    writeSlowAof(dir);
    const loader = await s.connect();
    const other = await s.connect();
    // The replay may take a while on a loaded machine: wait for its reply without a short timeout.
    loader.send('DEBUG', 'LOADAOF');
    const reply = loader.readFrame(120_000).then((f) => (f === undefined ? undefined : plain(f.value)));
    let sawLoading = false;
    let sawInfo = false;
    let done = false;
    void reply.finally(() => (done = true));
    while (!done) {
      const pong = await other.call('PING');
      if (typeof pong === 'object' && pong !== null && 'error' in pong) {
        assert.equal((pong as { error: string }).error, 'LOADING Redis is loading the dataset in memory');
        sawLoading = true;
        // INFO has the loading flag and still answers while loading.
        if (/\r\nloading:1\r\n/.test(String(await other.call('INFO', 'persistence')))) sawInfo = true;
      }
    }
    assert.equal(await reply, 'OK');
    assert.ok(sawLoading, 'a client got -LOADING while the slow script ran');
    assert.ok(sawInfo, 'INFO said loading:1 meanwhile');
    assert.equal(await other.call('PING'), 'PONG');
    await other.call('SELECT', '9');
    assert.equal(await other.call('GET', 'x'), 'y');
    assert.equal(await other.call('GET', 'inside'), 'y', 'a script inside MULTI/EXEC ran to its end too');
    assert.equal(await other.call('GET', 'n'), '2', 'both scripts ran to their last command');
    assert.equal(await other.call('GET', 'after'), 'script', 'the rest of the file loaded after the script');
    assert.match(String(await other.call('INFO', 'persistence')), /\r\nloading:0\r\n/);
    const log = lines.join('\n');
    assert.match(log, /Slow script detected/);
    assert.match(log, /Append Only File loaded by DEBUG LOADAOF/);
    loader.close();
    other.close();
  } finally {
    await s.close();
  }
  // At start-up the same file loads completely (nothing stops the script).
  const again = await startTidings({ config: CONFIG(dir), log: false });
  try {
    const c = await again.connect();
    await c.call('SELECT', '9');
    assert.equal(await c.call('GET', 'n'), '2');
    assert.equal(await c.call('GET', 'after'), 'script');
    c.close();
  } finally {
    await again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
