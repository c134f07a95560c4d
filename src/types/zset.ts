// Sorted set value: member → node map plus a skip list ordered by (score, member bytes).
//
// Members are latin1 strings (1 char = 1 byte), so JavaScript's code-unit string comparison is
// exactly Redis's memcmp ordering. Each skip-list link records its span (how many bottom-level
// steps it jumps), which makes rank lookups and rank-indexed access O(log n).

const MAX_LEVEL = 32;
const LEVEL_P = 0.25;

export class ZNode {
  /** Forward links per level; `next[0]` is the successor. */
  readonly next: (ZNode | null)[];
  /** span[i]: number of bottom-level steps `next[i]` jumps over (0 when next[i] is null at the tail). */
  readonly span: number[];
  prev: ZNode | null = null;

  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<ZNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }

  get successor(): ZNode | null {
    return this.next[0];
  }

  get predecessor(): ZNode | null {
    return this.prev;
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
  let cmp: number;
  if (min.kind === 'value' && max.kind === 'value') {
    cmp = min.value < max.value ? -1 : min.value > max.value ? 1 : 0;
    return cmp > 0 || (cmp === 0 && (min.exclusive || max.exclusive));
  }
  cmp = boundOrder(min) - boundOrder(max);
  // Two identical open ends ("- -" or "+ +") are equal and exclusive: empty.
  return cmp >= 0;
}

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < LEVEL_P) level++;
  return level;
}

/** (score, member) strictly before (score2, member2)? */
function before(score: number, member: string, score2: number, member2: string): boolean {
  return score < score2 || (score === score2 && member < member2);
}

export type Encoding = 'listpack' | 'skiplist';

/** zset-max-listpack-entries / zset-max-listpack-value. */
export interface ListpackLimits {
  maxEntries: number;
  maxValue: number;
}

