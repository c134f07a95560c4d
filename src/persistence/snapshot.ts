// A point-in-time RDB image of every database, serialized in slices while clients keep working.
//
// Redis forks and lets the kernel copy pages on write. We have one heap, so we copy on write
// ourselves: while a snapshot runs every Database has `cow` set, and before a key that existed at
// the start is changed, expired, deleted or replaced, its old value is serialized into the image
// right away. The main pass walks each database from its newest key to its oldest (the per-key
// sequence numbers, backwards) and skips keys created after the start and keys already written by
// the hook. Newest first because recently created keys are the likeliest to change soon (a
// queue's jobs, a session's keys): passing them early means fewer early copies. The bytes the hook
// copies (uncompressed: see beforeWrite) are the snapshot's copy-on-write size, INFO's
// current_cow_size: memory duplicated to keep the point-in-time image, as the pages a fork child
// keeps are in Redis.
import type { Config } from '../config/config.js';
import { Database, type CopyOnWrite, type DatabaseView, type Entry } from '../store/database.js';
import { RdbWriter } from './rdb/index.js';
import type { ValueSteps } from './rdb/encoder.js';

/**
 * What a snapshot serializes into: RdbWriter (an RDB file), or the AOF rewrite's writer of the
 * dataset as commands (aof-rewrite.ts). `compress` may be switched off around a copy-on-write.
 */
export interface ImageWriter {
  compress: boolean;
  /** Bytes produced and not yet taken. */
  readonly pending: number;
  header(aux: Array<[string, string | number]>): void;
  functionLibrary(code: Buffer): void;
  /** The following keys belong to database `index` (may come more than once for one database). */
  selectDb(index: number, keys: number, expires: number): void;
  key(key: string, entry: Entry, expireAt: number | undefined, config: Config): void;
  /**
   * A key whose value may be written in steps over several slices (a huge hash, set, sorted
   * set, list or stream): its header is written now and the steps write the rest; undefined, with nothing
   * written, when the key must go through key(). Writers without it write every key whole.
   */
  keyInSteps?(key: string, entry: Entry, expireAt: number | undefined, config: Config): ValueSteps | undefined;
  end(): void;
  take(): Buffer;
  takeView(): Buffer;
}

/** What a snapshot needs from the server: its databases, configuration and function libraries. */
export interface SnapshotSource {
  readonly dbs: readonly Database[];
  readonly config: Config;
  /** Header fields (redis-ver, ctime, ...). */
  aux(): Array<[string, string | number]>;
  /** FUNCTION libraries' code, saved before the keys. */
  libraries(): Buffer[];
  /** The serializer; an RDB writer (rdbcompression, rdbchecksum) when not given. */
  writer?: ImageWriter;
}

interface DbProgress {
  readonly db: Database;
  /** The containers as they were at the start; after a flush these are the dropped ones. */
  readonly view: DatabaseView;
  /** Keys and keys with a TTL at the start (the RESIZEDB hint). */
  readonly keys: number;
  readonly expires: number;
  /** Main pass position: every key whose sequence number is at or above this has been visited. */
  cursor: number;
  /** Keys ahead of the cursor already written by the copy-on-write hook. */
  readonly saved: Set<string>;
  /** Nothing of this database is left to write. */
  done: boolean;
  /** Flushed during the snapshot: the view is no longer the live database, so no hook applies. */
  detached: boolean;
  /**
   * The hook that was set when this snapshot started (an AOF rewrite's image, while SAVE or a
   * replica's full sync takes one in a single step): set back when this one ends.
   */
  readonly previous: CopyOnWrite | undefined;
}

/**
 * Resolves on a later event-loop turn than the flush of the replies to requests read meanwhile,
 * for a background save to wait on between its slices. The server sends the replies of a turn
 * from a setImmediate queued when the first is produced (Server.scheduleFlush), behind the
 * immediates already queued. A next slice queued with one setImmediate before the poll phase
 * reads a request runs ahead of that flush, so a request that arrived during a slice waited for
 * two; the second hop puts the slice behind the flush. That is not enough when the poll phase
 * just before the second hop (or a later one) reads something: a request that arrived in the
 * short gap, and every request on a new connection, which is accepted in one turn and read in
 * the next (its socket is watched from the next poll on). So from the second hop on the slice
 * waits while `input` (a count of bytes read and connections accepted) moved in the last turn,
 * one more hop each time, for at most `maxMs` after the call (a server busy with clients
 * every turn still gets its save done: slices then alternate with that much serving).
 */
