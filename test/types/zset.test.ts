import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SortedSet,
  lexRangeEmpty,
  scoreRangeEmpty,
  type LexBound,
  type LexRange,
  type ScoreRange,
} from '../../src/types/zset.js';

/** Small deterministic PRNG so a failing seed can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pair = { member: string; score: number };

function sortNaive(pairs: Pair[]): Pair[] {
  return [...pairs].sort((a, b) =>
    a.score !== b.score ? (a.score < b.score ? -1 : 1) : a.member < b.member ? -1 : a.member > b.member ? 1 : 0,
  );
}

function contents(z: SortedSet): Pair[] {
  return [...z].map((n) => ({ member: n.member, score: n.score }));
}

function inScore(score: number, r: ScoreRange): boolean {
  return (r.minExclusive ? score > r.min : score >= r.min) && (r.maxExclusive ? score < r.max : score <= r.max);
}

function inLex(member: string, r: LexRange): boolean {
  const aboveMin = r.min.kind === 'min' || (r.min.kind === 'value' && (r.min.exclusive ? member > r.min.value : member >= r.min.value));
  const belowMax = r.max.kind === 'max' || (r.max.kind === 'value' && (r.max.exclusive ? member < r.max.value : member <= r.max.value));
  return aboveMin && belowMax;
}

/** Compare every rank-based and range-based query against the naive sorted array. */
function checkAgainst(z: SortedSet, naive: Map<string, number>, rand: () => number, scorePool: number[], memberPool: string[]) {
  const sorted = sortNaive([...naive].map(([member, score]) => ({ member, score })));
  assert.equal(z.size, sorted.length);
  assert.deepEqual(contents(z), sorted);
  // Backward links mirror forward links.
  const backwards: string[] = [];
  for (let n = z.last; n !== null; n = n.predecessor) backwards.push(n.member);
  assert.deepEqual(backwards, sorted.map((p) => p.member).reverse());
  const forwards: string[] = [];
  for (let n = z.first; n !== null; n = n.successor) forwards.push(n.member);
  assert.deepEqual(forwards, sorted.map((p) => p.member));
  // Walks and slices from a random rank, both directions.
  if (sorted.length > 0) {
    const start = Math.floor(rand() * sorted.length);
    const count = 1 + Math.floor(rand() * 200);
    assert.deepEqual(z.slice(start, count), sorted.slice(start, start + count));
    assert.deepEqual(z.slice(start, count, true), sorted.slice(Math.max(0, start - count + 1), start + 1).reverse());
    let visited = 0;
    z.walk(start, false, () => ++visited < 3);
    assert.equal(visited, Math.min(3, sorted.length - start));
  }
  assert.deepEqual(z.slice(sorted.length, 5), []);
  for (let i = 0; i < sorted.length; i++) {
    assert.equal(z.at(i)?.member, sorted[i].member, `at(${i})`);
    assert.equal(z.rank(sorted[i].member), i, `rank(${sorted[i].member})`);
    assert.equal(z.score(sorted[i].member), sorted[i].score);
  }
  assert.equal(z.at(sorted.length), null);
  assert.equal(z.at(-1), null);
  assert.equal(z.rank('absent-member'), undefined);
  for (let q = 0; q < 5; q++) {
    const a = scorePool[Math.floor(rand() * scorePool.length)];
    const b = scorePool[Math.floor(rand() * scorePool.length)];
    const range: ScoreRange = { min: Math.min(a, b), max: Math.max(a, b), minExclusive: rand() < 0.5, maxExclusive: rand() < 0.5 };
    const ranks = sorted.flatMap((p, i) => (inScore(p.score, range) ? [i] : []));
    assert.equal(z.firstInScoreRange(range), ranks.length ? ranks[0] : -1, JSON.stringify(range));
    assert.equal(z.lastInScoreRange(range), ranks.length ? ranks[ranks.length - 1] : -1);
    assert.equal(z.countInScoreRange(range), ranks.length);
  }
  // Lex queries are compared only when all scores are equal (the case Redis defines).
  if (sorted.length > 0 && sorted.every((p) => p.score === sorted[0].score)) {
    for (let q = 0; q < 5; q++) {
      const bound = (side: 'min' | 'max'): LexBound => {
        const r = rand();
        if (r < 0.1) return { kind: side };
        if (r < 0.15) return { kind: side === 'min' ? 'max' : 'min' };
        return { kind: 'value', value: memberPool[Math.floor(rand() * memberPool.length)], exclusive: rand() < 0.5 };
      };
      const range: LexRange = { min: bound('min'), max: bound('max') };
      const ranks = sorted.flatMap((p, i) => (inLex(p.member, range) ? [i] : []));
      assert.equal(z.firstInLexRange(range), ranks.length ? ranks[0] : -1, JSON.stringify(range));
      assert.equal(z.lastInLexRange(range), ranks.length ? ranks[ranks.length - 1] : -1);
      assert.equal(z.countInLexRange(range), ranks.length);
    }
  }
}

