import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConsumerGroup,
  decodeFields,
  ENTRIES_READ_INVALID,
  IdOrderedMap,
  parseU64,
  Stream,
  StreamId,
  type PendingEntry,
} from '../../src/types/stream.js';

const id = (text: string): StreamId => {
  const parsed = StreamId.parse(text);
  assert.ok(parsed, `parse ${text}`);
  return parsed;
};
const f = (...items: string[]): Buffer[] => items.map((s) => Buffer.from(s));
const ids = (entries: { id: StreamId }[]): string[] => entries.map((e) => e.id.toString());

test('StreamId parses and prints full 64-bit halves', () => {
  assert.equal(id('18446744073709551615-18446744073709551615').toString(), '18446744073709551615-18446744073709551615');
  assert.ok(id('18446744073709551615-18446744073709551615').isMax());
  assert.equal(id('1-2').toString(), '1-2');
  assert.equal(id('00001-0002').toString(), '1-2');
  assert.equal(id('9007199254740993-4294967296').toString(), '9007199254740993-4294967296');
  assert.equal(StreamId.parse('5')!.toString(), '5-0');
  assert.equal(StreamId.parse('5', 'max')!.toString(), '5-18446744073709551615');
  for (const bad of ['', '-', '+', '-1', '1-', '1-x', 'abc', '18446744073709551616-1', '1-2-3', '0x10', '1--5']) {
    assert.equal(StreamId.parse(bad), undefined, bad);
  }
  // strtoull leniency, as Redis: leading space and a plus sign.
  assert.equal(StreamId.parse(' 1')!.toString(), '1-0');
  assert.equal(StreamId.parse('+1')!.toString(), '1-0');
  assert.deepEqual(parseU64('4294967296'), [1, 0]);
  assert.equal(StreamId.parse('x'.repeat(130)), undefined);
});

test('StreamId ordering, next and prev carry across halves', () => {
  assert.ok(id('1-0').compare(id('0-18446744073709551615')) > 0);
  assert.ok(id('4294967296-0').compare(id('4294967295-99')) > 0);
  assert.equal(id('1-4294967295').next()!.toString(), '1-4294967296');
  assert.equal(id('1-18446744073709551615').next()!.toString(), '2-0');
  assert.equal(StreamId.MAX.next(), undefined);
  assert.equal(id('2-0').prev()!.toString(), '1-18446744073709551615');
  assert.equal(StreamId.MIN.prev(), undefined);
  assert.equal(StreamId.of(1700000000000n, 5n).toString(), '1700000000000-5');
  assert.equal(id('3-4').ms, 3n);
  assert.equal(id('3-4').seq, 4n);
});

test('fields are stored RESP-encoded and decode back to the same bytes', () => {
  const s = new Stream();
  const binary = Buffer.from([0, 255, 13, 10, 36]);
  s.append(id('1-1'), [Buffer.from('field'), binary]);
  const e = s.get(id('1-1'))!;
  assert.equal(e.fields.toString('latin1'), '*2\r\n$5\r\nfield\r\n$5\r\n' + binary.toString('latin1') + '\r\n');
  assert.deepEqual(decodeFields(e.fields), [Buffer.from('field'), binary]);
});

test('nextId: clock, same-ms sequence, explicit and ms-* forms, exhaustion', () => {
  const s = new Stream();
  assert.deepEqual(s.nextId(1000), { id: id('1000-0') });
  s.append(id('1000-0'), f('a', '1'));
  assert.equal((s.nextId(1000) as { id: StreamId }).id.toString(), '1000-1');
  assert.equal((s.nextId(999) as { id: StreamId }).id.toString(), '1000-1'); // clock went back
  assert.equal((s.nextId(0, id('1000-0'), true) as { id: StreamId }).id.toString(), '1000-1');
  assert.equal((s.nextId(0, id('2000-0'), true) as { id: StreamId }).id.toString(), '2000-0');
  assert.deepEqual(s.nextId(0, id('999-0'), true), { error: 'too-small' });
  assert.deepEqual(s.nextId(0, id('1000-0')), { error: 'too-small' });
  s.append(id('1000-18446744073709551615'), f('a', '1'));
  assert.deepEqual(s.nextId(0, id('1000-0'), true), { error: 'seq-overflow' });
  assert.equal((s.nextId(5) as { id: StreamId }).id.toString(), '1001-0');
  s.lastId = StreamId.MAX;
  assert.deepEqual(s.nextId(5), { error: 'exhausted' });
});

