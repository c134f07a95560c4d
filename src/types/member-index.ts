// The member index of a hash or a set: random picks and SCAN cursors over a container's members.
//
// Members sit in slots with increasing positions (types/slot-positions.ts); the index is built on
// first use by a random pick or a SCAN over a large container, then kept up to date by the
// container's own add and remove methods (types/hash.ts, types/set.ts). The container holds its
// index as a field.
import { SlotPositions } from './slot-positions.js';

/**
 * Members of a Set or Map in slots with increasing positions. It gives O(1) random sampling
 * and sound SCAN cursors: a cursor is a position, and a member keeps its position for as long as it
 * stays, so a full scan returns every member that was present throughout (new members may or
 * may not be returned, as in Redis).
 */
export class MemberIndex {
  private names: (string | undefined)[] = [];
  private readonly positions = new SlotPositions();
  private slotOf = new Map<string, number>();
  private dead = 0;

  constructor(members: Iterable<string>) {
    for (const m of members) this.add(m);
  }

  get size(): number {
    return this.slotOf.size;
  }

  add(member: string): void {
    if (this.slotOf.has(member)) return;
    this.slotOf.set(member, this.names.length);
    this.names.push(member);
  }

  remove(member: string): void {
    const slot = this.slotOf.get(member);
    if (slot === undefined) return;
    this.slotOf.delete(member);
    this.names[slot] = undefined;
    this.dead++;
    if (this.dead > 64 && this.dead * 2 > this.names.length) this.compact();
  }

  /** A uniformly random member (the index must not be empty). */
  random(): string {
    // Stored containers are never empty (an emptied key is deleted); guard against spinning.
    if (this.slotOf.size === 0) throw new Error('random member of an empty container');
    for (;;) {
      const name = this.names[Math.floor(Math.random() * this.names.length)];
      if (name !== undefined) return name;
    }
  }

  /** Members from cursor `cursor` on, about `count` slots; `next` is 0 at the end. */
  scan(cursor: number, count: number): { members: string[]; next: number } {
    const members: string[] = [];
    let i = this.positions.lowerBound(cursor, this.names.length);
    for (let visited = 0; i < this.names.length && visited < count; i++, visited++) {
      const name = this.names[i];
      if (name !== undefined) members.push(name);
    }
    return { members, next: i < this.names.length ? this.positions.at(i) : 0 };
  }

  private compact(): void {
    const names: string[] = [];
    const kept: number[] = [];
    this.slotOf.clear();
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i];
      if (name === undefined) continue;
      this.slotOf.set(name, names.length);
      names.push(name);
      kept.push(i);
    }
    this.positions.compacted(kept, this.names.length);
    this.names = names;
    this.dead = 0;
  }
}

/** A container that keeps a member index as a field (Hash, MemberSet). */
export interface Indexed {
  readonly size: number;
  keys(): IterableIterator<string>;
  /** Built by indexOf() on first use; undefined until then (or after the container was cleared). */
  index: MemberIndex | undefined;
}

/** The index of a container, built now if it has none (or lost track of it). */
export function indexOf(container: Indexed): MemberIndex {
  let index = container.index;
  if (index === undefined || index.size !== container.size) {
    index = new MemberIndex(container.keys());
    container.index = index;
  }
  return index;
}

/** Random picks of distinct members (count ≥ 0), for SRANDMEMBER/SPOP/HRANDFIELD. */
export function distinctSample(container: Indexed, count: number): string[] {
  const size = container.size;
  if (count * 3 > size) {
    // Close to the whole container: shuffle a copy and take a prefix.
    const all = [...container.keys()];
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (all.length - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, count);
  }
  const index = indexOf(container);
  const picked = new Set<string>();
  while (picked.size < count) picked.add(index.random());
  return [...picked];
}