export function afterReplies(input?: () => number, maxMs = 0): Promise<void> {
  return new Promise((resolve) => {
    const until = performance.now() + maxMs;
    let seen = 0;
    const hop = (): void => {
      const now = input?.() ?? 0;
      if (now === seen || performance.now() >= until) resolve();
      else {
        seen = now;
        setImmediate(hop);
      }
    };
    setImmediate(() => {
      seen = input?.() ?? 0;
      setImmediate(hop);
    });
  });
}

/** Output between two reads of the clock in a slice, besides every 32 keys (see advance()). */
const CHECK_BYTES = 32 * 1024;

/** A key whose value the main pass started and has not finished (see Snapshot.open). */
interface OpenKey {
  readonly db: Database;
  readonly key: string;
  readonly steps: ValueSteps;
}

export class Snapshot implements CopyOnWrite {
  private readonly writer: ImageWriter;
  private readonly config: Config;
  private readonly progress: DbProgress[] = [];
  private readonly byIndex = new Map<number, DbProgress>();
  private current = 0;
  /** The database the writer's last SELECTDB named (the hook may switch it between slices). */
  private writerDb = -1;
  private finished = false;
  /**
   * A huge value being written over several slices. Its bytes must stay contiguous and its value
   * unchanged until it is done: a write to that key, or a copy-on-write of any other key, first
   * writes the rest of it (finishOpen).
   */
  private open: OpenKey | undefined;
  readonly keysTotal: number;
  keysWritten = 0;
  /** Keys written early by the copy-on-write hook, and the bytes they took. */
  cowKeys = 0;
  cowBytes = 0;

  constructor(source: SnapshotSource) {
    this.config = source.config;
    this.writer = source.writer ?? new RdbWriter({ compress: this.config.bool('rdbcompression'), checksum: this.config.bool('rdbchecksum') });
    this.writer.header(source.aux());
    for (const code of source.libraries()) this.writer.functionLibrary(code);
    let total = 0;
    for (const db of source.dbs) {
      const view = db.view();
      const p: DbProgress = {
        db,
        view,
        keys: view.data.size,
        expires: view.expires.size,
        cursor: view.order.nextSequence,
        saved: new Set(),
        done: view.data.size === 0,
        detached: false,
        previous: db.cow,
      };
      total += p.keys;
      this.progress.push(p);
      this.byIndex.set(db.index, p);
      db.cow = this;
    }
    this.keysTotal = total;
  }

  /** Bytes serialized and not yet taken. */
  get pending(): number {
    return this.writer.pending;
  }

  get done(): boolean {
    return this.finished;
  }

  /** Serialized bytes so far (to write to the file between slices). */
  take(): Buffer {
    return this.writer.take();
  }

  /** The same without a copy: valid until the next takeView() (see RdbWriter.takeView). */
  takeView(): Buffer {
    return this.writer.takeView();
  }

  /**
   * Run the main pass until `deadline` (performance.now() ms) or `maxKeys` keys were visited.
   * Returns true when the image is complete (EOF and checksum written, hooks detached).
   */
  step(deadline = Infinity, maxKeys = Infinity): boolean {
    let budget = maxKeys;
    while (this.current < this.progress.length) {
      const p = this.progress[this.current]!;
      if (!p.done) {
        budget = this.advance(p, deadline, budget);
        if (!p.done) return false;
      }
      this.current++;
    }
    this.finish();
    return true;
  }

  /** Stop without completing: hooks are detached and nothing more is produced. */
  abandon(): void {
    this.open = undefined;
    this.detach();
    this.finished = true;
  }

  // ------------------------------------------------------------- copy-on-write hooks

  beforeWrite(db: Database, key: string): void {
    const open = this.open;
    if (open !== undefined && open.db === db && open.key === key) {
      this.finishOpen();
      return;
    }
    const p = this.byIndex.get(db.index);
    if (p === undefined || p.done || p.detached || p.db !== db) return;
    const entry = p.view.data.get(key);
    // Keys created after the start and keys the main pass has visited are at or above the cursor.
    if (entry === undefined || entry.seq >= p.cursor || p.saved.has(key)) return;
    // The copy goes after the rest of the value being written, never into its middle.
    if (open !== undefined) this.finishOpen();
    const before = this.writer.pending;
    // This runs inside the client's write command: the copy skips LZF so that the write does not
    // wait for a compressor (the file takes those values uncompressed, which loaders accept).
    const compress = this.writer.compress;
    this.writer.compress = false;
    try {
      this.write(p, key, entry, p.view.expires.get(key));
    } finally {
      this.writer.compress = compress;
    }
    p.saved.add(key);
    this.cowKeys++;
    this.cowBytes += this.writer.pending - before;
  }

