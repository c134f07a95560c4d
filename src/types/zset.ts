// Sorted set value: member → score map plus an ordered index by (score, member bytes).
//
// The index is a B+tree with order statistics: leaves hold up to LEAF_MAX members with their
// scores in parallel arrays (the scores stay unboxed doubles), inner nodes hold each child's size,
// so rank lookups, rank-indexed access and range searches are O(log n) with few cache misses.
// (A skip list with spans, Redis's choice, was ~10x slower here: every step is a pointer chase
// through separately allocated JS objects.)
//
// Members are latin1 strings (1 char = 1 byte), so JavaScript's code-unit string comparison is
// exactly Redis's memcmp ordering.

const LEAF_MAX = 64;
const INNER_MAX = 64;
/** A node below this many entries is merged into a neighbour when the two fit in one node. */
const MIN_FILL = 16;
/** Entries per node when building from sorted data. */
const BUILD_FILL = 48;

class Leaf {
  members: string[] = [];
  scores: number[] = [];
  next: Leaf | null = null;
  prev: Leaf | null = null;
}

class Inner {
  children: (Leaf | Inner)[] = [];
  /** counts[i]: number of members under children[i]. */
  counts: number[] = [];
  /**
   * Routing keys: every key under children[i] is >= (sepScores[i], sepMembers[i]) and every key
   * under children[i - 1] is below it. Index 0 is unused.
   */
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

type TreeNode = Leaf | Inner;

/** One member of a sorted set with its score. */
export interface ZEntry {
  readonly member: string;
  readonly score: number;
}

/**
 * An entry found by position (`first`, `last`, `at`), which can step to its neighbours.
 * Only valid until the set is modified.
 */
export class ZCursor implements ZEntry {
  readonly member: string;
  readonly score: number;

  constructor(
    private readonly leaf: Leaf,
    private readonly index: number,
  ) {
    this.member = leaf.members[index]!;
    this.score = leaf.scores[index]!;
  }

  /** The next entry in ascending order, or null at the end. */
  get successor(): ZCursor | null {
    if (this.index + 1 < this.leaf.members.length) return new ZCursor(this.leaf, this.index + 1);
    const next = this.leaf.next;
    return next === null || next.members.length === 0 ? null : new ZCursor(next, 0);
  }

