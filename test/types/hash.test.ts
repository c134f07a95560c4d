// types/hash.ts without sockets: the listpack → hashtable conversions Redis 7.0 makes, the encoding
// of a hash whose encoding is not known yet (RDB), COPY's clone and the member index upkeep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hash, encodingOf, hashLimits, setLoadedEncoding, type HashLimits } from '../../src/types/hash.js';
import { PACKED_CHARS, PACKED_ITEMS as PACKED_FIELDS } from '../../src/types/packed.js';
import { indexOf } from '../../src/types/member-index.js';

const LIMITS: HashLimits = { entries: 4, value: 8 };

test('a new hash is a listpack until it has too many fields (one way)', () => {
  const h = new Hash('listpack');
  assert.equal(h.encoding(LIMITS), 'listpack');
  for (let i = 0; i < 4; i++) assert.equal(h.setField(`f${i}`, 'v', LIMITS), true);
  assert.equal(h.encoding(LIMITS), 'listpack', 'exactly hash-max-listpack-entries fields fit');
  assert.equal(h.setField('f0', 'again', LIMITS), false, 'overwriting is not a new field');
  assert.equal(h.encoding(LIMITS), 'listpack');
  assert.equal(h.setField('f4', 'v', LIMITS), true);
  assert.equal(h.encoding(LIMITS), 'hashtable', 'one field too many converts');
  for (let i = 0; i < 5; i++) h.deleteField(`f${i}`);
  assert.equal(h.size, 0);
  assert.equal(h.encoding(LIMITS), 'hashtable', 'a hash never converts back');
});

test('a field or value longer than hash-max-listpack-value converts', () => {
  const byValue = new Hash('listpack');
  byValue.setField('f', '12345678', LIMITS);
  assert.equal(byValue.encoding(LIMITS), 'listpack', 'exactly the limit fits');
  byValue.setField('g', '123456789', LIMITS);
  assert.equal(byValue.encoding(LIMITS), 'hashtable');
  const byField = new Hash('listpack');
  byField.setField('123456789', 'v', LIMITS);
  assert.equal(byField.encoding(LIMITS), 'hashtable');
  // A long value that is overwritten by a short one leaves the hash a hashtable.
  const overwritten = new Hash('listpack');
  overwritten.setField('f', 'x'.repeat(20), LIMITS);
  overwritten.setField('f', 'x', LIMITS);
  assert.equal(overwritten.encoding(LIMITS), 'hashtable');
});

test('a hash of unknown encoding is judged from its contents when first asked, then kept', () => {
  assert.equal(new Hash(undefined, [['f', 'v']]).encoding(LIMITS), 'listpack');
  assert.equal(new Hash(undefined, [['f', 'x'.repeat(9)]]).encoding(LIMITS), 'hashtable');
  const many = new Hash(undefined, [1, 2, 3, 4, 5].map((i) => [`f${i}`, 'v'] as [string, string]));
  assert.equal(many.encoding(LIMITS), 'hashtable');
  // Once judged, later limits do not change it (Redis converts only on a write).
  const judged = new Hash(undefined, [['f', 'v']]);
  assert.equal(judged.encoding(LIMITS), 'listpack');
  assert.equal(judged.encoding({ entries: 0, value: 0 }), 'listpack');
  // A write into an unknown hash judges it with the new field in it.
  const unknown = new Hash(undefined, [['f', 'v']]);
  unknown.setField('long', 'x'.repeat(9), LIMITS);
  assert.equal(unknown.encoding(LIMITS), 'hashtable');
});

test('a hash loaded from a listpack keeps the encoding it was given, even with long values', () => {
  const h = new Hash(undefined, [['f', 'x'.repeat(100)]]);
  setLoadedEncoding(h, 'listpack');
  assert.equal(h.encoding(LIMITS), 'listpack');
  h.setField('g', 'short', LIMITS);
  assert.equal(h.encoding(LIMITS), 'listpack', 'a short write does not convert it');
  h.setField('h', 'x'.repeat(9), LIMITS);
  assert.equal(h.encoding(LIMITS), 'hashtable', 'a long write does');
});

