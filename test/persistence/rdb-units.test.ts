// Units of the RDB codec: CRC-64 (Redis's Jones polynomial), LZF, listpacks, ziplists, intsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc64, Crc64, lzfCompress, lzfDecompress } from '../../src/persistence/rdb/index.js';
import { ListpackBuilder, readListpack } from '../../src/persistence/rdb/listpack.js';
import { readIntset, readZiplist, readZipmap } from '../../src/persistence/rdb/ziplist.js';
import { encodeIntset } from '../../src/persistence/rdb/encoder.js';

test('crc64 matches Redis: check value of "123456789", empty input, incremental updates', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
  assert.equal(crc64(Buffer.alloc(0)), 0n);
  const data = Buffer.from('This is a test of the emergency broadcast system.');
  const inc = new Crc64().update(data, 0, 7).update(data, 7, 30).update(data, 30);
  assert.equal(inc.value, crc64(data));
  const digest = inc.digest();
  assert.equal(digest.readBigUInt64LE(0), crc64(data), 'digest is little-endian');
});

test('lzf: round trips, refuses to expand, rejects malformed input', () => {
  const samples = [
    Buffer.from('a'.repeat(1000)),
    Buffer.from('hello world '.repeat(50)),
    Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)),
    Buffer.from('abcabcabcabcabcabcabcabcabcabc'),
  ];
  for (const s of samples) {
    const packed = lzfCompress(s, s.length + 64);
    assert.ok(packed !== undefined);
    assert.deepEqual(lzfDecompress(packed, s.length), s);
  }
  const compressible = samples[0]!;
  const packed = lzfCompress(compressible, compressible.length)!;
  assert.ok(packed.length < 40, 'runs compress well');
  let seed = 1;
  const random = Buffer.from(Array.from({ length: 300 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
  assert.equal(lzfCompress(random, random.length - 4), undefined, 'random bytes do not fit in len-4');
  assert.equal(lzfDecompress(Buffer.from([0x1f, 1, 2]), 32), undefined, 'literal run past the input');
  assert.equal(lzfDecompress(Buffer.from([0x00, 0x41, 0xe0, 0xff, 0x10]), 100), undefined, 'reference before the start');
  assert.equal(lzfDecompress(Buffer.from([0x00, 0x41]), 2), undefined, 'short output');
});

test('listpack: encodings of integers and strings round trip; corruption is detected', () => {
  const values = ['0', '127', '128', '-1', '-4096', '4095', '4096', '-32768', '32767', '8388607', '-8388608', '2147483647', '-2147483648', '9223372036854775807', '-9223372036854775808', '01', '-0', '', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096), '18446744073709551616'];
  const lp = new ListpackBuilder();
  for (const v of values) lp.append(Buffer.from(v));
  const bytes = lp.finish();
  assert.equal(bytes.readUInt32LE(0), bytes.length);
  const back = readListpack(bytes).map((v) => (typeof v === 'bigint' ? v.toString() : v.toString()));
  assert.deepEqual(back, values);
  // Flip each byte in turn: readListpack either throws or returns something; it never hangs.
  for (let i = 0; i < Math.min(bytes.length, 400); i++) {
    const bad = Buffer.from(bytes);
    bad[i] = bad[i]! ^ 0x5a;
    try {
      readListpack(bad);
    } catch (e) {
      assert.ok(e instanceof Error);
    }
  }
  assert.throws(() => readListpack(bytes.subarray(0, bytes.length - 1)));
});

test('ziplist, zipmap and intset readers', () => {
  // A ziplist of "a", 1, "bb" built by hand.
  const entries = [Buffer.from([0x00, 0x01, 0x61]), Buffer.from([0x03, 0xf2]), Buffer.from([0x02, 0x02, 0x62, 0x62])];
  const body = Buffer.concat(entries);
  const zl = Buffer.alloc(10 + body.length + 1);
  zl.writeUInt32LE(zl.length, 0);
  zl.writeUInt32LE(10 + entries[0]!.length + entries[1]!.length, 4);
  zl.writeUInt16LE(3, 8);
  body.copy(zl, 10);
  zl[zl.length - 1] = 0xff;
  assert.deepEqual(readZiplist(zl).map(String), ['a', '1', 'bb']);
  const badCount = Buffer.from(zl);
  badCount.writeUInt16LE(4, 8);
  assert.throws(() => readZiplist(badCount));
  const zm = Buffer.from([2, 1, 0x66, 1, 0, 0x76, 2, 0x67, 0x67, 1, 1, 0x77, 0x00, 0xff]);
  assert.deepEqual(readZipmap(zm).map(([k, v]) => [String(k), String(v)]), [['f', 'v'], ['gg', 'w']]);
  const is = encodeIntset(new Set(['5', '-3', '70000']));
  assert.equal(is.readUInt32LE(0), 4);
  assert.deepEqual(readIntset(is), [-3n, 5n, 70000n]);
  assert.equal(encodeIntset(new Set(['1', '2'])).readUInt32LE(0), 2);
  assert.equal(encodeIntset(new Set(['1', '9223372036854775807'])).readUInt32LE(0), 8);
  const unsorted = Buffer.from(is);
  unsorted.writeInt32LE(100000, 8);
  assert.throws(() => readIntset(unsorted));
});

