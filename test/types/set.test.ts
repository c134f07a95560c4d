// types/set.ts and types/member-index.ts without sockets: the intset → hashtable conversions Redis
// 7.0 makes, member order, the encoding of a set whose encoding is not known yet (RDB), COPY's
// clone, and the member index behind random picks and SSCAN cursors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemberSet, encodingOf, isIntMember, maxIntsetEntries } from '../../src/types/set.js';
import { MemberIndex, distinctSample, indexOf } from '../../src/types/member-index.js';
import { PACKED_CHARS, PACKED_ITEMS } from '../../src/types/packed.js';

test('a new set is an intset while its members are integers and few (one way)', () => {
  const s = new MemberSet('intset');
  assert.equal(s.addMember('3', 3), true);
  assert.equal(s.addMember('-1', 3), true);
  assert.equal(s.addMember('3', 3), false, 'a member already there');
  assert.equal(s.addMember('9223372036854775807', 3), true);
  assert.equal(s.encoding(3), 'intset', 'exactly set-max-intset-entries members fit');
  assert.equal(s.addMember('4', 3), true);
  assert.equal(s.encoding(3), 'hashtable', 'one member too many converts');
  for (const m of ['3', '-1', '9223372036854775807']) assert.equal(s.removeMember(m), true);
  assert.equal(s.removeMember('3'), false);
  assert.equal(s.encoding(3), 'hashtable', 'a set never converts back');

  const text = new MemberSet('intset');
  text.addMember('1', 512);
  text.addMember('a', 512);
  assert.equal(text.encoding(512), 'hashtable', 'a non-integer member converts');
});

test('which members an intset can hold', () => {
  for (const m of ['0', '-1', '123', '9223372036854775807', '-9223372036854775808']) assert.equal(isIntMember(m), true, m);
  for (const m of ['01', '+1', ' 1', '1.0', '', 'a', '9223372036854775808', '-0']) assert.equal(isIntMember(m), false, m);
});

test('ordered: numeric order for an intset, insertion order for a hashtable', () => {
  const s = new MemberSet('intset');
  for (const m of ['10', '-5', '2', '9223372036854775807', '-9223372036854775808']) s.addMember(m, 512);
  assert.deepEqual(s.ordered(512), ['-9223372036854775808', '-5', '2', '10', '9223372036854775807']);
  s.addMember('x', 512);
  assert.deepEqual(s.ordered(512), ['10', '-5', '2', '9223372036854775807', '-9223372036854775808', 'x']);
});

test('a set of unknown encoding is judged from its contents when first asked, then kept', () => {
  assert.equal(new MemberSet(undefined, ['1', '2']).encoding(512), 'intset');
  assert.equal(new MemberSet(undefined, ['1', 'a']).encoding(512), 'hashtable');
  assert.equal(new MemberSet(undefined, ['01']).encoding(512), 'hashtable', 'non-canonical integers');
  assert.equal(new MemberSet(undefined, ['1', '2', '3']).encoding(2), 'hashtable', 'too many');
  const judged = new MemberSet(undefined, ['1', '2', '3']);
  assert.equal(judged.encoding(512), 'intset');
  assert.equal(judged.encoding(1), 'intset', 'kept once judged');
  // An integer added to an unknown set leaves it unknown; a non-integer makes it a hashtable.
  const unknown = new MemberSet(undefined, ['1']);
  unknown.addMember('2', 512);
  assert.equal(unknown.encoding(1), 'hashtable', 'judged only now, with two members over a limit of 1');
  const converted = new MemberSet(undefined, ['1']);
  converted.addMember('b', 512);
  assert.equal(converted.encoding(512), 'hashtable');
});

test('encodingOf reads set-max-intset-entries', () => {
  const config = { number: (name: string) => (name === 'set-max-intset-entries' ? 2 : NaN) };
  assert.equal(maxIntsetEntries(config), 2);
  assert.equal(encodingOf(new MemberSet(undefined, ['1', '2']), config), 'intset');
  assert.equal(encodingOf(new MemberSet(undefined, ['1', '2', '3']), config), 'hashtable');
});

test('clone copies members and encoding, and shares nothing', () => {
  const s = new MemberSet('intset');
  s.addMember('2', 512);
  s.addMember('1', 512);
  s.addMember('a', 512);
  s.removeMember('a');
  const copy = s.clone();
  assert.ok(copy instanceof MemberSet);
  assert.equal(copy.encoding(512), 'hashtable', 'as Redis: COPY keeps the encoding, not what the contents would get');
  assert.deepEqual(copy.ordered(512), ['2', '1'], 'so the copy keeps insertion order too');
  copy.addMember('3', 512);
  assert.equal(s.has('3'), false);
});