function filled(n: number, limits = { maxEntries: 10, maxBytes: 0 }): Stream {
  const s = new Stream(limits);
  for (let i = 1; i <= n; i++) s.append(StreamId.of(i, 0), f('i', String(i)));
  return s;
}

test('range forward/backward across nodes with counts and bounds', () => {
  const s = filled(95);
  assert.equal(s.nodeCount, 10);
  assert.equal(s.length, 95);
  assert.deepEqual(ids(s.entries(id('9'), id('12'))), ['9-0', '10-0', '11-0', '12-0']);
  assert.deepEqual(ids(s.entries(id('9'), id('12'), 0, true)), ['12-0', '11-0', '10-0', '9-0']);
  assert.deepEqual(ids(s.entries(StreamId.MIN, StreamId.MAX, 3)), ['1-0', '2-0', '3-0']);
  assert.deepEqual(ids(s.entries(StreamId.MIN, StreamId.MAX, 2, true)), ['95-0', '94-0']);
  assert.deepEqual(ids(s.entries(id('20-1'), id('21-0'))), ['21-0']);
  assert.deepEqual(ids(s.entries(id('96'), StreamId.MAX)), []);
  assert.deepEqual(ids(s.entries(id('12'), id('9'))), []);
  assert.deepEqual(ids(s.entries(StreamId.MIN, id('0-5'), 0, true)), []);
  assert.equal(s.entries(StreamId.MIN, StreamId.MAX).length, 95);
  assert.equal(s.firstEntry()!.id.toString(), '1-0');
  assert.equal(s.lastEntry()!.id.toString(), '95-0');
});

test('delete leaves tombstones, skips them in ranges, drops empty nodes, tracks max deleted', () => {
  const s = filled(30);
  assert.equal(s.delete(id('5')), true);
  assert.equal(s.delete(id('5')), false);
  assert.equal(s.delete(id('500')), false);
  assert.deepEqual(ids(s.entries(id('4'), id('6'))), ['4-0', '6-0']);
  assert.deepEqual(ids(s.entries(id('4'), id('6'), 0, true)), ['6-0', '4-0']);
  for (let i = 11; i <= 20; i++) s.delete(StreamId.of(i));
  assert.equal(s.nodeCount, 2);
  assert.deepEqual(ids(s.entries(id('9'), id('22'))), ['9-0', '10-0', '21-0', '22-0']);
  assert.deepEqual(ids(s.entries(id('9'), id('22'), 0, true)), ['22-0', '21-0', '10-0', '9-0']);
  assert.equal(s.length, 19);
  assert.equal(s.maxDeletedId.toString(), '20-0');
  s.delete(id('1'));
  assert.equal(s.firstId.toString(), '2-0');
  assert.equal(s.maxDeletedId.toString(), '20-0');
  // Appending after the last node emptied starts a fresh node.
  for (let i = 21; i <= 30; i++) s.delete(StreamId.of(i));
  assert.equal(s.nodeCount, 1);
  s.append(id('31'), f('a', 'b'));
  assert.equal(s.nodeCount, 2);
  assert.equal(s.lastEntry()!.id.toString(), '31-0');
});

test('trim MAXLEN exact, approximate (whole nodes) and LIMIT', () => {
  let s = filled(35);
  assert.equal(s.trim({ maxLen: 12 }, true, 0), 20);
  assert.equal(s.length, 15);
  assert.equal(s.firstId.toString(), '21-0');
  assert.equal(s.trim({ maxLen: 12 }, false, 0), 3);
  assert.equal(s.firstId.toString(), '24-0');
  assert.equal(s.length, 12);
  assert.equal(s.trim({ maxLen: 0 }, false, 0), 12);
  assert.equal(s.length, 0);
  assert.equal(s.nodeCount, 0);
  assert.equal(s.firstId.toString(), '0-0');

  s = filled(35);
  assert.equal(s.trim({ maxLen: 0 }, true, 15), 10); // a second node would exceed the limit
  assert.equal(s.trim({ maxLen: 0 }, true, 5), 0);
  assert.equal(s.length, 25);
  // Approximate never cuts inside a node.
  assert.equal(s.trim({ maxLen: 24 }, true, 0), 0);
});