test('RdbWriter: taking bytes in pieces gives the same file and footer as taking them at once', async () => {
  const { Config } = await import('../../src/config/config.js');
  const { RdbWriter, crc64 } = await import('../../src/persistence/rdb/index.js');
  const config = new Config();
  const build = (takeEvery: boolean): Buffer => {
    const w = new RdbWriter({ compress: true, checksum: true });
    const parts: Buffer[] = [];
    w.header([['redis-ver', '7.0.15'], ['redis-bits', 64], ['ctime', 1700000000]]);
    assert.ok(w.pending > 9);
    if (takeEvery) parts.push(w.take());
    assert.equal(w.pending, takeEvery ? 0 : w.pending);
    w.selectDb(0, 50, 0);
    for (let i = 0; i < 50; i++) {
      w.key(`k${i}`, { type: 'string', value: Buffer.from(`value ${i} `.repeat(i)), lru: 0, seq: 0 }, i % 2 ? 1700000000000 + i : undefined, config);
      if (takeEvery) parts.push(w.take());
    }
    w.end();
    parts.push(w.take());
    return Buffer.concat(parts);
  };
  const whole = build(false);
  assert.deepEqual(build(true), whole);
  assert.equal(whole.toString('latin1', 0, 9), 'REDIS0010');
  assert.equal(whole.readBigUInt64LE(whole.length - 8), crc64(whole, 0, whole.length - 8));
  assert.equal(whole[whole.length - 9], 0xff, 'EOF opcode before the footer');
  const unsigned = new RdbWriter({ compress: true, checksum: false });
  unsigned.end();
  assert.deepEqual(unsigned.take(), Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0]));
});

test('RdbWriter: a huge hash, set, sorted set or stream written in steps gives the same bytes as written whole', async () => {
  const { Config } = await import('../../src/config/config.js');
  const { RdbWriter } = await import('../../src/persistence/rdb/index.js');
  const { STEPPED_VALUE_MIN } = await import('../../src/persistence/rdb/encoder.js');
  const { newEntry } = await import('../../src/store/database.js');
  const { Hash } = await import('../../src/types/hash.js');
  const { MemberSet } = await import('../../src/types/set.js');
  const { SortedSet } = await import('../../src/types/zset.js');
  const config = new Config();
  const n = STEPPED_VALUE_MIN * 3 + 17;
  const hash = new Hash('hashtable');
  const set = new MemberSet();
  const zset = new SortedSet('skiplist');
  for (let i = 0; i < n; i++) {
    hash.set(`field:${i}`, `value:${i}:${'x'.repeat(i % 40)}`);
    set.add(`member:${i}`);
    zset.set(`member:${i}`, (i * 7919) % 1000 - 500 + i / 1000);
  }
  const { Stream, StreamId } = await import('../../src/types/stream.js');
  const stream = new Stream();
  for (let i = 0; i < n; i++) stream.append(StreamId.of(1700000000000 + Math.floor(i / 3), i % 3), [Buffer.from('f'), Buffer.from(`v${i}${'y'.repeat(i % 30)}`)]);
  // Groups with a huge PEL over two consumers (written in steps too), and a consumer with none.
  for (const name of ['g1', 'g2']) {
    const group = stream.createGroup(Buffer.from(name), StreamId.MIN, 0n)!;
    const alice = group.ensureConsumer('alice', 1700000000000).consumer;
    const bob = group.ensureConsumer('bob', 1700000000001).consumer;
    group.ensureConsumer('idle', 1700000000002);
    let k = 0;
    stream.range(StreamId.MIN, StreamId.MAX, name === 'g1' ? n : 10, false, (id) => {
      group.deliver(id, k++ % 2 ? alice : bob, 1700000000000 + k);
    });
  }
  const entries = [newEntry(hash, 0), newEntry(set, 0), newEntry(zset, 0), newEntry(stream, 0)];
  const write = (stepped: boolean): { bytes: Buffer; steps: number } => {
    const w = new RdbWriter({ compress: true, checksum: true });
    w.selectDb(0, entries.length, 0);
    let steps = 0;
    entries.forEach((entry, i) => {
      if (!stepped) return w.key(`big${i}`, entry, i === 1 ? 1800000000000 : undefined, config);
      const s = w.keyInSteps(`big${i}`, entry, i === 1 ? 1800000000000 : undefined, config);
      assert.ok(s !== undefined, `${entry.type} of ${n} elements is written in steps`);
      // A deadline already passed: every step returns after its first batch of elements.
      while (!s.step(0)) steps++;
    });
    w.end();
    return { bytes: w.take(), steps };
  };
  const whole = write(false);
  const stepped = write(true);
  // Each of the four values in n / 256 steps or more, and the stream's PEL and consumers' IDs too.
  assert.ok(stepped.steps >= 6 * Math.floor(n / 256) - 6, `${stepped.steps} steps`);
  assert.deepEqual(stepped.bytes, whole.bytes);
  // Small values, listpack encodings and other types are written whole.
  const small = new Hash();
  small.set('f', 'v');
  const w = new RdbWriter({ compress: true, checksum: true });
  assert.equal(w.keyInSteps('small', newEntry(small, 0), undefined, config), undefined);
  assert.equal(w.keyInSteps('str', newEntry(Buffer.from('x'), 0), undefined, config), undefined);
  assert.equal(w.pending, 0, 'nothing written for a key that is not stepped');
  // A huge list is stepped too, as RDB's plain LIST type (loaded back in test/persistence/snapshot.test.ts).
  const { List } = await import('../../src/types/list.js');
  const list = new List();
  for (let i = 0; i < n; i++) list.pushBack(Buffer.from(i % 2 ? String(i) : `element ${i}`));
  const steps = w.keyInSteps('list', newEntry(list, 0), undefined, config);
  assert.ok(steps !== undefined);
  let listSteps = 1;
  while (!steps.step(0)) listSteps++;
  assert.ok(listSteps >= Math.floor(n / 256), `${listSteps} steps`);
  assert.equal(w.take()[0], 1, 'the LIST type byte');
});
