// Keys and string values as the RDB load decodes them: every length the fixed-arity decoder has a
// case for (0-24 bytes), the lengths past it (native decoder, then a Buffer of its own) and every
// byte value, over TCP through a save and a DEBUG RELOAD, read back byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTidings } from '../helpers/servers.js';

/** `n` bytes starting at byte value `from`, wrapping: every byte value appears across the lengths. */
function bytes(n: number, from: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (from + i * 37) & 0xff;
  return b;
}

test('keys and string values of 0-40 and 2040-2060 bytes, every byte value, load back unchanged', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-load-strings-'));
  // A small slice size: the load pauses (and the CRC-64 is computed in slices) many times.
  const s = await startTidings({ config: { dir, 'enable-debug-command': 'yes', 'loading-process-events-interval-bytes': 1024 } });
  try {
    const c = await s.connect();
    const lengths = [...Array.from({ length: 41 }, (_, n) => n), ...Array.from({ length: 21 }, (_, i) => 2040 + i)];
    const pairs: [Buffer, Buffer][] = [];
    for (const n of lengths) {
      for (const from of [0, 0x7f, 0xc3]) {
        // Keys are at least one byte (prefixed) and unique; the values are exactly n bytes.
        const key = Buffer.concat([Buffer.from([n & 0xff, from]), bytes(Math.min(n, 40), from + 1)]);
        pairs.push([key, bytes(n, from)]);
      }
    }
    // Integer-looking values too (the file may hold them as integer encodings).
    for (const v of ['0', '-1', '127', '-128', '32767', '-32768', '2147483647', '-2147483648', '12345678901']) {
      pairs.push([Buffer.from(`int:${v}`), Buffer.from(v)]);
    }
    for (const [k, v] of pairs) assert.equal(await c.call('SET', k, v), 'OK');
    assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(await c.call('DBSIZE'), pairs.length);
    for (const [k, v] of pairs) {
      const got = await c.callRaw('GET', k);
      assert.deepEqual(got, { type: 'bulk', value: v }, `key ${k.toString('hex')}`);
    }
    c.close();
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