test('trim MINID exact and approximate', () => {
  const s = filled(35);
  assert.equal(s.trim({ minId: id('15') }, true, 0), 10);
  assert.equal(s.firstId.toString(), '11-0');
  assert.equal(s.trim({ minId: id('15') }, false, 0), 4);
  assert.equal(s.firstId.toString(), '15-0');
  assert.equal(s.trim({ minId: id('15') }, false, 0), 0);
  assert.equal(s.trim({ minId: StreamId.MAX }, false, 0), 21);
  assert.equal(s.length, 0);
});

test('head trimming over many nodes keeps search correct after compaction', () => {
  const s = filled(5000);
  for (let kept = 4990; kept > 0; kept -= 97) {
    s.trim({ maxLen: kept }, false, 0);
    assert.equal(s.length, kept);
    const first = s.firstEntry()!.id;
    assert.equal(first.msNumber, 5000 - kept + 1);
    assert.deepEqual(ids(s.entries(first, first)), [first.toString()]);
    assert.equal(s.get(StreamId.of(5000 - kept))?.id, undefined);
  }
});

test('IdOrderedMap matches a sorted reference under random inserts and deletes', () => {
  const map = new IdOrderedMap<{ id: StreamId; v: number }>();
  const ref = new Map<number, number>();
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    const k = rand(2000);
    if (rand(3) === 0) {
      const had = ref.delete(k);
      assert.equal(map.delete(StreamId.of(k)) !== undefined, had);
    } else {
      ref.set(k, i);
      map.set({ id: StreamId.of(k), v: i });
    }
  }
  const expected = [...ref.keys()].sort((a, b) => a - b);
  assert.equal(map.size, expected.length);
  assert.deepEqual([...map.values()].map((e) => e.id.msNumber), expected);
  const from = expected[Math.floor(expected.length / 2)]!;
  const seen: number[] = [];
  map.forEachFrom(StreamId.of(from), (e) => {
    seen.push(e.id.msNumber);
    return seen.length < 5;
  });
  assert.deepEqual(seen, expected.filter((k) => k >= from).slice(0, 5));
  assert.equal(map.get(StreamId.of(from))!.v, ref.get(from));
  assert.equal(map.first()!.id.msNumber, expected[0]);
  assert.equal(map.last()!.id.msNumber, expected[expected.length - 1]);
});

test('consumer group PEL: deliver, transfer, ack, delete consumer', () => {
  const g = new ConsumerGroup(Buffer.from('g'), StreamId.MIN, ENTRIES_READ_INVALID);
  const alice = g.ensureConsumer('alice', 1).consumer;
  const bob = g.ensureConsumer('bob', 1).consumer;
  assert.equal(g.ensureConsumer('alice', 2).created, false);
  g.deliver(id('1-1'), alice, 10);
  g.deliver(id('2-1'), alice, 10);
  g.deliver(id('3-1'), bob, 10);
  assert.equal(g.pending.size, 3);
  // Re-delivering an ID to someone else moves it and resets the count.
  const e = g.deliver(id('2-1'), bob, 20) as PendingEntry;
  assert.equal(e.consumer, bob);
  assert.equal(e.deliveryCount, 1);
  assert.equal(alice.pending.size, 1);
  assert.equal(bob.pending.size, 2);
  g.transfer(g.pending.get(id('1-1'))!, bob);
  assert.equal(alice.pending.size, 0);
  assert.equal(g.ack(id('1-1')), true);
  assert.equal(g.ack(id('1-1')), false);
  assert.equal(bob.pending.size, 2);
  assert.equal(g.deleteConsumer('bob'), 2);
  assert.equal(g.deleteConsumer('bob'), -1);
  assert.equal(g.pending.size, 0);
  assert.deepEqual(g.sortedConsumers().map((c) => c.name.toString()), ['alice']);
});