  /** The previous entry in ascending order, or null at the start. */
  get predecessor(): ZCursor | null {
    if (this.index > 0) return new ZCursor(this.leaf, this.index - 1);
    const prev = this.leaf.prev;
    return prev === null || prev.members.length === 0 ? null : new ZCursor(prev, prev.members.length - 1);
  }
}

/** An interval of scores; min/max may be ±Infinity. */
export interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

/** One end of a lexicographic interval: `-` / `+` are the open ends, otherwise `[x` or `(x`. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'value'; value: string; exclusive: boolean };

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

export function scoreAboveMin(score: number, range: ScoreRange): boolean {
  return range.minExclusive ? score > range.min : score >= range.min;
}

export function scoreBelowMax(score: number, range: ScoreRange): boolean {
  return range.maxExclusive ? score < range.max : score <= range.max;
}

/** True when no score can satisfy the range. */
export function scoreRangeEmpty(range: ScoreRange): boolean {
  return range.min > range.max || (range.min === range.max && (range.minExclusive || range.maxExclusive));
}

export function lexAboveMin(member: string, range: LexRange): boolean {
  const b = range.min;
  if (b.kind === 'min') return true;
  if (b.kind === 'max') return false;
  return b.exclusive ? member > b.value : member >= b.value;
}

export function lexBelowMax(member: string, range: LexRange): boolean {
  const b = range.max;
  if (b.kind === 'max') return true;
  if (b.kind === 'min') return false;
  return b.exclusive ? member < b.value : member <= b.value;
}

function boundOrder(b: LexBound): number {
  return b.kind === 'min' ? -1 : b.kind === 'max' ? 1 : 0;
}

/** True when no member can satisfy the range (`-`/`+` count as exclusive, as in Redis). */
export function lexRangeEmpty(range: LexRange): boolean {
  const { min, max } = range;
  if (min.kind === 'value' && max.kind === 'value') {
    const cmp = min.value < max.value ? -1 : min.value > max.value ? 1 : 0;
    return cmp > 0 || (cmp === 0 && (min.exclusive || max.exclusive));
  }
  // Two identical open ends ("- -" or "+ +") are equal and exclusive: empty.
  return boundOrder(min) - boundOrder(max) >= 0;
}

/** (score, member) strictly before (score2, member2)? */
function before(score: number, member: string, score2: number, member2: string): boolean {
  return score < score2 || (score === score2 && member < member2);
}

/** First index in the leaf whose key is not before (score, member). */
function lowerBound(leaf: Leaf, score: number, member: string): number {
  const scores = leaf.scores;
  const members = leaf.members;
  let lo = 0;
  let hi = members.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(scores[mid]!, members[mid]!, score, member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Insert into / remove from a leaf's array in place. Array#splice allocates the array of removed
 * elements and goes through a generic builtin: on a ZADD that moves a member (a removal and an
 * insertion, four splices) that was a fifth of the command's time.
 */
function insertAt<T>(a: T[], at: number, value: T): void {
  let i = a.length;
  a.push(value);
  for (; i > at; i--) a[i] = a[i - 1]!;
  a[at] = value;
}

function removeAt<T>(a: T[], at: number): void {
  const last = a.length - 1;
  for (let i = at; i < last; i++) a[i] = a[i + 1]!;
  a.pop();
}

/** The child of an inner node whose range holds (score, member). */
function childFor(node: Inner, score: number, member: string): number {
  let lo = 1;
  let hi = node.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(score, member, node.sepScores[mid]!, node.sepMembers[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

function sizeOf(node: TreeNode): number {
  return node instanceof Leaf ? node.members.length : node.children.length;
}

function totalOf(node: TreeNode): number {
  if (node instanceof Leaf) return node.members.length;
  let total = 0;
  for (const c of node.counts) total += c;
  return total;
}

interface Split {
  node: TreeNode;
  score: number;
  member: string;
}

export type Encoding = 'listpack' | 'skiplist';

/** zset-max-listpack-entries / zset-max-listpack-value. */
export interface ListpackLimits {
  maxEntries: number;
  maxValue: number;
}

export class SortedSet {
  /** This value's key type (store/database.ts reads it: entries hold no type field). */
  get valueType(): 'zset' {
    return 'zset';
  }

  private root: TreeNode = new Leaf();
  private readonly scoreOf = new Map<string, number>();
  /**
   * Which encoding Redis would report. Redis starts small sets as a listpack and converts to a
   * skip list once, when a size or member-length threshold is crossed; it never converts back
   * (except that a store command's result is compacted when it fits). The encoding is visible:
   * OBJECT ENCODING, ZSCAN's reply shape, and -0 (a listpack stores integral scores as integers,
   * so -0 becomes 0 there, while a skip list keeps the sign).
   */
  private compact: boolean;

  constructor(encoding: Encoding = 'listpack') {
    this.compact = encoding === 'listpack';
  }

  get size(): number {
    return this.scoreOf.size;
  }

  get encoding(): Encoding {
    return this.compact ? 'listpack' : 'skiplist';
  }

  /** Compact a freshly built set (a store command's result) when it fits the listpack limits. */
  compactIfFits(limits: ListpackLimits): void {
    if (this.compact || this.scoreOf.size > limits.maxEntries) return;
    for (const member of this.scoreOf.keys()) if (member.length > limits.maxValue) return;
    this.compact = true;
    for (let leaf: Leaf | null = this.leftmost(); leaf !== null; leaf = leaf.next) {
      const scores = leaf.scores;
      for (let i = 0; i < scores.length; i++) {
        if (scores[i] === 0) {
          scores[i] = 0;
          this.scoreOf.set(leaf.members[i]!, 0);
        }
      }
    }
  }

  /** Convert to the skip list encoding for good (Redis's SORT does this to the set it sorts). */
  expand(): void {
    this.compact = false;
  }

  score(member: string): number | undefined {
    return this.scoreOf.get(member);
  }

  has(member: string): boolean {
    return this.scoreOf.has(member);
  }

  get first(): ZCursor | null {
    const leaf = this.leftmost();
    return leaf.members.length === 0 ? null : new ZCursor(leaf, 0);
  }

  get last(): ZCursor | null {
    const leaf = this.rightmost();
    const n = leaf.members.length;
    return n === 0 ? null : new ZCursor(leaf, n - 1);
  }

  /**
   * Insert or update; NaN must be rejected by the caller. With `limits`, a listpack-encoded set
   * converts to a skip list before an insert that would cross them. Returns true when new.
   */
  set(member: string, score: number, limits?: ListpackLimits): boolean {
    const current = this.scoreOf.get(member);
    if (current === undefined) {
      if (limits !== undefined && this.compact && (this.scoreOf.size + 1 > limits.maxEntries || member.length > limits.maxValue)) {
        this.compact = false;
      }
      if (this.compact && score === 0) score = 0;
      this.scoreOf.set(member, score);
      this.insertKey(score, member);
      return true;
    }
    // 0 and -0 compare equal, and like Redis we then keep the stored one.
    if (current === score) return false;
    if (this.compact && score === 0) score = 0;
    this.removeKey(current, member);
    this.scoreOf.set(member, score);
    this.insertKey(score, member);
    return false;
  }

  delete(member: string): boolean {
    const score = this.scoreOf.get(member);
    if (score === undefined) return false;
    this.scoreOf.delete(member);
    this.removeKey(score, member);
    return true;
  }

  /** 0-based position in ascending order, or undefined when absent. */
  rank(member: string): number | undefined {
    const score = this.scoreOf.get(member);
    if (score === undefined) return undefined;
    let rank = 0;
    let node = this.root;
    while (node instanceof Inner) {
      const i = childFor(node, score, member);
      for (let j = 0; j < i; j++) rank += node.counts[j]!;
      node = node.children[i]!;
    }
    return rank + lowerBound(node, score, member);
  }

  /** The entry at 0-based `rank` in ascending order. */
  at(rank: number): ZCursor | null {
    const pos = this.locate(rank);
    return pos === null ? null : new ZCursor(pos.leaf, pos.index);
  }

  /**
   * Visit entries from `start` (a rank) towards higher ranks, or lower ones when `reverse`, until
   * `visit` returns false or the set ends. The set must not be modified during the walk.
   */
  walk(start: number, reverse: boolean, visit: (member: string, score: number) => boolean): void {
    const pos = this.locate(start);
    if (pos === null) return;
    let leaf: Leaf | null = pos.leaf;
    let i = pos.index;
    while (leaf !== null) {
      const members = leaf.members;
      const scores = leaf.scores;
      if (reverse) {
        for (; i >= 0; i--) if (!visit(members[i]!, scores[i]!)) return;
        leaf = leaf.prev;
        if (leaf !== null) i = leaf.members.length - 1;
      } else {
        for (; i < members.length; i++) if (!visit(members[i]!, scores[i]!)) return;
        leaf = leaf.next;
        i = 0;
      }
    }
  }

  /** Up to `count` entries from rank `start`, ascending (or descending when `reverse`). */
  slice(start: number, count: number, reverse = false): ZEntry[] {
    const out: ZEntry[] = [];
    if (count <= 0) return out;
    this.walk(start, reverse, (member, score) => {
      out.push({ member, score });
      return out.length < count;
    });
    return out;
  }

  /** Rank of the first element inside the score range, or -1. */
  firstInScoreRange(range: ScoreRange): number {
    if (scoreRangeEmpty(range) || this.size === 0) return -1;
    const rank = this.countPrefix((score) => !scoreAboveMin(score, range));
    if (rank >= this.size) return -1;
    return scoreBelowMax((this.at(rank) as ZEntry).score, range) ? rank : -1;
  }

  /** Rank of the last element inside the score range, or -1. */
  lastInScoreRange(range: ScoreRange): number {
    if (scoreRangeEmpty(range) || this.size === 0) return -1;
    const rank = this.countPrefix((score) => scoreBelowMax(score, range)) - 1;
    if (rank < 0) return -1;
    return scoreAboveMin((this.at(rank) as ZEntry).score, range) ? rank : -1;
  }

  /** How many elements fall inside the score range. */
  countInScoreRange(range: ScoreRange): number {
    const first = this.firstInScoreRange(range);
    if (first === -1) return 0;
    return this.lastInScoreRange(range) - first + 1;
  }

  /** The common score when every score is equal (lex order is then the index order). */
  private uniformScore(): number | undefined {
    const first = this.first;
    const last = this.last;
    if (first === null || last === null || first.score !== last.score) return undefined;
    return first.score;
  }

  /**
   * Rank of the first element of a lex range, or -1.
   *
   * Lex ranges are only meaningful when every score is equal. Otherwise this follows the
   * linear scan Redis uses for small (listpack) sets, so replies match Redis for those too.
   */
  firstInLexRange(range: LexRange): number {
    const first = this.first;
    const last = this.last;
    if (lexRangeEmpty(range) || first === null || last === null) return -1;
    if (!lexAboveMin(last.member, range) || !lexBelowMax(first.member, range)) return -1;
    const uniform = this.uniformScore();
    if (uniform !== undefined) {
      // Keys below (uniform, min bound) in the tree's order: a prefix, so the tree can count it.
      const rank = this.countPrefix((score, member) => score < uniform || (score === uniform && !lexAboveMin(member, range)));
      if (rank >= this.size) return -1;
      return lexBelowMax((this.at(rank) as ZEntry).member, range) ? rank : -1;
    }
    let rank = 0;
    let found = -1;
    this.walk(0, false, (member) => {
      if (lexAboveMin(member, range)) {
        if (lexBelowMax(member, range)) found = rank;
        return false;
      }
      rank++;
      return true;
    });
    return found;
  }

  /** Rank of the last element of a lex range, or -1 (see firstInLexRange for mixed scores). */
  lastInLexRange(range: LexRange): number {
    const first = this.first;
    const last = this.last;
    if (lexRangeEmpty(range) || first === null || last === null) return -1;
    if (!lexAboveMin(last.member, range) || !lexBelowMax(first.member, range)) return -1;
    const uniform = this.uniformScore();
    if (uniform !== undefined) {
      const rank = this.countPrefix((score, member) => score < uniform || (score === uniform && lexBelowMax(member, range))) - 1;
      if (rank < 0) return -1;
      return lexAboveMin((this.at(rank) as ZEntry).member, range) ? rank : -1;
    }
    let rank = this.size - 1;
    let found = -1;
    this.walk(rank, true, (member) => {
      if (lexBelowMax(member, range)) {
        if (lexAboveMin(member, range)) found = rank;
        return false;
      }
      rank--;
      return true;
    });
    return found;
  }

  /** Elements counted from the first in range while they stay at or below max. */
  countInLexRange(range: LexRange): number {
    const first = this.firstInLexRange(range);
    if (first === -1) return 0;
    if (this.uniformScore() !== undefined) return this.lastInLexRange(range) - first + 1;
    let count = 0;
    this.walk(first, false, (member) => {
      if (!lexBelowMax(member, range)) return false;
      count++;
      return true;
    });
    return count;
  }

  /** Remove ranks start..end inclusive (0-based, clamped by the caller). Returns what was removed. */
  deleteRankRange(start: number, end: number): ZEntry[] {
    const size = this.size;
    if (start > end || start >= size) return [];
    const count = Math.min(end, size - 1) - start + 1;
    const removed = this.slice(start, count);
    if (count * 4 < size) {
      for (const e of removed) this.delete(e.member);
      return removed;
    }
    // A large share goes: rebuilding from what stays is linear, deleting one by one is not.
    const members: string[] = [];
    const scores: number[] = [];
    const keep = (member: string, score: number) => {
      members.push(member);
      scores.push(score);
      return true;
    };
    if (start > 0) this.walk(0, false, (m, sc) => keep(m, sc) && members.length < start);
    if (start + count < size) this.walk(start + count, false, keep);
    for (const e of removed) this.scoreOf.delete(e.member);
    this.build(members, scores);
    return removed;
  }

  /** Ascending iteration over every element (the set must not be modified meanwhile). */
  *[Symbol.iterator](): IterableIterator<ZEntry> {
    for (let leaf: Leaf | null = this.leftmost(); leaf !== null; leaf = leaf.next) {
      for (let i = 0; i < leaf.members.length; i++) yield { member: leaf.members[i]!, score: leaf.scores[i]! };
    }
  }

  /**
   * A skip-list-encoded set from member → score pairs in any order (set operation results):
   * sorting once and building bottom-up is much cheaper than inserting one by one.
   */
  static fromMap(entries: Map<string, number>): SortedSet {
    const set = new SortedSet('skiplist');
    const pairs: ZEntry[] = [];
    for (const [member, score] of entries) {
      pairs.push({ member, score });
      set.scoreOf.set(member, score);
    }
    pairs.sort((a, b) => (before(a.score, a.member, b.score, b.member) ? -1 : before(b.score, b.member, a.score, a.member) ? 1 : 0));
    set.build(
      pairs.map((p) => p.member),
      pairs.map((p) => p.score),
    );
    return set;
  }

  /**
   * A skip-list-encoded set from entries with distinct members (ZRANGESTORE): linear when they
   * are already in ascending order, sorted first otherwise.
   */
  static fromEntries(entries: readonly ZEntry[]): SortedSet {
    let ordered = entries;
    for (let i = 1; i < entries.length; i++) {
      const a = entries[i - 1]!;
      const b = entries[i]!;
      if (!before(a.score, a.member, b.score, b.member)) {
        ordered = [...entries].sort((x, y) => (before(x.score, x.member, y.score, y.member) ? -1 : 1));
        break;
      }
    }
    const set = new SortedSet('skiplist');
    for (const e of ordered) set.scoreOf.set(e.member, e.score);
    set.build(
      ordered.map((e) => e.member),
      ordered.map((e) => e.score),
    );
    return set;
  }

  /** Copy (COPY, and store commands whose destination is also a source). */
  clone(): SortedSet {
    const copy = new SortedSet(this.encoding);
    const members: string[] = [];
    const scores: number[] = [];
    for (let leaf: Leaf | null = this.leftmost(); leaf !== null; leaf = leaf.next) {
      for (let i = 0; i < leaf.members.length; i++) {
        members.push(leaf.members[i]!);
        scores.push(leaf.scores[i]!);
        copy.scoreOf.set(leaf.members[i]!, leaf.scores[i]!);
      }
    }
    copy.build(members, scores);
    return copy;
  }

  // ------------------------------------------------------------ tree internals

  /**
   * Replace the index with one built bottom-up from entries already in order (the member map is
   * the caller's business). Nodes are filled to BUILD_FILL so that later inserts do not split at once.
   */
  private build(members: string[], scores: number[]): void {
    let level: TreeNode[] = [];
    const firstScores: number[] = [];
    const firstMembers: string[] = [];
    let prev: Leaf | null = null;
    for (let i = 0; i < members.length; i += BUILD_FILL) {
      const leaf = new Leaf();
      leaf.members = members.slice(i, i + BUILD_FILL);
      leaf.scores = scores.slice(i, i + BUILD_FILL);
      leaf.prev = prev;
      if (prev !== null) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
      firstScores.push(leaf.scores[0]!);
      firstMembers.push(leaf.members[0]!);
    }
    if (level.length === 0) {
      this.root = new Leaf();
      return;
    }
    let keysScores = firstScores;
    let keysMembers = firstMembers;
    while (level.length > 1) {
      const parents: TreeNode[] = [];
      const parentScores: number[] = [];
      const parentMembers: string[] = [];
      for (let i = 0; i < level.length; i += BUILD_FILL) {
        const inner = new Inner();
        for (let j = i; j < Math.min(i + BUILD_FILL, level.length); j++) {
          inner.children.push(level[j]!);
          inner.counts.push(totalOf(level[j]!));
          inner.sepScores.push(keysScores[j]!);
          inner.sepMembers.push(keysMembers[j]!);
        }
        parents.push(inner);
        parentScores.push(keysScores[i]!);
        parentMembers.push(keysMembers[i]!);
      }
      level = parents;
      keysScores = parentScores;
      keysMembers = parentMembers;
    }
    this.root = level[0]!;
  }

  private leftmost(): Leaf {
    let node = this.root;
    while (node instanceof Inner) node = node.children[0]!;
    return node;
  }

  private rightmost(): Leaf {
    let node = this.root;
    while (node instanceof Inner) node = node.children[node.children.length - 1]!;
    return node;
  }

  private locate(rank: number): { leaf: Leaf; index: number } | null {
    if (rank < 0 || rank >= this.scoreOf.size) return null;
    let node = this.root;
    while (node instanceof Inner) {
      const counts = node.counts;
      let i = 0;
      while (rank >= counts[i]!) rank -= counts[i++]!;
      node = node.children[i]!;
    }
    return { leaf: node, index: rank };
  }

  /**
   * How many keys satisfy `pred`, which must hold for a prefix of the whole key space in index
   * order (true up to some key, false after). Routing keys are tested like elements.
   */
  private countPrefix(pred: (score: number, member: string) => boolean): number {
    let count = 0;
    let node = this.root;
    while (node instanceof Inner) {
      let lo = 1;
      let hi = node.children.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pred(node.sepScores[mid]!, node.sepMembers[mid]!)) lo = mid + 1;
        else hi = mid;
      }
      const i = lo - 1;
      for (let j = 0; j < i; j++) count += node.counts[j]!;
      node = node.children[i]!;
    }
    let lo = 0;
    let hi = node.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pred(node.scores[mid]!, node.members[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return count + lo;
  }

  private insertKey(score: number, member: string): void {
    const split = this.insertInto(this.root, score, member);
    if (split === undefined) return;
    const root = new Inner();
    root.children.push(this.root, split.node);
    root.counts.push(totalOf(this.root), totalOf(split.node));
    root.sepScores.push(0, split.score);
    root.sepMembers.push('', split.member);
    this.root = root;
  }

  private insertInto(node: TreeNode, score: number, member: string): Split | undefined {
    if (node instanceof Leaf) {
      const at = lowerBound(node, score, member);
      insertAt(node.members, at, member);
      insertAt(node.scores, at, score);
      if (node.members.length <= LEAF_MAX) return undefined;
      const right = new Leaf();
      const half = node.members.length >> 1;
      right.members = node.members.splice(half);
      right.scores = node.scores.splice(half);
      right.next = node.next;
      if (right.next !== null) right.next.prev = right;
      right.prev = node;
      node.next = right;
      return { node: right, score: right.scores[0]!, member: right.members[0]! };
    }
    const i = childFor(node, score, member);
    const split = this.insertInto(node.children[i]!, score, member);
    node.counts[i]!++;
    if (split === undefined) return undefined;
    const moved = totalOf(split.node);
    node.counts[i] -= moved;
    node.children.splice(i + 1, 0, split.node);
    node.counts.splice(i + 1, 0, moved);
    node.sepScores.splice(i + 1, 0, split.score);
    node.sepMembers.splice(i + 1, 0, split.member);
    if (node.children.length <= INNER_MAX) return undefined;
    const right = new Inner();
    const half = node.children.length >> 1;
    right.children = node.children.splice(half);
    right.counts = node.counts.splice(half);
    right.sepScores = node.sepScores.splice(half);
    right.sepMembers = node.sepMembers.splice(half);
    return { node: right, score: right.sepScores[0]!, member: right.sepMembers[0]! };
  }

  private removeKey(score: number, member: string): void {
    if (!this.removeFrom(this.root, score, member)) throw new Error('sorted set index out of sync');
    while (this.root instanceof Inner && this.root.children.length === 1) this.root = this.root.children[0]!;
    if (this.root instanceof Inner && this.root.children.length === 0) this.root = new Leaf();
  }

  private removeFrom(node: TreeNode, score: number, member: string): boolean {
    if (node instanceof Leaf) {
      const at = lowerBound(node, score, member);
      if (at >= node.members.length || node.members[at] !== member) return false;
      removeAt(node.members, at);
      removeAt(node.scores, at);
      return true;
    }
    const i = childFor(node, score, member);
    if (!this.removeFrom(node.children[i]!, score, member)) return false;
    node.counts[i]!--;
    this.rebalance(node, i);
    return true;
  }

  /** After a removal under parent.children[i]: drop an empty child, merge a thin one. */
  private rebalance(parent: Inner, i: number): void {
    const child = parent.children[i]!;
    const size = sizeOf(child);
    if (size === 0) {
      if (child instanceof Leaf) this.unlinkLeaf(child);
      this.removeChild(parent, i);
      return;
    }
    if (size >= MIN_FILL) return;
    const max = child instanceof Leaf ? LEAF_MAX : INNER_MAX;
    if (i + 1 < parent.children.length && size + sizeOf(parent.children[i + 1]!) <= max) this.mergeChildren(parent, i);
    else if (i > 0 && size + sizeOf(parent.children[i - 1]!) <= max) this.mergeChildren(parent, i - 1);
  }

  /** Merge parent.children[j + 1] into parent.children[j]. */
  private mergeChildren(parent: Inner, j: number): void {
    const left = parent.children[j]!;
    const right = parent.children[j + 1]!;
    if (left instanceof Leaf && right instanceof Leaf) {
      for (let k = 0; k < right.members.length; k++) {
        left.members.push(right.members[k]!);
        left.scores.push(right.scores[k]!);
      }
      this.unlinkLeaf(right);
    } else if (left instanceof Inner && right instanceof Inner) {
      // The right node's first child is routed by the parent's separator for the right node.
      right.sepScores[0] = parent.sepScores[j + 1]!;
      right.sepMembers[0] = parent.sepMembers[j + 1]!;
      for (let k = 0; k < right.children.length; k++) {
        left.children.push(right.children[k]!);
        left.counts.push(right.counts[k]!);
        left.sepScores.push(right.sepScores[k]!);
        left.sepMembers.push(right.sepMembers[k]!);
      }
    }
    parent.counts[j]! += parent.counts[j + 1]!;
    this.removeChild(parent, j + 1);
  }

  private removeChild(parent: Inner, i: number): void {
    parent.children.splice(i, 1);
    parent.counts.splice(i, 1);
    parent.sepScores.splice(i, 1);
    parent.sepMembers.splice(i, 1);
  }

  private unlinkLeaf(leaf: Leaf): void {
    if (leaf.prev !== null) leaf.prev.next = leaf.next;
    if (leaf.next !== null) leaf.next.prev = leaf.prev;
    leaf.prev = null;
    leaf.next = null;
  }
}
