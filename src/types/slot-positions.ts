// Cursor positions of an append-only array of slots that is compacted from time to time (the
// keyspace's SCAN order, a container's member index): a slot keeps its position for as long as it
// stays, positions grow with the slot index, and a compaction may drop any slots.
//
// Slots appended since the last compaction are numbered one apart, so their positions cost nothing
// to store (a freshly loaded dataset stores none); only the slots a compaction kept have theirs
// stored, 8 bytes each in a typed array the garbage collector does not trace (issue #12: a
// `number[]` of sequence numbers cost ~10 bytes a slot with its growth slack).

const NONE = new Float64Array(0);

export class SlotPositions {
  /** Positions of the slots a compaction kept, slots 0 … frozen.length - 1. */
  private frozen: Float64Array = NONE;
  /** Position of slot frozen.length; every later slot is one more than the one before. */
  private tail = 1;

  /** Position of slot `i` (positions start at 1: 0 is SCAN's "start" and "done"). */
  at(i: number): number {
    const frozen = this.frozen;
    return i < frozen.length ? frozen[i]! : this.tail + (i - frozen.length);
  }

  /** Index of the first of `slots` slots whose position is >= `position` (`slots` if none). */
  lowerBound(position: number, slots: number): number {
    const frozen = this.frozen;
    if (position >= this.tail) return Math.min(frozen.length + (position - this.tail), slots);
    let lo = 0;
    let hi = frozen.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (frozen[mid]! < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * After a compaction of `slots` slots that kept those at `kept` (old indices, increasing): they
   * become slots 0 … kept.length - 1 with their positions, and new slots continue after the last.
   */
  compacted(kept: readonly number[], slots: number): void {
    const frozen = new Float64Array(kept.length);
    for (let j = 0; j < kept.length; j++) frozen[j] = this.at(kept[j]!);
    this.tail = this.at(slots);
    this.frozen = frozen;
  }
}