test('empty set', () => {
  const z = new SortedSet();
  assert.equal(z.size, 0);
  assert.equal(z.first, null);
  assert.equal(z.last, null);
  assert.equal(z.at(0), null);
  assert.equal(z.rank('a'), undefined);
  assert.equal(z.score('a'), undefined);
  assert.equal(z.delete('a'), false);
  assert.equal(z.firstInScoreRange({ min: -Infinity, max: Infinity, minExclusive: false, maxExclusive: false }), -1);
  assert.equal(z.countInLexRange({ min: { kind: 'min' }, max: { kind: 'max' } }), 0);
  assert.deepEqual(z.deleteRankRange(0, 10), []);
});

test('orders by score, then by member bytes, with infinities', () => {
  const z = new SortedSet();
  assert.equal(z.set('b', 1), true);
  assert.equal(z.set('a', 1), true);
  assert.equal(z.set('\xff', -Infinity), true);
  assert.equal(z.set('\x00', Infinity), true);
  assert.equal(z.set('ab', 1), true);
  assert.equal(z.set('a\x00', 1), true);
  assert.deepEqual(
    contents(z).map((p) => p.member),
    ['\xff', 'a', 'a\x00', 'ab', 'b', '\x00'],
  );
  assert.equal(z.first?.score, -Infinity);
  assert.equal(z.last?.score, Infinity);
});

test('updating a score moves the member and reports not-new', () => {
  const z = new SortedSet();
  z.set('a', 1);
  z.set('b', 2);
  z.set('c', 3);
  assert.equal(z.set('a', 10), false);
  assert.deepEqual(contents(z).map((p) => p.member), ['b', 'c', 'a']);
  assert.equal(z.set('a', 2.5), false);
  assert.deepEqual(contents(z).map((p) => p.member), ['b', 'a', 'c']);
  assert.equal(z.rank('a'), 1);
  // Updating in place (neighbours still bracket it) keeps ranks right.
  assert.equal(z.set('a', 2.75), false);
  assert.equal(z.rank('a'), 1);
  assert.equal(z.score('a'), 2.75);
});

test('0 and -0 are the same score and the stored one is kept', () => {
  const z = new SortedSet('skiplist');
  z.set('a', 0);
  assert.equal(z.set('a', -0), false);
  assert.ok(Object.is(z.score('a'), 0));
});

test('deleteRankRange removes a contiguous block', () => {
  const z = new SortedSet();
  for (let i = 0; i < 20; i++) z.set(`m${String(i).padStart(2, '0')}`, i);
  const removed = z.deleteRankRange(5, 9).map((n) => n.member);
  assert.deepEqual(removed, ['m05', 'm06', 'm07', 'm08', 'm09']);
  assert.equal(z.size, 15);
  assert.equal(z.at(5)?.member, 'm10');
  assert.equal(z.rank('m19'), 14);
  assert.deepEqual(z.deleteRankRange(14, 100).map((n) => n.member), ['m19']);
  assert.equal(z.last?.member, 'm18');
});

