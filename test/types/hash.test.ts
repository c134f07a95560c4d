// types/hash.ts without sockets: the listpack → hashtable conversions Redis 7.0 makes, the encoding
// of a hash whose encoding is not known yet (RDB), COPY's clone and the member index upkeep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hash, encodingOf, hashLimits, setLoadedEncoding, type HashLimits } from '../../src/types/hash.js';
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
