// List deque: checked against a plain array model under random operations, plus edge cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { List } from '../../src/types/list.js';
import { encodeReply } from '../../src/protocol/writer.js';

const b = (s: string | number) => Buffer.from(String(s));
const strings = (list: List) => list.toArray().map((x) => x.toString());

test('push and pop at both ends, index access', () => {
  const list = new List();
  assert.equal(list.length, 0);
  assert.equal(list.popFront(), undefined);
  assert.equal(list.popBack(), undefined);
  list.pushBack(b('b'));
  list.pushFront(b('a'));
  list.pushBack(b('c'));
  assert.deepEqual(strings(list), ['a', 'b', 'c']);
  assert.equal(list.get(0)!.toString(), 'a');
  assert.equal(list.get(2)!.toString(), 'c');
  assert.equal(list.get(3), undefined);
  assert.equal(list.get(-1), undefined);
  list.set(1, b('B'));
  assert.equal(list.popFront()!.toString(), 'a');
  assert.equal(list.popBack()!.toString(), 'c');
  assert.deepEqual(strings(list), ['B']);
  assert.throws(() => list.set(5, b('x')), RangeError);
});

test('grows past its initial capacity while wrapped around, and shrinks after draining', () => {
  const list = new List();
  for (let i = 0; i < 5; i++) list.pushFront(b(`f${i}`));
  for (let i = 0; i < 5000; i++) list.pushBack(b(i));
  assert.equal(list.length, 5005);
  assert.equal(list.get(0)!.toString(), 'f4');
  assert.equal(list.get(5)!.toString(), '0');
  assert.equal(list.get(5004)!.toString(), '4999');
  for (let i = 0; i < 5000; i++) list.popBack();
  assert.deepEqual(strings(list), ['f4', 'f3', 'f2', 'f1', 'f0']);
});

test('insertAt, removeAt, removeValue, trim and range', () => {
  const list = new List(['a', 'b', 'c', 'd', 'e'].map(b));
  list.insertAt(1, b('x'));
  list.insertAt(5, b('y'));
  list.insertAt(0, b('start'));
  list.insertAt(list.length, b('end'));
  assert.deepEqual(strings(list), ['start', 'a', 'x', 'b', 'c', 'd', 'y', 'e', 'end']);
  assert.equal(list.removeAt(2)!.toString(), 'x');
  assert.equal(list.removeAt(6)!.toString(), 'e');
  assert.equal(list.removeAt(100), undefined);
  assert.deepEqual(strings(list), ['start', 'a', 'b', 'c', 'd', 'y', 'end']);
  assert.deepEqual(list.range(-5, 2).map(String), ['start', 'a', 'b']);
  assert.deepEqual(list.range(5, 100).map(String), ['y', 'end']);
  list.trim(1, 4);
  assert.deepEqual(strings(list), ['a', 'b', 'c', 'd']);
  list.trim(3, 1);
  assert.equal(list.length, 0);

  const r = new List(['a', 'x', 'a', 'y', 'a', 'z', 'a'].map(b));
  assert.equal(r.removeValue(b('a'), 2), 2);
  assert.deepEqual(strings(r), ['x', 'y', 'a', 'z', 'a']);
  assert.equal(r.removeValue(b('a'), -1), 1);
  assert.deepEqual(strings(r), ['x', 'y', 'a', 'z']);
  assert.equal(r.removeValue(b('q'), 0), 0);
  assert.equal(r.removeValue(b('a'), 0), 1);
  assert.deepEqual([...r].map(String), ['x', 'y', 'z']);
});

test('random operations agree with an array model', () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const list = new List();
  const model: string[] = [];
  for (let step = 0; step < 20000; step++) {
    const op = rand(8);
    const v = String(rand(50));
    if (op === 0) (list.pushBack(b(v)), model.push(v));
    else if (op === 1) (list.pushFront(b(v)), model.unshift(v));
    else if (op === 2) assert.equal(list.popFront()?.toString(), model.shift());
    else if (op === 3) assert.equal(list.popBack()?.toString(), model.pop());
    else if (op === 4) {
      const i = rand(model.length + 1);
      list.insertAt(i, b(v));
      model.splice(i, 0, v);
    } else if (op === 5 && model.length > 0) {
      const i = rand(model.length);
      assert.equal(list.removeAt(i)!.toString(), model.splice(i, 1)[0]);
    } else if (op === 6 && model.length > 0) {
      const i = rand(model.length);
      assert.equal(list.get(i)!.toString(), model[i]);
    } else if (op === 7 && rand(20) === 0) {
      const count = rand(5) - 2;
      let removed = 0;
      if (count >= 0) {
        for (let i = 0; i < model.length && (count === 0 || removed < count); ) {
          if (model[i] === v) (model.splice(i, 1), removed++);
          else i++;
        }
      } else {
        for (let i = model.length - 1; i >= 0 && removed < -count; i--) {
          if (model[i] === v) (model.splice(i, 1), removed++);
        }
      }
      assert.equal(list.removeValue(b(v), count), removed);
    }
    assert.equal(list.length, model.length);
  }
  assert.deepEqual(strings(list), model);
});