test('removeAll empties the set and drops its index', () => {
  const s = new MemberSet('intset', ['1', '2']);
  indexOf(s);
  assert.notEqual(s.index, undefined);
  s.removeAll();
  assert.equal(s.size, 0);
  assert.equal(s.index, undefined);
});

test('addMember and removeMember keep a built member index in step', () => {
  const s = new MemberSet('intset', ['a', 'b', 'c']);
  const index = indexOf(s);
  s.addMember('d', 512);
  s.removeMember('a');
  assert.equal(indexOf(s), index, 'kept, not rebuilt');
  assert.deepEqual(index.scan(0, 100).members, ['b', 'c', 'd']);
});

test('MemberIndex: a full scan in small steps sees every member present throughout', () => {
  const index = new MemberIndex([]);
  for (let i = 0; i < 300; i++) index.add(`m${i}`);
  const seen = new Set<string>();
  let cursor = 0;
  let step = 0;
  do {
    const page = index.scan(cursor, 7);
    for (const m of page.members) seen.add(m);
    cursor = page.next;
    // Remove members already returned and add new ones while scanning (compaction runs).
    if (step++ < 20) {
      for (const m of page.members) index.remove(m);
      index.add(`new${step}`);
    }
  } while (cursor !== 0);
  for (let i = 0; i < 300; i++) assert.ok(seen.has(`m${i}`), `m${i} returned`);
});

test('MemberIndex: random picks only live members; an empty one refuses', () => {
  const index = new MemberIndex(['a', 'b', 'c']);
  index.remove('b');
  for (let i = 0; i < 200; i++) assert.notEqual(index.random(), 'b');
  index.remove('a');
  index.remove('c');
  assert.equal(index.size, 0);
  assert.throws(() => index.random());
});

test('distinctSample: distinct members of the container, both when close to all and when few', () => {
  const s = new MemberSet(undefined, Array.from({ length: 100 }, (_, i) => `m${i}`));
  for (const count of [0, 1, 5, 33, 34, 99, 100]) {
    const picks = distinctSample(s, count);
    assert.equal(picks.length, count);
    assert.equal(new Set(picks).size, count, 'distinct');
    for (const p of picks) assert.ok(s.has(p));
  }
});

test('the packed form answers as a Set would, through random writes and its conversion', () => {
  let seed = 777;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  const member = () => {
    const r = next() % 10;
    if (r === 0) return '';
    if (r === 1) return String.fromCharCode(...Array.from({ length: next() % 300 }, () => next() & 0xff));
    return `member:${next() % 100}`;
  };
  for (let round = 0; round < 20; round++) {
    const s = new MemberSet('hashtable');
    const model = new Set<string>();
    for (let op = 0; op < 400; op++) {
      const m = member();
      const r = next() % 10;
      if (r < 6) {
        const isNew = !model.has(m);
        model.add(m);
        assert.equal(s.addMember(m, 512), isNew);
      } else if (r < 9) {
        assert.equal(s.removeMember(m), model.delete(m));
      } else {
        assert.equal(s.has(m), model.has(m));
      }
      assert.equal(s.size, model.size);
    }
    assert.deepEqual([...s], [...model]);
    assert.deepEqual(s.members(), [...model]);
  }
});

test('a set is packed up to PACKED_ITEMS members and PACKED_CHARS chars, then a Set in the same order', () => {
  const byCount = new MemberSet('intset');
  for (let i = 0; i < PACKED_ITEMS; i++) byCount.addMember(String(i * 3), 1000);
  assert.equal(byCount.packed, true);
  byCount.addMember('-5', 1000);
  assert.equal(byCount.packed, false);
  assert.equal(byCount.encoding(1000), 'intset', 'the storage does not decide the encoding');
  assert.deepEqual(byCount.ordered(1000).slice(0, 3), ['-5', '0', '3']);
  const byChars = new MemberSet('hashtable');
  byChars.addMember('a', 0);
  byChars.addMember('x'.repeat(PACKED_CHARS - 4), 0);
  assert.equal(byChars.packed, true);
  byChars.addMember('bb', 0);
  assert.equal(byChars.packed, false);
  assert.deepEqual(byChars.members().map((m) => m.length), [1, PACKED_CHARS - 4, 2]);
  // A packed clone shares the string until either side writes; removeAll empties it.
  const small = new MemberSet('intset', ['1', '2']);
  const copy = small.clone();
  copy.addMember('3', 512);
  small.removeAll();
  assert.equal(small.size, 0);
  assert.deepEqual(copy.members(), ['1', '2', '3']);
  assert.ok(copy.storedBytes(() => 0) > small.storedBytes(() => 0));
});
