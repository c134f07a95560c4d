// The AOF's turn buffer encodes exactly what encodeCommand (the rewrite's encoder) does, across
// growth past its initial 64 KiB and the shrink after a big turn. (The TCP tests in aof.test.ts
// read what the server logged through it back from the file.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandBuffer } from '../../src/persistence/command-buffer.js';
import { encodeCommand } from '../../src/persistence/aof-rewrite.js';

test('CommandBuffer writes the RESP multibulk encodeCommand writes, through growth and reset', () => {
  const buf = new CommandBuffer();
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (const round of [1, 2]) {
    const expected: Buffer[] = [];
    // Argument counts and lengths on every digit-count boundary, binary bytes, one 200 KB value.
    const sizes = [0, 1, 9, 10, 99, 100, 999, 1000, 12345, 200_000];
    for (let i = 0; i < 300; i++) {
      const argc = i === 0 ? 120 : 1 + rand(12);
      const argv = Array.from({ length: argc }, (_, j) => {
        const size = i === 1 && j === 0 ? 200_000 : sizes[rand(sizes.length - 1)]!;
        return Buffer.from(Array.from({ length: size }, () => rand(256)));
      });
      buf.append(argv);
      expected.push(encodeCommand(argv));
      if (i === 150) {
        const raw = Buffer.from(`#TS:${round}\r\n`);
        buf.appendRaw(raw);
        expected.push(raw);
      }
    }
    const want = Buffer.concat(expected);
    assert.ok(want.length > 1024 * 1024, 'the turn outgrew the initial buffer (and the shrink threshold)');
    assert.equal(buf.length, want.length);
    assert.ok(buf.view().equals(want), `round ${round}: the bytes match encodeCommand's`);
    buf.reset();
    assert.equal(buf.length, 0);
    assert.equal(buf.view().length, 0);
  }
});