test('packed chunks: elements of every length class and binary bytes survive every operation', () => {
  // Lengths around the one-byte/long encoding switch (253/254), empty, and larger than a chunk,
  // with bytes 0, 253, 254 and 255 inside (they are also the length markers).
  const sizes = [0, 1, 2, 253, 254, 255, 300, 4000, 9000, 20000];
  let seed = 777;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const make = () => {
    const len = rand(4) === 0 ? sizes[rand(sizes.length)]! : rand(40);
    const buf = Buffer.alloc(len);
    for (let i = 0; i < len; i++) buf[i] = [0, 253, 254, 255, 10, 13][rand(6)]! ^ (i & 1);
    return buf;
  };
  const list = new List();
  const model: Buffer[] = [];
  const same = () => {
    assert.equal(list.length, model.length);
    assert.deepEqual(list.toArray(), model);
    assert.deepEqual([...list], model);
  };
  for (let step = 0; step < 6000; step++) {
    const op = rand(11);
    const v = make();
    if (op <= 1) (list.pushBack(v), model.push(v));
    else if (op === 2) (list.pushFront(v), model.unshift(v));
    else if (op === 3) assert.deepEqual(list.popFront(), model.shift());
    else if (op === 4) assert.deepEqual(list.popBack(), model.pop());
    else if (op === 5) {
      const i = rand(model.length + 1);
      list.insertAt(i, v);
      model.splice(i, 0, v);
    } else if (op === 6 && model.length > 0) {
      const i = rand(model.length);
      list.set(i, v);
      model[i] = v;
    } else if (op === 7 && model.length > 0) {
      const i = rand(model.length);
      assert.deepEqual(list.removeAt(i), model.splice(i, 1)[0]);
    } else if (op === 8 && model.length > 0) {
      // Sequential access both ways goes through the remembered cursor.
      for (let i = 0; i < model.length; i += 1 + rand(3)) assert.deepEqual(list.get(i), model[i]);
      for (let i = model.length - 1; i >= 0; i -= 1 + rand(3)) assert.deepEqual(list.get(i), model[i]);
    } else if (op === 9 && rand(30) === 0 && model.length > 2) {
      const from = rand(3);
      const to = model.length - 1 - rand(3);
      list.trim(from, to);
      model.splice(to + 1);
      model.splice(0, from);
    } else if (op === 10 && model.length > 0) {
      const from = rand(model.length);
      const to = from + rand(50);
      assert.deepEqual(list.range(from, to), model.slice(from, to + 1));
    }
    if (step % 97 === 0) same();
  }
  same();
  const copy = list.clone();
  list.clear();
  assert.deepEqual(copy.toArray(), model);
});

test('scan visits elements in order from either end, with a limit and an early stop', () => {
  const list = new List();
  for (let i = 0; i < 5000; i++) list.pushBack(b(i % 7));
  const forward: number[] = [];
  list.scan(false, Infinity, (e, i) => (e.toString() === '3' && forward.push(i), forward.length < 4));
  assert.deepEqual(forward, [3, 10, 17, 24]);
  const backward: number[] = [];
  list.scan(true, 20, (e, i) => (e.toString() === '3' && backward.push(i), true));
  // Indexes 4999..4980: 4998 is a multiple of 7, so the 3s are at 4994, 4987, 4980.
  assert.deepEqual(backward, [4994, 4987, 4980]);
});

test('replies straight from the chunks: rangeReply is the RESP of range(), pops for replies give short elements as latin1 strings', () => {
  const list = new List();
  // Lengths around the string/Buffer boundary (32), the short/long element encoding (253/254) and
  // binary bytes, over several chunks.
  const lengths = [0, 1, 3, 31, 32, 33, 200, 253, 254, 255, 1000, 5000];
  for (let i = 0; i < 60; i++) {
    const n = lengths[i % lengths.length]!;
    const value = Buffer.alloc(n);
    for (let k = 0; k < n; k++) value[k] = (i * 31 + k * 7) & 0xff;
    if (i % 2) list.pushBack(value);
    else list.pushFront(value);
  }
  for (const [from, to] of [[0, 59], [0, 0], [59, 59], [3, 17], [20, 58]] as const) {
    const raw = list.rangeReply(from, to);
    assert.ok(raw !== undefined);
    assert.deepEqual(raw, encodeReply(list.range(from, to), 2), `range ${from}..${to}`);
    assert.deepEqual(raw, encodeReply(list.range(from, to), 3));
  }
  const big = new List();
  for (let i = 0; i < 20; i++) big.pushBack(Buffer.alloc(4000, 0x61));
  assert.equal(big.rangeReply(0, 19), undefined, 'past 64 KiB the caller takes range()');
  assert.ok(big.rangeReply(0, 9) !== undefined);
  const model = list.toArray();
  for (let i = 0; i < 60; i++) {
    const fromFront = i % 3 === 0;
    const expected = fromFront ? model.shift()! : model.pop()!;
    const got = fromFront ? list.popFrontOut() : list.popBackOut();
    if (expected.length <= 32) assert.equal(got, expected.toString('latin1'));
    else assert.deepEqual(got, expected);
    assert.equal(list.length, model.length);
  }
  assert.equal(list.popFrontOut(), undefined);
  assert.equal(list.popBackOut(), undefined);
});