test('empty-range detection', () => {
  const sr = (min: number, max: number, minExclusive = false, maxExclusive = false) => ({ min, max, minExclusive, maxExclusive });
  assert.equal(scoreRangeEmpty(sr(1, 1)), false);
  assert.equal(scoreRangeEmpty(sr(1, 1, true)), true);
  assert.equal(scoreRangeEmpty(sr(2, 1)), true);
  assert.equal(scoreRangeEmpty(sr(-Infinity, Infinity)), false);
  const v = (value: string, exclusive = false): LexBound => ({ kind: 'value', value, exclusive });
  assert.equal(lexRangeEmpty({ min: { kind: 'min' }, max: { kind: 'max' } }), false);
  assert.equal(lexRangeEmpty({ min: { kind: 'min' }, max: { kind: 'min' } }), true);
  assert.equal(lexRangeEmpty({ min: { kind: 'max' }, max: { kind: 'max' } }), true);
  assert.equal(lexRangeEmpty({ min: { kind: 'max' }, max: { kind: 'min' } }), true);
  assert.equal(lexRangeEmpty({ min: v('a'), max: { kind: 'max' } }), false);
  assert.equal(lexRangeEmpty({ min: { kind: 'max' }, max: v('a') }), true);
  assert.equal(lexRangeEmpty({ min: v('a'), max: v('a') }), false);
  assert.equal(lexRangeEmpty({ min: v('a', true), max: v('a') }), true);
  assert.equal(lexRangeEmpty({ min: v('b'), max: v('a') }), true);
});

test('lex ranges with mixed scores follow the listpack scan', () => {
  // Order by score: c(1) a(2) b(3). Redis's small-set scan (checked on redis-server 7.0) gives up
  // when the first member is above max or the last below min, starts at the first member >= min
  // and continues while members are <= max.
  const z = new SortedSet();
  z.set('c', 1);
  z.set('a', 2);
  z.set('b', 3);
  const v = (value: string): LexBound => ({ kind: 'value', value, exclusive: false });
  const aToB: LexRange = { min: v('a'), max: v('b') };
  assert.equal(z.firstInLexRange(aToB), -1);
  assert.equal(z.lastInLexRange(aToB), -1);
  assert.equal(z.countInLexRange(aToB), 0);
  const fromB: LexRange = { min: v('b'), max: { kind: 'max' } };
  // 'c' (rank 0) is >= 'b', so the scan starts there and runs to the end.
  assert.equal(z.firstInLexRange(fromB), 0);
  assert.equal(z.countInLexRange(fromB), 3);
  // Backwards from the tail: 'b' is the last member <= max and it is >= min.
  assert.equal(z.lastInLexRange(fromB), 2);
});

test('encoding converts once and never back', () => {
  const limits = { maxEntries: 3, maxValue: 5 };
  const z = new SortedSet();
  z.set('a', 1, limits);
  assert.equal(z.encoding, 'listpack');
  z.set('bbbbbb', 2, limits);
  assert.equal(z.encoding, 'skiplist');
  z.delete('bbbbbb');
  z.set('c', 2, limits);
  assert.equal(z.encoding, 'skiplist');
  const y = new SortedSet();
  for (let i = 0; i < 3; i++) y.set(String(i), i, limits);
  assert.equal(y.encoding, 'listpack');
  y.set('3', 3, limits);
  assert.equal(y.encoding, 'skiplist');
  assert.equal(y.clone().encoding, 'skiplist');
  // Updating an existing member never converts.
  const x = new SortedSet();
  x.set('a', 1, { maxEntries: 1, maxValue: 64 });
  x.set('a', 2, { maxEntries: 1, maxValue: 64 });
  assert.equal(x.encoding, 'listpack');
});

test('a listpack stores -0 as 0, a skip list keeps the sign', () => {
  const lp = new SortedSet();
  lp.set('a', -0);
  lp.set('b', 1);
  lp.set('b', -0);
  assert.ok(Object.is(lp.score('a'), 0));
  assert.ok(Object.is(lp.score('b'), 0));
  const sl = new SortedSet('skiplist');
  sl.set('a', -0);
  assert.ok(Object.is(sl.score('a'), -0));
  sl.compactIfFits({ maxEntries: 128, maxValue: 64 });
  assert.equal(sl.encoding, 'listpack');
  assert.ok(Object.is(sl.score('a'), 0));
  const big = new SortedSet('skiplist');
  big.set('long-member', 1);
  big.compactIfFits({ maxEntries: 128, maxValue: 4 });
  assert.equal(big.encoding, 'skiplist');
});