test('lag and entries-read follow the Redis 7.0 rules', () => {
  const s = new Stream();
  const g = s.createGroup(Buffer.from('g'), StreamId.MIN, ENTRIES_READ_INVALID)!;
  assert.equal(s.createGroup(Buffer.from('g'), StreamId.MIN, 0n), undefined);
  assert.equal(s.lag(g), 0n); // nothing ever added
  for (let i = 1; i <= 5; i++) s.append(StreamId.of(i, 1), f('f', 'v'));
  // Group at 0-0 with unknown counter and no tombstones: estimated from the first entry.
  assert.equal(s.lag(g), 5n);
  s.advanceGroup(g, id('1-1'));
  assert.equal(g.entriesRead, 1n);
  s.advanceGroup(g, id('2-1'));
  assert.equal(g.entriesRead, 2n);
  assert.equal(s.lag(g), 3n);
  // A tombstone ahead of the group makes the lag unknown...
  s.delete(id('4-1'));
  assert.equal(s.lag(g), undefined);
  // ...until the group reaches the last entry.
  s.advanceGroup(g, id('3-1'));
  assert.equal(g.entriesRead, ENTRIES_READ_INVALID);
  s.advanceGroup(g, id('5-1'));
  assert.equal(g.entriesRead, 5n);
  assert.equal(s.lag(g), 0n);
  assert.equal(s.entriesReadAt(id('9-9')), ENTRIES_READ_INVALID);
  assert.equal(s.entriesReadAt(id('0-1')), ENTRIES_READ_INVALID); // tombstone after the first entry
  // Trimming the head past the tombstone restores estimates.
  s.trim({ maxLen: 1 }, false, 0);
  assert.equal(s.entriesReadAt(id('5-1')), 5n);
  assert.equal(s.entriesReadAt(id('1-1')), 4n);
  // Empty stream: any ID up to the last counts as fully read.
  s.trim({ maxLen: 0 }, false, 0);
  assert.equal(s.entriesReadAt(id('1-1')), 5n);
  assert.deepEqual(
    s.sortedGroups().map((x) => x.name.toString()),
    ['g'],
  );
});

test('a large stream appends and seeks by ID without scanning', () => {
  const s = new Stream();
  const n = 300_000;
  for (let i = 0; i < n; i++) s.append(StreamId.of(1_700_000_000_000 + i, i & 3), f('k', 'v'));
  assert.equal(s.length, n);
  assert.equal(s.nodeCount, n / 100);
  const probe = StreamId.of(1_700_000_000_000 + 123_456, 0);
  assert.deepEqual(ids(s.entries(probe, StreamId.MAX, 2)), ['1700000123456-0', '1700000123457-1']);
  assert.deepEqual(ids(s.entries(StreamId.MIN, probe, 1, true)), ['1700000123456-0']);
  s.trim({ maxLen: 1000 }, true, 0);
  assert.ok(s.length >= 1000 && s.length < 1100);
});

// --- node layout ---------------------------------------------------------------------------------