test('encodingOf and hashLimits read the two settings', () => {
  const settings = new Map([
    ['hash-max-listpack-entries', 1],
    ['hash-max-listpack-value', 3],
  ]);
  const config = { number: (name: string) => settings.get(name)! };
  assert.deepEqual(hashLimits(config), { entries: 1, value: 3 });
  assert.equal(encodingOf(new Hash(undefined, [['f', 'abc']]), config), 'listpack');
  assert.equal(encodingOf(new Hash(undefined, [['f', 'abcd']]), config), 'hashtable');
  assert.equal(encodingOf(new Hash(undefined, [['f', 'a'], ['g', 'b']]), config), 'hashtable');
});

test('clone copies fields, order and encoding, and shares nothing', () => {
  const h = new Hash('listpack');
  h.setField('b', '1', LIMITS);
  h.setField('a', '2', LIMITS);
  h.setField('long', 'x'.repeat(9), LIMITS);
  h.deleteField('long');
  assert.equal(h.encoding(LIMITS), 'hashtable');
  const copy = h.clone();
  assert.ok(copy instanceof Hash);
  assert.deepEqual([...copy], [['b', '1'], ['a', '2']]);
  assert.equal(copy.encoding(LIMITS), 'hashtable', 'as Redis: COPY keeps the encoding, not what the contents would get');
  copy.setField('c', '3', LIMITS);
  assert.equal(h.has('c'), false);
  // An unknown encoding stays unknown in the copy.
  const unknown = new Hash(undefined, [['f', 'v']]).clone();
  assert.equal(unknown.encoding({ entries: 0, value: 0 }), 'hashtable');
});

test('setField and deleteField keep a built member index in step', () => {
  const h = new Hash('listpack');
  for (let i = 0; i < 3; i++) h.setField(`f${i}`, 'v', LIMITS);
  assert.equal(h.index, undefined, 'no index until something needs one');
  const index = indexOf(h);
  assert.equal(h.index, index);
  h.setField('f3', 'v', LIMITS);
  h.setField('f0', 'w', LIMITS);
  assert.equal(h.deleteField('f1'), true);
  assert.equal(h.deleteField('nope'), false);
  assert.equal(indexOf(h), index, 'kept, not rebuilt');
  assert.deepEqual(index.scan(0, 100).members.sort(), ['f0', 'f2', 'f3']);
  // A change behind the index's back (a plain Map.set) makes indexOf rebuild it.
  h.set('f9', 'v');
  const rebuilt = indexOf(h);
  assert.notEqual(rebuilt, index);
  assert.deepEqual(rebuilt.scan(0, 100).members.sort(), ['f0', 'f2', 'f3', 'f9']);
});

/** A field or value of `length` bytes from a seeded generator, over all 256 byte values. */
function bytes(next: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(next() & 0xff);
  return out;
}

test('the packed form answers as a Map would, through random writes and its conversion', () => {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  // Lengths around the varint steps (127/128 chars, 16383/16384) and empty strings.
  const lengths = [0, 1, 5, 13, 127, 128, 300, 16383, 16384];
  for (let round = 0; round < 20; round++) {
    const h = new Hash('listpack');
    const model = new Map<string, string>();
    const names = Array.from({ length: 90 }, (_, i) => (i % 7 === 0 ? bytes(next, next() % 20) : `field:${i}`));
    for (let op = 0; op < 400; op++) {
      const field = names[next() % names.length]!;
      const r = next() % 10;
      if (r < 6) {
        const value = next() % 50 === 0 ? bytes(next, lengths[next() % lengths.length]!) : bytes(next, next() % 40);
        // A Map keeps the place of an overwritten key, as the packed string does.
        assert.equal(h.set(field, value), !model.has(field));
        model.set(field, value);
      } else if (r < 9) {
        assert.equal(h.delete(field), model.delete(field));
      } else {
        assert.equal(h.get(field), model.get(field));
        assert.equal(h.has(field), model.has(field));
      }
      assert.equal(h.size, model.size);
    }
    assert.deepEqual([...h], [...model]);
    assert.deepEqual([...h.keys()], [...model.keys()]);
    assert.deepEqual([...h.values()], [...model.values()]);
    assert.deepEqual(h.flat(), [...model].flat());
    for (const [field, value] of model) assert.equal(h.get(field), value);
  }
});