  beforeFlush(db: Database): void {
    const p = this.byIndex.get(db.index);
    // The view keeps the containers flush() drops; nothing else can reach them any more.
    if (p !== undefined && p.db === db && !p.done) p.detached = true;
  }

  beforeSwap(a: Database, b: Database): void {
    // After a swap each database holds the other's containers; finishing both first keeps the
    // image simple at the cost of one pause, as SWAPDB during a BGSAVE is rare.
    for (const db of [a, b]) {
      const p = this.byIndex.get(db.index);
      if (p !== undefined && p.db === db && !p.done && !p.detached) this.advance(p, Infinity, Infinity);
    }
  }

  // ------------------------------------------------------------- internals

  /** Visit keys of one database; returns the unused key budget. Sets p.done at the end. */
  private advance(p: DbProgress, deadline: number, budget: number): number {
    // A huge value left unfinished by the last slice goes on first (it may be another database's:
    // beforeSwap finishes every database, and nothing was written since).
    if (this.open !== undefined) {
      if (!this.open.steps.step(deadline)) return budget;
      this.open = undefined;
    }
    const { data, expires, order } = p.view;
    // Slots are in sequence order; those at or above the cursor were visited or created later.
    // (Found again on each call: a compaction between slices moves the slots.)
    let i = order.lowerBound(p.cursor) - 1;
    let visited = 0;
    // The clock is read every 32 keys, and after every CHECK_BYTES of output: 32 big values (a
    // hash of a thousand fields takes ~0.2 ms) would run a slice far past its deadline.
    let checkAt = this.writer.pending + CHECK_BYTES;
    while (i >= 0) {
      if (budget <= 0) return budget;
      if ((visited & 31) === 31 || this.writer.pending >= checkAt) {
        if (performance.now() >= deadline) return budget;
        checkAt = this.writer.pending + CHECK_BYTES;
      }
      const seq = order.positions.at(i);
      const key = order.keys[i]!;
      const entry = data.get(key);
      if (entry !== undefined && entry.seq === seq && (p.saved.size === 0 || !p.saved.has(key))) {
        const steps = this.write(p, key, entry, expires.get(key), true);
        budget--;
        if (steps !== undefined && !steps.step(deadline)) {
          // The slice is spent inside a huge value: the next one goes on with it.
          this.open = { db: p.db, key, steps };
          p.cursor = seq;
          return budget;
        }
      }
      p.cursor = seq;
      visited++;
      i--;
    }
    p.done = true;
    p.saved.clear();
    return budget;
  }

  /**
   * Write one key. With `inSteps`, a huge value may come back as steps still to run (the main
   * pass runs them as its slices allow); else the key is written whole.
   */
  private write(p: DbProgress, key: string, entry: Entry, expireAt: number | undefined, inSteps = false): ValueSteps | undefined {
    if (this.writerDb !== p.db.index) {
      // SELECTDB may appear more than once for a database: loaders just switch the target.
      this.writer.selectDb(p.db.index, p.keys, p.expires);
      this.writerDb = p.db.index;
    }
    this.keysWritten++;
    if (inSteps && this.writer.keyInSteps !== undefined) {
      const steps = this.writer.keyInSteps(key, entry, expireAt, this.config);
      if (steps !== undefined) return steps;
    }
    this.writer.key(key, entry, expireAt, this.config);
    return undefined;
  }

  /** Write the rest of the unfinished huge value now (inside a client's command: no LZF). */
  private finishOpen(): void {
    const open = this.open!;
    this.open = undefined;
    const compress = this.writer.compress;
    this.writer.compress = false;
    try {
      open.steps.step(Infinity);
    } finally {
      this.writer.compress = compress;
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.detach();
    this.writer.end();
    this.finished = true;
  }

  private detach(): void {
    for (const p of this.progress) if (p.db.cow === this) p.db.cow = p.previous;
  }
}
