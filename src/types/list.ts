// List value: a deque of Buffers in a power-of-two ring buffer. Push and pop at either end and
// access by index are O(1) (amortised for pushes); inserting or removing in the middle shifts the
// shorter side, so it is O(min(i, n - i)).
const MIN_CAPACITY = 8;

export class List {
  private ring: (Buffer | undefined)[];
  private head = 0;
  private mask: number;
  length = 0;

  constructor(items?: Iterable<Buffer>) {
    this.ring = new Array<Buffer | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    if (items !== undefined) for (const item of items) this.pushBack(item);
  }

  /** Element at `index` (0-based from the head); undefined when out of range. */
  get(index: number): Buffer | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return this.ring[(this.head + index) & this.mask];
  }

  set(index: number, value: Buffer): void {
    if (index < 0 || index >= this.length) throw new RangeError('list index out of range');
    this.ring[(this.head + index) & this.mask] = value;
  }

  pushBack(value: Buffer): void {
    if (this.length === this.ring.length) this.resize(this.ring.length * 2);
    this.ring[(this.head + this.length) & this.mask] = value;
    this.length++;
  }

  pushFront(value: Buffer): void {
    if (this.length === this.ring.length) this.resize(this.ring.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.ring[this.head] = value;
    this.length++;
  }

  popFront(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const value = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    this.maybeShrink();
    return value;
  }

  popBack(): Buffer | undefined {
    if (this.length === 0) return undefined;
    const at = (this.head + this.length - 1) & this.mask;
    const value = this.ring[at];
    this.ring[at] = undefined;
    this.length--;
    this.maybeShrink();
    return value;
  }

  /** Insert so that the new element ends up at `index` (0 ≤ index ≤ length). */
  insertAt(index: number, value: Buffer): void {
    if (index < 0 || index > this.length) throw new RangeError('list index out of range');
    if (index === 0) return this.pushFront(value);
    if (index === this.length) return this.pushBack(value);
    if (this.length === this.ring.length) this.resize(this.ring.length * 2);
    const ring = this.ring;
    const mask = this.mask;
    if (index < this.length / 2) {
      // Move the first `index` elements one step towards the front.
      this.head = (this.head - 1) & mask;
      for (let i = 0; i < index; i++) ring[(this.head + i) & mask] = ring[(this.head + i + 1) & mask];
    } else {
      for (let i = this.length; i > index; i--) ring[(this.head + i) & mask] = ring[(this.head + i - 1) & mask];
    }
    ring[(this.head + index) & mask] = value;
    this.length++;
  }

  /** Remove and return the element at `index`. */
  removeAt(index: number): Buffer | undefined {
    if (index < 0 || index >= this.length) return undefined;
    const ring = this.ring;
    const mask = this.mask;
    const value = ring[(this.head + index) & mask];
    if (index < this.length / 2) {
      for (let i = index; i > 0; i--) ring[(this.head + i) & mask] = ring[(this.head + i - 1) & mask];
      ring[this.head] = undefined;
      this.head = (this.head + 1) & mask;
    } else {
      for (let i = index; i < this.length - 1; i++) ring[(this.head + i) & mask] = ring[(this.head + i + 1) & mask];
      ring[(this.head + this.length - 1) & mask] = undefined;
    }
    this.length--;
    this.maybeShrink();
    return value;
  }

  /**
   * Keep only the elements whose index is in [start, end] (already clamped by the caller to valid
   * indexes; start > end empties the list).
   */
  trim(start: number, end: number): void {
    if (start > end || start >= this.length || end < 0) {
      this.clear();
      return;
    }
    const dropBack = this.length - 1 - end;
    for (let i = 0; i < dropBack; i++) this.popBack();
    for (let i = 0; i < start; i++) this.popFront();
  }

  /**
   * Remove elements equal to `value`: up to `count` from the head (count > 0), from the tail
   * (count < 0), or all (count 0). Returns how many were removed. One O(n) compaction pass.
   */
  removeValue(value: Buffer, count: number): number {
    const n = this.length;
    const limit = count === 0 ? Infinity : Math.abs(count);
    const keep = new Array<boolean>(n).fill(true);
    let removed = 0;
    if (count >= 0) {
      for (let i = 0; i < n && removed < limit; i++) {
        if (this.get(i)!.equals(value)) {
          keep[i] = false;
          removed++;
        }
      }
    } else {
      for (let i = n - 1; i >= 0 && removed < limit; i--) {
        if (this.get(i)!.equals(value)) {
          keep[i] = false;
          removed++;
        }
      }
    }
    if (removed === 0) return 0;
    const kept: Buffer[] = [];
    for (let i = 0; i < n; i++) if (keep[i]) kept.push(this.get(i)!);
    this.replaceWith(kept);
    return removed;
  }

  /** Elements from index `start` to `end` inclusive (clamped to the list). */
  range(start: number, end: number): Buffer[] {
    const from = Math.max(0, start);
    const to = Math.min(this.length - 1, end);
    const out: Buffer[] = [];
    for (let i = from; i <= to; i++) out.push(this.ring[(this.head + i) & this.mask]!);
    return out;
  }

  toArray(): Buffer[] {
    return this.range(0, this.length - 1);
  }

  clear(): void {
    this.ring = new Array<Buffer | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.length = 0;
  }

  *[Symbol.iterator](): IterableIterator<Buffer> {
    for (let i = 0; i < this.length; i++) yield this.ring[(this.head + i) & this.mask]!;
  }

  private replaceWith(items: Buffer[]): void {
    let capacity = MIN_CAPACITY;
    while (capacity < items.length) capacity *= 2;
    this.ring = new Array<Buffer | undefined>(capacity);
    for (let i = 0; i < items.length; i++) this.ring[i] = items[i];
    this.mask = capacity - 1;
    this.head = 0;
    this.length = items.length;
  }

  private maybeShrink(): void {
    // Give memory back after a large list drained, without thrashing near the boundary.
    const capacity = this.ring.length;
    if (capacity > 64 && this.length < capacity / 4) this.resize(capacity / 2);
  }

  private resize(capacity: number): void {
    const next = new Array<Buffer | undefined>(capacity);
    for (let i = 0; i < this.length; i++) next[i] = this.ring[(this.head + i) & this.mask];
    this.ring = next;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
