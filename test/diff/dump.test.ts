// DUMP and RESTORE against redis-server 7.0: payload bytes where Redis is deterministic, and
// payloads crossing between the servers for every type and encoding (each server restores the
// other's payload; the restored keys must read the same on both).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startDiffServers, type DiffPair, type DiffServers } from './harness.js';
import type { RespValue } from '../helpers/resp.js';
import { Crc64, RdbType } from '../../src/persistence/rdb/index.js';
import { RdbEncoder } from '../../src/persistence/rdb/encoder.js';
import { ListpackBuilder } from '../../src/persistence/rdb/listpack.js';
import { contentCommands, datasetCommands, DETERMINISTIC, withoutRadixTree } from '../persistence/rdb-dataset.js';

let servers: DiffServers | undefined;
before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(async () => {
  await servers?.close();
});

async function withPair(t: TestContext, run: (pair: DiffPair) => Promise<void>): Promise<void> {
  if (servers === undefined) {
    t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    return;
  }
  const pair = await servers.pair(2);
  try {
    await run(pair);
  } finally {
    pair.close();
  }
}

const bulk = (v: RespValue): Buffer => {
  assert.equal(v.type, 'bulk');
  return (v as { value: Buffer }).value;
};

function sign(body: Buffer, version = 10): Buffer {
  const out = Buffer.concat([body, Buffer.from([version, 0]), Buffer.alloc(8)]);
  new Crc64().update(out, 0, out.length - 8).digest().copy(out, out.length - 8);
  return out;
}

async function compareContents(pair: DiffPair, key: string, type: string): Promise<void> {
  for (const check of contentCommands(key, type)) {
    const isFull = check.args[0] === 'XINFO' && check.args[1] === 'STREAM';
    await pair.check(check.args, isFull ? { normalize: withoutRadixTree } : { unordered: check.unordered });
  }
}

test('DUMP payloads are byte-identical to redis-server where Redis is deterministic', async (t) => {
  await withPair(t, async (pair) => {
    await pair.checkAll(datasetCommands());
    for (const key of DETERMINISTIC) await pair.check(['DUMP', key]);
    await pair.check(['DUMP', 'nokey']);
  });
});

test('list node boundaries follow list-max-listpack-size (counts and byte sizes) as in Redis', async (t) => {
  await withPair(t, async (pair) => {
    const items = Array.from({ length: 300 }, (_, i) => (i % 4 === 0 ? String(i) : `element-${i}-${'q'.repeat(i % 50)}`));
    try {
      for (const fill of ['5', '1', '128', '-1', '-3', '-5']) {
        await pair.check(['CONFIG', 'SET', 'list-max-listpack-size', fill]);
        await pair.check(['DEL', 'l', 'big']);
        await pair.check(['RPUSH', 'l', ...items]);
        await pair.check(['DUMP', 'l']);
        await pair.check(['RPUSH', 'big', 'x'.repeat(9000), 'y', 'z'.repeat(5000)]);
        await pair.check(['DUMP', 'big']);
      }
    } finally {
      await pair.check(['CONFIG', 'SET', 'list-max-listpack-size', '-2']);
    }
  });
});