test('a hash is packed up to PACKED_FIELDS fields and PACKED_CHARS chars, then a Map in the same order', () => {
  const LARGE: HashLimits = { entries: 1000, value: 1000 };
  const byCount = new Hash('listpack');
  for (let i = 0; i < PACKED_FIELDS; i++) byCount.setField(`f${i}`, `v${i}`, LARGE);
  assert.equal(byCount.packed, true);
  byCount.setField('last', 'v', LARGE);
  assert.equal(byCount.packed, false);
  assert.equal(byCount.encoding(LARGE), 'listpack', 'the storage does not decide the encoding');
  assert.deepEqual([...byCount.keys()].slice(0, 3), ['f0', 'f1', 'f2']);
  assert.equal([...byCount.keys()].at(-1), 'last');
  byCount.deleteField('last');
  assert.equal(byCount.packed, false, 'one way');

  const byChars = new Hash('listpack');
  byChars.setField('a', '1', LARGE);
  byChars.setField('b', 'x'.repeat(PACKED_CHARS - 10), LARGE);
  assert.equal(byChars.packed, true);
  // Growing a value in place past the limit converts too, keeping its place.
  byChars.setField('a', 'y'.repeat(20), LARGE);
  assert.equal(byChars.packed, false);
  assert.deepEqual([...byChars.keys()], ['a', 'b']);
  assert.equal(byChars.get('a'), 'y'.repeat(20));
});

test('a packed hash keeps its count and encoding in its string; an index moves it to the table form', () => {
  const h = new Hash(undefined, [['f', 'v']]);
  assert.equal(h.packed, true);
  assert.equal(h.size, 1);
  assert.equal(h.encoding(LIMITS), 'listpack');
  for (let i = 0; i < PACKED_FIELDS - 1; i++) h.setField(`g${i}`, 'v', { entries: 1000, value: 1000 });
  assert.equal(h.packed, true);
  assert.equal(h.size, PACKED_FIELDS);
  h.setEncoding('hashtable');
  assert.equal(h.encoding(LIMITS), 'hashtable');
  assert.equal(h.size, PACKED_FIELDS);
  assert.equal(h.deleteField('f'), true);
  assert.equal(h.size, PACKED_FIELDS - 1);
  assert.equal(h.encoding(LIMITS), 'hashtable');
  assert.equal(h.index, undefined);
  const index = indexOf(h);
  assert.equal(h.packed, false);
  assert.equal(h.index, index);
  assert.equal(index.size, PACKED_FIELDS - 1);
  assert.equal(h.encoding(LIMITS), 'hashtable', 'the encoding goes with the fields');
});

test('a packed clone shares the string until either side writes', () => {
  const h = new Hash('listpack');
  h.setField('a', '1', LIMITS);
  const copy = h.clone();
  copy.setField('a', '2', LIMITS);
  h.deleteField('a');
  assert.equal(copy.get('a'), '2');
  assert.equal(h.size, 0);
  assert.equal(h.get('a'), undefined);
});

test('storedBytes follows the packed string, and samples a Map', () => {
  const h = new Hash('listpack');
  const empty = h.storedBytes(() => 0);
  h.setField('field', 'value', LIMITS);
  assert.ok(h.storedBytes(() => 0) > empty);
  const big = new Hash('hashtable');
  for (let i = 0; i < PACKED_FIELDS + 1; i++) big.setField(`f${i}`, 'v', LIMITS);
  assert.equal(big.storedBytes((map) => map.size * 100), 32 + 48 + (PACKED_FIELDS + 1) * 100);
});

test('setFields (HSET of many pairs) ends as setField on each pair would: contents, order, encoding, index', () => {
  let seed = 99;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  const limits: HashLimits = { entries: 80, value: 20 };
  for (let round = 0; round < 200; round++) {
    const a = new Hash('listpack');
    const b = new Hash('listpack');
    indexOf(a);
    for (let op = 0; op < 6; op++) {
      const pairs: string[] = [];
      const n = 1 + (next() % 30);
      for (let i = 0; i < n; i++) pairs.push(`f${next() % 90}`, 'v'.repeat(next() % (round % 2 ? 22 : 18)));
      let added = 0;
      for (let i = 0; i < pairs.length; i += 2) if (b.setField(pairs[i]!, pairs[i + 1]!, limits)) added++;
      assert.equal(a.setFields(pairs, limits), added);
      assert.deepEqual(a.flat(), b.flat());
      assert.equal(a.encoding(limits), b.encoding(limits));
      // A hash with a member index is kept in the table form (the packed string has no room for one).
      assert.equal(a.packed, false);
      assert.equal(a.index!.size, a.size, 'the index follows new fields');
    }
  }
});