export class SortedSet {
  private readonly head = new ZNode('', 0, MAX_LEVEL);
  private tail: ZNode | null = null;
  private level = 1;
  private readonly nodes = new Map<string, ZNode>();
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
    return this.nodes.size;
  }

  get encoding(): Encoding {
    return this.compact ? 'listpack' : 'skiplist';
  }

  /** Compact a freshly built set (a store command's result) when it fits the listpack limits. */
  compactIfFits(limits: ListpackLimits): void {
    if (this.compact || this.nodes.size > limits.maxEntries) return;
    for (const member of this.nodes.keys()) if (member.length > limits.maxValue) return;
    this.compact = true;
    for (const node of this.nodes.values()) if (node.score === 0) node.score = 0;
  }

  score(member: string): number | undefined {
    return this.nodes.get(member)?.score;
  }

  has(member: string): boolean {
    return this.nodes.has(member);
  }

  get first(): ZNode | null {
    return this.head.next[0];
  }

  get last(): ZNode | null {
    return this.tail;
  }

  /**
   * Insert or update; NaN must be rejected by the caller. With `limits`, a listpack-encoded set
   * converts to a skip list before an insert that would cross them. Returns true when new.
   */
  set(member: string, score: number, limits?: ListpackLimits): boolean {
    const existing = this.nodes.get(member);
    if (existing === undefined) {
      if (limits !== undefined && this.compact && (this.nodes.size + 1 > limits.maxEntries || member.length > limits.maxValue)) {
        this.compact = false;
      }
      if (this.compact && score === 0) score = 0;
      this.nodes.set(member, this.insertNode(member, score));
      return true;
    }
    // 0 and -0 compare equal, and like Redis we then keep the stored one.
    if (existing.score === score) return false;
    if (this.compact && score === 0) score = 0;
    const prev = existing.prev;
    const next = existing.next[0];
    // The node can stay where it is when its neighbours still bracket the new score.
    if (
      (prev === null || before(prev.score, prev.member, score, member)) &&
      (next === null || before(score, member, next.score, next.member))
    ) {
      existing.score = score;
      return false;
    }
    this.unlink(existing);
    this.nodes.set(member, this.insertNode(member, score));
    return false;
  }

  delete(member: string): boolean {
    const node = this.nodes.get(member);
    if (node === undefined) return false;
    this.unlink(node);
    this.nodes.delete(member);
    return true;
  }

  /** 0-based position in ascending order, or undefined when absent. */
  rank(member: string): number | undefined {
    const node = this.nodes.get(member);
    if (node === undefined) return undefined;
    return this.countBefore((n) => before(n.score, n.member, node.score, member));
  }

  /** The node at 0-based `rank` in ascending order. */
  at(rank: number): ZNode | null {
    if (rank < 0 || rank >= this.nodes.size) return null;
    const target = rank + 1;
    let traversed = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i] <= target) {
        traversed += x.span[i];
        x = x.next[i] as ZNode;
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /** Length of the prefix of elements satisfying `pred` (which must be true for a prefix only). */
  private countBefore(pred: (n: ZNode) => boolean): number {
    let rank = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && pred(n)) {
        rank += x.span[i];
        x = n;
        n = x.next[i];
      }
    }
    return rank;
  }

  /** Rank of the first element inside the score range, or -1. */
  firstInScoreRange(range: ScoreRange): number {
    if (scoreRangeEmpty(range) || this.tail === null) return -1;
    const rank = this.countBefore((n) => !scoreAboveMin(n.score, range));
    if (rank >= this.nodes.size) return -1;
    const node = this.at(rank) as ZNode;
    return scoreBelowMax(node.score, range) ? rank : -1;
  }

  /** Rank of the last element inside the score range, or -1. */
  lastInScoreRange(range: ScoreRange): number {
    if (scoreRangeEmpty(range) || this.tail === null) return -1;
    const rank = this.countBefore((n) => scoreBelowMax(n.score, range)) - 1;
    if (rank < 0) return -1;
    const node = this.at(rank) as ZNode;
    return scoreAboveMin(node.score, range) ? rank : -1;
  }

  /** How many elements fall inside the score range. */
  countInScoreRange(range: ScoreRange): number {
    const first = this.firstInScoreRange(range);
    if (first === -1) return 0;
    return this.lastInScoreRange(range) - first + 1;
  }

  /** All scores equal: lexicographic order is the list order, so lex searches can use the index. */
  private uniformScores(): boolean {
    const first = this.head.next[0];
    return first === null || this.tail === null || first.score === this.tail.score;
  }

  /**
   * Rank of the first element of a lex range, or -1.
   *
   * Lex ranges are only meaningful when every score is equal. Otherwise this follows the
   * linear scan Redis uses for small (listpack) sets, so replies match Redis for those too.
   */
  firstInLexRange(range: LexRange): number {
    const first = this.head.next[0];
    if (lexRangeEmpty(range) || first === null || this.tail === null) return -1;
    if (!lexAboveMin(this.tail.member, range) || !lexBelowMax(first.member, range)) return -1;
    if (this.uniformScores()) {
      const rank = this.countBefore((n) => !lexAboveMin(n.member, range));
      if (rank >= this.nodes.size) return -1;
      return lexBelowMax((this.at(rank) as ZNode).member, range) ? rank : -1;
    }
    let rank = 0;
    for (let n: ZNode | null = first; n !== null; n = n.next[0], rank++) {
      if (lexAboveMin(n.member, range)) return lexBelowMax(n.member, range) ? rank : -1;
    }
    return -1;
  }

  /** Rank of the last element of a lex range, or -1 (see firstInLexRange for mixed scores). */
  lastInLexRange(range: LexRange): number {
    const first = this.head.next[0];
    if (lexRangeEmpty(range) || first === null || this.tail === null) return -1;
    if (!lexAboveMin(this.tail.member, range) || !lexBelowMax(first.member, range)) return -1;
    if (this.uniformScores()) {
      const rank = this.countBefore((n) => lexBelowMax(n.member, range)) - 1;
      if (rank < 0) return -1;
      return lexAboveMin((this.at(rank) as ZNode).member, range) ? rank : -1;
    }
    let rank = this.nodes.size - 1;
    for (let n: ZNode | null = this.tail; n !== null; n = n.prev, rank--) {
      if (lexBelowMax(n.member, range)) return lexAboveMin(n.member, range) ? rank : -1;
    }
    return -1;
  }

  /** Elements counted from the first in range while they stay at or below max. */
  countInLexRange(range: LexRange): number {
    const first = this.firstInLexRange(range);
    if (first === -1) return 0;
    if (this.uniformScores()) return this.lastInLexRange(range) - first + 1;
    let count = 0;
    for (let n = this.at(first); n !== null && lexBelowMax(n.member, range); n = n.next[0]) count++;
    return count;
  }

  /** Remove ranks start..end inclusive (0-based, clamped by the caller). Returns removed nodes. */
  deleteRankRange(start: number, end: number): ZNode[] {
    const removed: ZNode[] = [];
    if (start > end || start >= this.nodes.size) return removed;
    let node = this.at(start);
    for (let r = start; r <= end && node !== null; r++) {
      const next: ZNode | null = node.next[0];
      this.unlink(node);
      this.nodes.delete(node.member);
      removed.push(node);
      node = next;
    }
    return removed;
  }

  /** Ascending iteration over every element. */
  *[Symbol.iterator](): IterableIterator<ZNode> {
    for (let n = this.head.next[0]; n !== null; n = n.next[0]) yield n;
  }

  /** Copy (used by ZUNIONSTORE and friends when a source is also the destination). */
  clone(): SortedSet {
    const copy = new SortedSet(this.encoding);
    for (let n = this.head.next[0]; n !== null; n = n.next[0]) copy.set(n.member, n.score);
    return copy;
  }

  private insertNode(member: string, score: number): ZNode {
    const update = new Array<ZNode>(MAX_LEVEL);
    const rank = new Array<number>(MAX_LEVEL);
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      let n = x.next[i];
      while (n !== null && before(n.score, n.member, score, member)) {
        rank[i] += x.span[i];
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        this.head.span[i] = this.nodes.size;
      }
      this.level = level;
    }
    const node = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i];
      node.next[i] = u.next[i];
      u.next[i] = node;
      node.span[i] = u.span[i] - (rank[0] - rank[i]);
      u.span[i] = rank[0] - rank[i] + 1;
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++;
    node.prev = update[0] === this.head ? null : update[0];
    if (node.next[0] !== null) node.next[0].prev = node;
    else this.tail = node;
    return node;
  }

  /** Remove a node from the skip list (not from the member map). */
  private unlink(node: ZNode): void {
    const update = new Array<ZNode>(this.level);
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let n = x.next[i];
      while (n !== null && n !== node && before(n.score, n.member, node.score, node.member)) {
        x = n;
        n = x.next[i];
      }
      update[i] = x;
    }
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (u.next[i] === node) {
        u.span[i] += node.span[i] - 1;
        u.next[i] = node.next[i];
      } else {
        u.span[i]--;
      }
    }
    if (node.next[0] !== null) node.next[0].prev = node.prev;
    else this.tail = node.prev;
    while (this.level > 1 && this.head.next[this.level - 1] === null) {
      this.head.span[this.level - 1] = 0;
      this.level--;
    }
  }
}