test('stream node boundaries follow stream-node-max-bytes and -entries as in Redis', async (t) => {
  await withPair(t, async (pair) => {
    try {
      for (const [bytes, entries] of [['200', '100'], ['4096', '7'], ['0', '0'], ['1000', '0']]) {
        await pair.check(['CONFIG', 'SET', 'stream-node-max-bytes', bytes!]);
        await pair.check(['CONFIG', 'SET', 'stream-node-max-entries', entries!]);
        await pair.check(['DEL', 'x']);
        for (let i = 0; i < 60; i++) {
          const fields = i % 3 === 0 ? ['a', String(i), 'b', 'v'.repeat(i)] : i % 3 === 1 ? ['a', String(i * 1000), 'b', 'w'] : ['other', 'x'.repeat(i % 7)];
          await pair.check(['XADD', 'x', `${100 + Math.floor(i / 4)}-${i % 4}`, ...fields]);
        }
        await pair.check(['DUMP', 'x']);
      }
    } finally {
      await pair.check(['CONFIG', 'SET', 'stream-node-max-bytes', '4096']);
      await pair.check(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
    }
  });
});

test("each server RESTOREs the other's payloads: every type and encoding reads the same", async (t) => {
  await withPair(t, async (pair) => {
    await pair.checkAll(datasetCommands());
    const keys = (await pair.redis.call('KEYS', '*')) as string[];
    assert.ok(keys.length > 25);
    for (const key of keys.sort()) {
      const type = (await pair.redis.call('TYPE', key)) as string;
      const fromRedis = bulk(await pair.redis.callRaw('DUMP', key));
      const fromTidings = bulk(await pair.tidings.callRaw('DUMP', key));
      await pair.check(['RESTORE', `r|${key}`, '0', fromRedis]);
      await pair.check(['RESTORE', `t|${key}`, '0', fromTidings]);
      await compareContents(pair, `r|${key}`, type);
      await compareContents(pair, `t|${key}`, type);
      // Restoring again needs REPLACE; TTLs and ABSTTL behave alike.
      await pair.check(['RESTORE', `t|${key}`, '0', fromTidings]);
      await pair.check(['RESTORE', `t|${key}`, '100000', fromTidings, 'REPLACE']);
      await pair.check(['TTL', `t|${key}`]);
    }
  });
});

test('RESTORE errors match redis-server', async (t) => {
  await withPair(t, async (pair) => {
    await pair.check(['SET', 'k', 'v']);
    const payload = bulk(await pair.redis.callRaw('DUMP', 'k'));
    const corrupt = Buffer.from(payload);
    corrupt[1] ^= 0x40;
    await pair.checkAll([
      ['RESTORE', 'k', '0', payload],
      ['RESTORE', 'n', '-5', payload],
      ['RESTORE', 'n', 'x', payload],
      ['RESTORE', 'n', '0', 'garbage'],
      ['RESTORE', 'n', '0', corrupt],
      ['RESTORE', 'n', '0', payload, 'IDLETIME', '-1'],
      ['RESTORE', 'n', '0', payload, 'FREQ', '300'],
      ['RESTORE', 'n', '0', payload, 'IDLETIME', '1', 'FREQ', '1'],
      ['RESTORE', 'n', '0', payload, 'REPLACE', 'ABSTTL', 'nope'],
      ['RESTORE', 'n', '0'],
      ['RESTORE', 'n', '1', payload, 'ABSTTL'],
      ['RESTORE', 'n', '9223372036854775807', payload],
      ['RESTORE', 'n', '9223372036854000000', payload],
      ['EXISTS', 'n'],
      ['RESTORE', 'n', '0', payload, 'IDLETIME', '10', 'REPLACE', 'ABSTTL'],
      ['GET', 'n'],
      ['DUMP', 'k', 'extra'],
      // Trailing bytes after the value are ignored; an older RDB version is accepted; a zero CRC is
      // checked like any other; a stream cut short is rejected.
      ['RESTORE', 'trail', '0', sign(Buffer.from('\x00\x03barxyz', 'latin1'))],
      ['GET', 'trail'],
      ['RESTORE', 'v1', '0', sign(Buffer.from('\x00\x03bar', 'latin1'), 1)],
      ['GET', 'v1'],
      ['RESTORE', 'zerocrc', '0', Buffer.concat([Buffer.from('\x00\x03bar\x0a\x00', 'latin1'), Buffer.alloc(8)])],
      ['RESTORE', 'shortstream', '0', sign(Buffer.alloc(10, 0).fill(0x13, 0, 1))],
      ['RESTORE', 'opcode', '0', sign(Buffer.from([0xfc, 0, 0]))],
    ]);
  });
});

// ------------------------------------------------------------------ encodings older Redis wrote

class PayloadBuilder extends RdbEncoder {
  constructor() {
    super(false);
  }
  /** Footer with RDB version 9 (Redis 5.0–6.2) and the CRC. */
  payload(): Buffer {
    this.u8(9);
    this.u8(0);
    const body = Buffer.from(this.buf.subarray(0, this.pos));
    return Buffer.concat([body, new Crc64().update(body).digest()]);
  }
}

type ZlItem = string | number;

/** A ziplist with every integer encoding and both short string encodings. */
function ziplist(items: ZlItem[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  for (const item of items) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([254]), u32le(prev)]);
    let enc: Buffer;
    if (typeof item === 'number') {
      if (item >= 0 && item <= 12) enc = Buffer.from([0xf1 + item]);
      else if (item >= -128 && item <= 127) enc = Buffer.from([0xfe, item & 0xff]);
      else if (item >= -32768 && item <= 32767) enc = Buffer.from([0xc0, item & 0xff, (item >> 8) & 0xff]);
      else if (item >= -8388608 && item <= 8388607) enc = Buffer.from([0xf0, item & 0xff, (item >> 8) & 0xff, (item >> 16) & 0xff]);
      else if (item >= -2147483648 && item <= 2147483647) {
        enc = Buffer.alloc(5);
        enc[0] = 0xd0;
        enc.writeInt32LE(item, 1);
      } else {
        enc = Buffer.alloc(9);
        enc[0] = 0xe0;
        enc.writeBigInt64LE(BigInt(item), 1);
      }
    } else {
      const data = Buffer.from(item, 'latin1');
      enc = data.length < 64 ? Buffer.concat([Buffer.from([data.length]), data]) : Buffer.concat([Buffer.from([0x40 | (data.length >> 8), data.length & 0xff]), data]);
    }
    const entry = Buffer.concat([prevlen, enc]);
    entries.push(entry);
    prev = entry.length;
  }
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(10);
  head.writeUInt32LE(10 + body.length + 1, 0);
  head.writeUInt32LE(entries.length === 0 ? 10 : 10 + body.length - entries[entries.length - 1]!.length, 4);
  head.writeUInt16LE(entries.length, 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function zipmap(pairs: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length])];
  for (const [k, v] of pairs) {
    parts.push(Buffer.from([k.length]), Buffer.from(k), Buffer.from([v.length, 2]), Buffer.from(v), Buffer.from([0, 0]));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

function legacyPayloads(): Array<{ key: string; type: string; payload: Buffer }> {
  const out: Array<{ key: string; type: string; payload: Buffer }> = [];
  const add = (key: string, type: string, build: (b: PayloadBuilder) => void) => {
    const b = new PayloadBuilder();
    build(b);
    out.push({ key, type, payload: b.payload() });
  };
  const items: ZlItem[] = ['a', 0, 12, 13, -1, 300, -40000, 8000000, 2000000000, 2 ** 40, 'x'.repeat(100), ''];
  add('old:list', 'list', (b) => {
    b.u8(RdbType.LIST);
    b.len(3);
    for (const s of ['one', '2', 'three']) b.string(Buffer.from(s));
  });
  add('old:ziplist', 'list', (b) => {
    b.u8(RdbType.LIST_ZIPLIST);
    b.string(ziplist(items));
  });
  add('old:quicklist', 'list', (b) => {
    b.u8(RdbType.LIST_QUICKLIST);
    b.len(3);
    b.string(ziplist(items.slice(0, 5)));
    b.string(ziplist([]));
    b.string(ziplist(items.slice(5)));
  });
  add('old:zset', 'zset', (b) => {
    b.u8(RdbType.ZSET);
    b.len(4);
    for (const [m, s] of [['a', '1.5'], ['b', '-3'], ['c', '1e3']] as const) {
      b.string(Buffer.from(m));
      b.u8(s.length);
      b.raw(Buffer.from(s));
    }
    b.string(Buffer.from('inf'));
    b.u8(254);
  });
  add('old:zset-ziplist', 'zset', (b) => {
    b.u8(RdbType.ZSET_ZIPLIST);
    b.string(ziplist(['m3', -300, 'm1', 1, 'm2', '2.5', 'm4', 'inf']));
  });
  add('old:hash-ziplist', 'hash', (b) => {
    b.u8(RdbType.HASH_ZIPLIST);
    b.string(ziplist(['f1', 'v1', 'f2', 7, 'f3', 'x'.repeat(100)]));
  });
  add('old:zipmap', 'hash', (b) => {
    b.u8(RdbType.HASH_ZIPMAP);
    b.string(zipmap([['name', 'tidings'], ['kind', 'broker']]));
  });
  add('old:set', 'set', (b) => {
    b.u8(RdbType.SET);
    b.len(3);
    for (const s of ['x', 'y', '5']) b.string(Buffer.from(s));
  });
  add('old:stream', 'stream', (b) => {
    // STREAM_LISTPACKS (Redis 5.0-6.2): no first ID, max deleted ID, entries-added or entries-read.
    b.u8(RdbType.STREAM_LISTPACKS);
    b.len(1);
    const key = Buffer.alloc(16);
    key.writeUInt32BE(100, 4);
    b.string(key);
    const lp = new ListpackBuilder();
    for (const v of [3, 1, 1]) lp.appendInt(v); // count, deleted, master fields
    lp.append(Buffer.from('f'));
    lp.appendInt(0);
    const entry = (flags: number, msDiff: number, seq: number, fields: string[]) => {
      lp.appendInt(flags);
      lp.appendInt(msDiff);
      lp.appendInt(seq);
      if (flags & 2) {
        lp.append(Buffer.from(fields[0]!));
        lp.appendInt(4);
      } else {
        lp.appendInt(fields.length / 2);
        for (const f of fields) lp.append(Buffer.from(f));
        lp.appendInt(fields.length + 4);
      }
    };
    entry(2, 0, 0, ['a']);
    entry(3, 0, 1, ['gone']);
    entry(0, 1, 0, ['g', 'b', 'h', 'c']);
    entry(2, 5, 2, ['d']);
    b.string(lp.finish());
    b.len(3);
    b.len(105);
    b.len(2);
    b.len(1);
    b.string(Buffer.from('grp'));
    b.len(101);
    b.len(0);
    b.len(1);
    const id = Buffer.alloc(16);
    id.writeUInt32BE(100, 4);
    b.raw(id);
    b.millis(1700000000000);
    b.len(3);
    b.len(1);
    b.string(Buffer.from('c1'));
    b.millis(1700000000001);
    b.len(1);
    b.raw(id);
  });
  // Encodings whose load-time conversion rules differ: Redis keeps a loaded hash listpack with a
  // long value as a listpack, converts by count, and judges SET/HASH/ZSET_2 by content.
  const lp = (values: string[]) => {
    const l = new ListpackBuilder();
    for (const v of values) l.append(Buffer.from(v));
    return l.finish();
  };
  add('conv:hash-lp-long', 'hash', (b) => {
    b.u8(RdbType.HASH_LISTPACK);
    b.string(lp(['f', 'x'.repeat(100)]));
  });
  add('conv:hash-lp-many', 'hash', (b) => {
    b.u8(RdbType.HASH_LISTPACK);
    b.string(lp(Array.from({ length: 1100 }, (_, i) => String(i))));
  });
  add('conv:hash-long', 'hash', (b) => {
    b.u8(RdbType.HASH);
    b.len(2);
    for (const s of ['f', 'x'.repeat(100), 'g', 'y']) b.string(Buffer.from(s));
  });
  add('conv:zset-lp-long', 'zset', (b) => {
    b.u8(RdbType.ZSET_LISTPACK);
    b.string(lp(['m'.repeat(100), '1']));
  });
  add('conv:zset2-small', 'zset', (b) => {
    b.u8(RdbType.ZSET_2);
    b.len(2);
    b.string(Buffer.from('g'));
    b.binaryDouble(2);
    b.string(Buffer.from('m'));
    b.binaryDouble(-0);
  });
  add('conv:set-ints', 'set', (b) => {
    b.u8(RdbType.SET);
    b.len(3);
    for (const s of ['3', '1', '2']) b.string(Buffer.from(s));
  });
  add('conv:intset-many', 'set', (b) => {
    b.u8(RdbType.SET_INTSET);
    const n = 600;
    const is = Buffer.alloc(8 + 2 * n);
    is.writeUInt32LE(2, 0);
    is.writeUInt32LE(n, 4);
    for (let i = 0; i < n; i++) is.writeInt16LE(i - 300, 8 + 2 * i);
    b.string(is);
  });
  return out;
}

test('older encodings (LIST, ziplists, quicklist v1, zipmap, ZSET v1, STREAM_LISTPACKS) restore alike', async (t) => {
  await withPair(t, async (pair) => {
    for (const { key, type, payload } of legacyPayloads()) {
      await pair.check(['RESTORE', key, '0', payload]);
      assert.equal(await pair.tidings.call('TYPE', key), type, key);
      await compareContents(pair, key, type);
      // And what each writes now for it is the same again (Redis keeps a v1 quicklist's node
      // boundaries, which a Tidings list does not record).
      if (type !== 'hash' && type !== 'set' && type !== 'stream' && key !== 'old:quicklist') await pair.check(['DUMP', key]);
    }
  });
});

test('LFU counters: RESTORE FREQ, new keys, reads, overwrites and COPY give the OBJECT FREQ redis-server gives', async (t) => {
  if (servers === undefined) return t.skip('redis-server is not installed');
  const pair = await servers.pair(2);
  try {
    await pair.checkAll([['SET', 'src', 'bar'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], ['CONFIG', 'SET', 'lfu-log-factor', '0']]);
    const payload = bulk(await pair.tidings.callRaw('DUMP', 'src'));
    await pair.checkAll([
      ['RESTORE', 'f', '0', payload, 'FREQ', '100'],
      ['OBJECT', 'FREQ', 'f'],
      ['GET', 'f'],
      ['OBJECT', 'FREQ', 'f'],
      ['RESTORE', 'top', '0', payload, 'FREQ', '255'],
      ['GET', 'top'],
      ['OBJECT', 'FREQ', 'top'],
      ['SET', 'new', 'v'],
      ['OBJECT', 'FREQ', 'new'],
      ['GET', 'new'],
      ['GET', 'new'],
      ['OBJECT', 'FREQ', 'new'],
      ['SET', 'new', 'w'],
      ['OBJECT', 'FREQ', 'new'],
      ['COPY', 'new', 'copied'],
      ['OBJECT', 'FREQ', 'copied'],
      ['RESTORE', 'i', '0', payload, 'IDLETIME', '1000'],
      ['OBJECT', 'FREQ', 'i'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['RESTORE', 'g', '0', payload, 'FREQ', '100'],
      ['RESTORE', 'i2', '0', payload, 'IDLETIME', '1000'],
      ['OBJECT', 'IDLETIME', 'i2'],
      ['CONFIG', 'SET', 'lfu-log-factor', '10'],
    ]);
  } finally {
    await pair.tidings.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await pair.redis.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    pair.close();
  }
});