const resp = (...items: string[]): string => `*${items.length}\r\n${items.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;

test('node layout: master field names are stored once, values packed with varint lengths', () => {
  const s = new Stream({ maxEntries: 100, maxBytes: 0 });
  for (let i = 0; i < 250; i++) s.append(StreamId.of(1700000000000 + Math.floor(i / 3), i % 3), f('field', `value:${i}`));
  const nodes = s.nodesForTests();
  assert.equal(nodes.length, 3);
  const first = nodes[0]!;
  assert.equal(first.wide, false);
  // header: pair count (1) + name length (1) + "field" (5); each entry: tag + length + "value:<i>".
  let expected = 7;
  for (let i = 0; i < 100; i++) expected += 2 + `value:${i}`.length;
  assert.equal(first.offs[first.count], expected);
  // Narrow IDs: 2 words a slot; sealed nodes are exactly sized and share one arena chunk.
  assert.equal(first.ids.length, 200);
  assert.equal(first.offs.length, 101);
  assert.equal(first.data.length, expected);
  assert.ok(first.data.buffer === first.ids.buffer && first.offs.buffer === first.ids.buffer, 'one arena chunk');
  assert.ok(nodes[2]!.ids.length > nodes[2]!.count * 2, 'the last node is still growing');
  assert.ok(first.footprint < 100 * 26, `footprint ${first.footprint}`);
  const all = s.entries(StreamId.MIN, StreamId.MAX);
  assert.equal(all.length, 250);
  for (let i = 0; i < 250; i++) {
    assert.equal(all[i]!.id.toString(), `${1700000000000 + Math.floor(i / 3)}-${i % 3}`);
    assert.equal(all[i]!.fields.toString(), resp('field', `value:${i}`));
  }
});

test('node layout: entries with other field names, empty and long strings, 64 KiB+ nodes', () => {
  const s = new Stream({ maxEntries: 0, maxBytes: 0 });
  const big = 'x'.repeat(70000);
  const rows: string[][] = [
    ['a', '1', 'b', '2'],
    ['a', '3', 'b', '4'],
    ['b', '1', 'a', '2'], // same names, other order: stored with its own names
    ['a', '5'],
    ['a', '', 'b', ''],
    ['', 'empty name', 'b', 'v'],
    ['a', big, 'b', 'y'.repeat(200)],
    ['a', '6', 'b', '7'],
    ['c', big],
  ];
  rows.forEach((row, i) => s.append(StreamId.of(10 + i, 0), f(...row)));
  const node = s.nodesForTests()[0]!;
  assert.ok(node.offs instanceof Uint32Array, 'offsets widen past 64 KiB');
  const got = s.entries(StreamId.MIN, StreamId.MAX);
  assert.equal(got.length, rows.length);
  rows.forEach((row, i) => {
    assert.equal(got[i]!.fields.toString(), resp(...row), `row ${i}`);
    assert.deepEqual(decodeFields(got[i]!.fields).map(String), row);
  });
  assert.equal(s.get(StreamId.of(16, 0))!.fields.toString(), resp('a', big, 'b', 'y'.repeat(200)));
});

test('node layout: IDs that do not fit the narrow form widen the node; order and lookups hold', () => {
  const s = new Stream({ maxEntries: 8, maxBytes: 0 });
  const list = [
    '5-1',
    '5-4294967295',
    '5-4294967296', // seq above 32 bits
    '4294967300-0', // ms delta above 2^32 - 1 from 5
    '4294967300-18446744073709551615',
    '9007199254740993-3',
    '18446744073709551614-0',
    '18446744073709551615-7',
    // next node: narrow across a 2^32 ms carry
    '8589934590-0',
  ].map(id);
  // The last one is below the others: build two streams instead.
  const ordered = list.slice(0, 8);
  for (const x of ordered) s.append(x, f('k', x.toString()));
  const node = s.nodesForTests()[0]!;
  assert.equal(node.wide, true);
  assert.deepEqual(ids(s.entries(StreamId.MIN, StreamId.MAX)), ordered.map(String));
  assert.deepEqual(ids(s.entries(StreamId.MIN, StreamId.MAX, 0, true)), ordered.map(String).reverse());
  for (const x of ordered) assert.equal(s.get(x)!.fields.toString(), resp('k', x.toString()));
  assert.equal(s.get(id('5-2')), undefined);
  assert.deepEqual(ids(s.entries(id('5-5'), id('4294967300-1'))), ['5-4294967295', '5-4294967296', '4294967300-0']);

  const c = new Stream({ maxEntries: 100, maxBytes: 0 });
  const carry = ['4294967290-0', '4294967295-9', '4294967296-0', '4294967297-2', '8589934585-0'].map(id);
  for (const x of carry) c.append(x, f('k', 'v'));
  assert.equal(c.nodesForTests()[0]!.wide, false);
  assert.deepEqual(ids(c.entries(StreamId.MIN, StreamId.MAX)), carry.map(String));
  assert.deepEqual(ids(c.entries(id('4294967295-10'), id('4294967297-2'))), ['4294967296-0', '4294967297-2']);
  assert.equal(c.get(id('4294967296-0'))!.id.toString(), '4294967296-0');
  assert.equal(c.get(id('4294967296-1')), undefined);
  assert.equal(c.get(id('0-0')), undefined);
  assert.equal(c.get(StreamId.MAX), undefined);
  // An ID past the narrow range turns the node wide without losing the earlier slots.
  c.append(id('8589934590-0'), f('k', 'w'));
  assert.equal(c.nodesForTests()[0]!.wide, true);
  assert.deepEqual(ids(c.entries(StreamId.MIN, StreamId.MAX)), [...carry.map(String), '8589934590-0']);
});

test('node layout: a sealed node takes entries again when it becomes the last node', () => {
  const s = new Stream({ maxEntries: 4, maxBytes: 0 });
  for (let i = 1; i <= 6; i++) s.append(StreamId.of(i), f('f', `v${i}`));
  for (const x of ['5', '6']) s.delete(id(x));
  assert.equal(s.nodeCount, 1);
  s.delete(id('2'));
  s.limits = { maxEntries: 10, maxBytes: 0 };
  for (let i = 7; i <= 12; i++) s.append(StreamId.of(i), f(i % 2 ? 'f' : 'g', `v${i}`));
  assert.equal(s.nodeCount, 1);
  const got = s.entries(StreamId.MIN, StreamId.MAX);
  assert.deepEqual(ids(got), ['1-0', '3-0', '4-0', '7-0', '8-0', '9-0', '10-0', '11-0', '12-0']);
  assert.equal(got[4]!.fields.toString(), resp('g', 'v8'));
  assert.equal(s.delete(id('8')), true);
  assert.deepEqual(ids(s.entries(id('8'), id('9'))), ['9-0']);
  s.trim({ maxLen: 0 }, false, 0);
  assert.equal(s.nodeCount, 0);
  assert.equal(s.storedBytes, 0);
});

test('node layout: random IDs, fields, deletions and trims match a plain reference', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 20; round++) {
    const s = new Stream({ maxEntries: 1 + rnd(20), maxBytes: rnd(2) ? 0 : 64 + rnd(400) });
    const ref: Array<{ id: StreamId; row: string[] }> = [];
    let last = StreamId.of(rnd(1000), 0);
    for (let i = 0; i < 300; i++) {
      const jump = rnd(10);
      let next: StreamId;
      if (jump === 0) next = StreamId.of(last.ms + BigInt(rnd(3)) * 4294967296n + 1n, BigInt(rnd(3)) << 32n);
      else if (jump < 4) next = last.next()!;
      else next = StreamId.of(last.ms + BigInt(1 + rnd(5000)), rnd(3));
      last = next;
      const row = rnd(4) ? ['name', `v${i}`, 'other', 'x'.repeat(rnd(40))] : ['f' + rnd(3), String(i)];
      s.append(next, f(...row));
      ref.push({ id: next, row });
      if (rnd(8) === 0 && ref.length > 0) {
        const victim = ref.splice(rnd(ref.length), 1)[0]!;
        assert.equal(s.delete(victim.id), true);
      }
    }
    if (round % 2) {
      const keep = rnd(200);
      s.trim({ maxLen: keep }, false, 0);
      ref.splice(0, Math.max(0, ref.length - keep));
    }
    assert.equal(s.length, ref.length);
    assert.equal(s.storedBytes, s.nodesForTests().reduce((sum, n) => sum + n.stored, 0));
    assert.ok(s.storedBytes > 0 || s.length === 0);
    const got = s.entries(StreamId.MIN, StreamId.MAX);
    assert.deepEqual(ids(got), ref.map((e) => e.id.toString()));
    got.forEach((e, i) => assert.deepEqual(decodeFields(e.fields).map(String), ref[i]!.row));
    for (let k = 0; k < 30 && ref.length > 2; k++) {
      const a = rnd(ref.length);
      const b = a + rnd(ref.length - a);
      const want = ref.slice(a, b + 1).map((e) => e.id.toString());
      assert.deepEqual(ids(s.entries(ref[a]!.id, ref[b]!.id)), want);
      assert.deepEqual(ids(s.entries(ref[a]!.id, ref[b]!.id, 0, true)), want.slice().reverse());
      assert.equal(s.get(ref[a]!.id)!.fields.toString(), resp(...ref[a]!.row));
    }
  }
});