test('clone is independent', () => {
  const z = new SortedSet();
  z.set('a', 1);
  z.set('b', 2);
  const c = z.clone();
  c.set('a', 3);
  c.delete('b');
  assert.deepEqual(contents(z), [
    { member: 'a', score: 1 },
    { member: 'b', score: 2 },
  ]);
  assert.deepEqual(contents(c), [{ member: 'a', score: 3 }]);
});

for (const seed of [1, 2, 3, 42, 1234]) {
  test(`randomized operations match a naive sorted array (seed ${seed})`, () => {
    const rand = mulberry32(seed);
    const z = new SortedSet();
    const naive = new Map<string, number>();
    const memberPool = Array.from({ length: 60 }, (_, i) => String.fromCharCode(97 + (i % 26)) + (i >= 26 ? String.fromCharCode(i * 5) : ''));
    // Few distinct scores so ties (member ordering) are common; all-equal phases exercise lex search.
    const scorePool = [-Infinity, -3, -1.5, 0, 0.1, 1, 2, 7, Infinity];
    const uniform = seed % 2 === 0;
    for (let step = 0; step < 1500; step++) {
      const r = rand();
      const member = memberPool[Math.floor(rand() * memberPool.length)];
      const score = uniform ? 5 : scorePool[Math.floor(rand() * scorePool.length)];
      if (r < 0.55) {
        assert.equal(z.set(member, score), !naive.has(member));
        naive.set(member, score);
      } else if (r < 0.85) {
        assert.equal(z.delete(member), naive.delete(member));
      } else if (r < 0.9 && naive.size > 0) {
        const sorted = sortNaive([...naive].map(([m, s]) => ({ member: m, score: s })));
        const a = Math.floor(rand() * sorted.length);
        const b = Math.min(sorted.length - 1, a + Math.floor(rand() * 5));
        const removed = z.deleteRankRange(a, b).map((n) => n.member);
        assert.deepEqual(removed, sorted.slice(a, b + 1).map((p) => p.member));
        for (const m of removed) naive.delete(m);
      }
      if (step % 25 === 0) checkAgainst(z, naive, rand, scorePool, memberPool);
    }
    checkAgainst(z, naive, rand, scorePool, memberPool);
  });
}

test('large set: rank and at stay consistent', () => {
  const rand = mulberry32(99);
  const z = new SortedSet();
  const n = 20000;
  for (let i = 0; i < n; i++) z.set(`k${i}`, Math.floor(rand() * 1000));
  for (let i = 0; i < n; i += 2) z.delete(`k${i}`);
  assert.equal(z.size, n / 2);
  let rank = 0;
  let prev: { member: string; score: number } | undefined;
  for (const node of z) {
    if (prev !== undefined) assert.ok(prev.score < node.score || (prev.score === node.score && prev.member < node.member));
    if (rank % 97 === 0) {
      assert.equal(z.rank(node.member), rank);
      assert.equal(z.at(rank)?.member, node.member);
    }
    prev = node;
    rank++;
  }
  assert.equal(rank, n / 2);
});

