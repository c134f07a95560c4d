// Units of the AOF rewrite's command writer (aof-rewrite.ts): a huge key written in steps gives
// the same commands as written whole. The stepped rewrite under writes is exercised over TCP in
// test/persistence/aof-rewrite-slices.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '../../src/config/config.js';
import { CommandImageWriter } from '../../src/persistence/aof-rewrite.js';
import { STEPPED_VALUE_MIN } from '../../src/persistence/rdb/encoder.js';
import { newEntry, type Entry } from '../../src/store/database.js';
import { Hash } from '../../src/types/hash.js';
import { List } from '../../src/types/list.js';
import { MemberSet } from '../../src/types/set.js';
import { SortedSet } from '../../src/types/zset.js';
import { Stream, StreamId } from '../../src/types/stream.js';

test('CommandImageWriter: a huge hash, set, sorted set, list or stream written in steps gives the same commands as written whole', () => {
  const config = new Config();
  const n = STEPPED_VALUE_MIN * 3 + 17;
  const hash = new Hash('hashtable');
  const set = new MemberSet();
  const zset = new SortedSet('skiplist');
  const list = new List();
  const stream = new Stream();
  for (let i = 0; i < n; i++) {
    hash.set(`field:${i}`, `value:${i}:${'x'.repeat(i % 40)}`);
    set.add(`member:${i}`);
    zset.set(`member:${i}`, ((i * 7919) % 1000) - 500 + i / 1000);
    list.pushBack(Buffer.from(i % 2 ? String(i) : `element ${i}`));
    stream.append(StreamId.of(1700000000000 + Math.floor(i / 3), i % 3), [Buffer.from('f'), Buffer.from(`v${i}`)]);
  }
  const group = stream.createGroup(Buffer.from('g'), StreamId.MIN, 0n)!;
  const { consumer } = group.ensureConsumer('alice', 1700000000000);
  group.ensureConsumer('idle', 1700000000000);
  stream.range(StreamId.MIN, StreamId.MAX, 5, false, (id) => {
    group.deliver(id, consumer, 1700000000000);
  });
  const entries: Entry[] = [newEntry(hash, 0), newEntry(set, 0), newEntry(zset, 0), newEntry(list, 0), newEntry(stream, 0)];
  // Key 1 has a TTL in the future: its PEXPIREAT comes after the last step.
  const expireAt = Date.now() + 3_600_000;
  const ttl = (i: number) => (i === 1 ? expireAt : undefined);
  const write = (stepped: boolean): { bytes: Buffer; steps: number } => {
    const w = new CommandImageWriter();
    w.selectDb(0);
    let steps = 0;
    entries.forEach((entry, i) => {
      if (!stepped) return w.key(`big${i}`, entry, ttl(i), config);
      const s = w.keyInSteps(`big${i}`, entry, ttl(i), config);
      assert.ok(s !== undefined, `${entry.type} of ${n} elements is written in steps`);
      // A deadline already passed: every step returns after its first few commands.
      while (!s.step(0)) steps++;
    });
    return { bytes: w.take(), steps };
  };
  const whole = write(false);
  const stepped = write(true);
  assert.ok(stepped.steps >= 5 * Math.floor(n / 256) - 5, `${stepped.steps} steps`);
  assert.equal(stepped.bytes.toString('latin1'), whole.bytes.toString('latin1'));
  const text = whole.bytes.toString('latin1');
  for (const cmd of ['HMSET', 'SADD', 'ZADD', 'RPUSH', 'XADD', 'XSETID', 'XCLAIM', 'PEXPIREAT', 'CREATECONSUMER']) assert.ok(text.includes(`\r\n${cmd}\r\n`), cmd);
  // Small values, strings and expired keys go through key().
  const w = new CommandImageWriter();
  const small = new Hash();
  small.set('f', 'v');
  assert.equal(w.keyInSteps('small', newEntry(small, 0), undefined, config), undefined);
  assert.equal(w.keyInSteps('str', newEntry(Buffer.from('x'), 0), undefined, config), undefined);
  assert.equal(w.keyInSteps('gone', newEntry(list, 0), Date.now() - 1000, config), undefined);
  assert.equal(w.pending, 0, 'nothing written for a key that is not stepped');
});