for (const seed of [7, 8]) {
  test(`randomized growth and shrinking over many tree nodes (seed ${seed})`, () => {
    // Thousands of members so leaves and inner nodes split, merge and disappear.
    const rand = mulberry32(seed);
    const z = new SortedSet('skiplist');
    const naive = new Map<string, number>();
    const memberPool = Array.from({ length: 12000 }, (_, i) => `m${i}`);
    const scorePool = [-Infinity, -2, -1, 0, 0.5, 1, 3, 10, Infinity];
    const uniform = seed % 2 === 0;
    const phase = (steps: number, addBias: number) => {
      for (let step = 0; step < steps; step++) {
        const member = memberPool[Math.floor(rand() * memberPool.length)]!;
        const score = uniform ? 1 : scorePool[Math.floor(rand() * scorePool.length)]!;
        if (rand() < addBias) {
          assert.equal(z.set(member, score), !naive.has(member));
          naive.set(member, score);
        } else if (rand() < 0.9) {
          assert.equal(z.delete(member), naive.delete(member));
        } else if (naive.size > 0) {
          const start = Math.floor(rand() * naive.size);
          const removed = z.deleteRankRange(start, start + Math.floor(rand() * 300));
          for (const e of removed) assert.ok(naive.delete(e.member));
        }
      }
      checkAgainst(z, naive, rand, scorePool, memberPool);
    };
    phase(15000, 0.9); // grow to several thousand members
    phase(5000, 0.5);
    phase(20000, 0.1); // shrink: thin nodes merge, empty ones go
    phase(5000, 0.9);
    for (const member of [...naive.keys()]) {
      z.delete(member);
      naive.delete(member);
    }
    checkAgainst(z, naive, rand, scorePool, memberPool);
    assert.equal(z.first, null);
  });
}

test('draining a large set in random order keeps every query right', () => {
  // 8000 members make a three-level tree; draining it merges leaves and inner nodes.
  const rand = mulberry32(31);
  const z = new SortedSet('skiplist');
  const naive = new Map<string, number>();
  const scorePool = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const memberPool: string[] = [];
  for (let i = 0; i < 8000; i++) {
    const member = `m${i}`;
    memberPool.push(member);
    z.set(member, i % 9);
    naive.set(member, i % 9);
  }
  const order = [...memberPool];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let next = 0;
  for (const target of [6000, 3000, 1500, 800, 300, 60, 0]) {
    while (naive.size > target) {
      const member = order[next++]!;
      assert.equal(z.delete(member), true);
      naive.delete(member);
      // Interleave a few inserts at fresh scores so routing keys are exercised after merges.
      if (next % 50 === 0) {
        const extra = `x${next}`;
        z.set(extra, (next % 17) / 2);
        naive.set(extra, (next % 17) / 2);
        order.push(extra);
      }
    }
    checkAgainst(z, naive, rand, scorePool, memberPool);
    // A copy (built bottom-up) answers the same and stays correct under further changes.
    const copy = z.clone();
    checkAgainst(copy, naive, rand, scorePool, memberPool);
    copy.set('fresh', 4.5);
    copy.delete(order[next] ?? 'none');
    assert.equal(copy.rank('fresh'), [...copy].findIndex((e) => e.member === 'fresh'));
  }
});

test('fromMap builds the same set as inserting one by one', () => {
  const rand = mulberry32(5);
  for (const n of [0, 1, 47, 48, 49, 3000]) {
    const map = new Map<string, number>();
    for (let i = 0; i < n; i++) map.set(`k${Math.floor(rand() * n * 2)}`, [-0, 0, 1, -Infinity, 2.5][Math.floor(rand() * 5)]!);
    const built = SortedSet.fromMap(map);
    const inserted = new SortedSet('skiplist');
    for (const [m, s] of map) inserted.set(m, s);
    assert.equal(built.encoding, 'skiplist');
    assert.deepEqual(contents(built), contents(inserted));
    checkAgainst(built, map, rand, [-Infinity, 0, 1, 2.5], [...map.keys()]);
    // -0 keeps its sign in a skip-list-encoded set.
    for (const [m, s] of map) assert.ok(Object.is(built.score(m), s));
  }
});

test('fromEntries accepts entries in any order', () => {
  const asc = Array.from({ length: 300 }, (_, i) => ({ member: `m${String(i).padStart(3, '0')}`, score: Math.floor(i / 10) }));
  const a = SortedSet.fromEntries(asc);
  const b = SortedSet.fromEntries([...asc].reverse());
  assert.deepEqual(contents(a), asc);
  assert.deepEqual(contents(b), asc);
  assert.equal(b.rank('m150'), 150);
  assert.equal(b.encoding, 'skiplist');
});
