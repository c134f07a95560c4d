// Loading the dataset across event-loop turns (at start-up, DEBUG RELOAD), as Redis loads while it
// serves: the loaders (RDB reader, AOF replay) are generators that pause where a LoadPace says so,
// and drive() resumes them in later turns, other clients being answered -LOADING in between.
import type { Config } from '../config/config.js';
import { LFU_INIT_VAL, lfuValue, lruClock, type Database, type ValueOf, type ValueType } from '../store/database.js';
import { RdbError } from './rdb/reader.js';

/**
 * How often a load pauses, and the figures INFO's loading_* fields show. A load pauses after a key
 * (or an AOF command) once `loading-process-events-interval-bytes` more bytes are read, every 1024
 * AOF commands (Redis's rhythm for the AOF), and as `key-load-delay` (a testing knob:
 * microseconds per key, negative for one microsecond every -n keys) asks, sleeping then instead of
 * blocking as Redis does.
 */
export class LoadPace {
  /** loading_start_time (seconds). */
  readonly startTime = Math.floor(Date.now() / 1000);
  loadedBytes = 0;
  /** The used-mem AUX field of the RDB image being loaded (0 until read, or without one). */
  rdbUsedMem = 0;
  /** Bytes of the files loaded before the current one (an AOF's base, then its incr files). */
  private base = 0;
  private nextPauseAt: number;
  private commands = 0;
  private keysInSlice = 0;
  private pendingPauseMs = 0;
  /**
   * The settings as they were when the current slice began: they can only change (CONFIG SET)
   * while the load is paused, so they are read once per slice, not once per key.
   */
  private interval = 0;
  private delay = keyDelay(0);

  constructor(
    private readonly config: Config,
    /** loading_total_bytes: the file's size (an AOF's files' sizes, set once its manifest is read). */
    public totalBytes: number,
  ) {
    this.resumed();
    this.nextPauseAt = this.interval;
  }

  /** A slice begins: read the settings again. */
  resumed(): void {
    this.interval = this.config.number('loading-process-events-interval-bytes');
    this.delay = keyDelay(this.config.number('key-load-delay'));
  }

  /** After a key ending at `offset` of the current file: true when the load should pause now. */
  at(offset: number): boolean {
    const loaded = this.base + offset;
    this.loadedBytes = loaded;
    if (this.delay.pauseMs !== 0) {
      const { maxKeys, pauseMs } = this.delay;
      if (++this.keysInSlice >= maxKeys) {
        this.keysInSlice = 0;
        this.pendingPauseMs = pauseMs;
        this.nextPauseAt = loaded + this.interval;
        return true;
      }
    }
    if (loaded < this.nextPauseAt) return false;
    this.nextPauseAt = loaded + this.interval;
    return true;
  }

  /** After an AOF command ending at `offset`: as at(), and also every 1024 commands. */
  command(offset: number): boolean {
    const pause = this.at(offset);
    return ++this.commands % 1024 === 0 || pause;
  }

  /** The current file is done: the next one's offsets count after its `size` bytes. */
  fileDone(size: number): void {
    this.base += size;
    this.loadedBytes = this.base;
  }

  /** How long the driver waits before resuming (0: the next turn). */
  takePause(): number {
    const ms = this.pendingPauseMs;
    this.pendingPauseMs = 0;
    return ms;
  }

  /** INFO persistence's loading_* fields (shown while loading, after the aof_* ones). */
  infoFields(): [string, string | number][] {
    const total = this.totalBytes;
    const perc = total > 0 ? (this.loadedBytes / total) * 100 : 0;
    const remaining = total > 0 ? total - this.loadedBytes : 1;
    const elapsed = Math.floor(Date.now() / 1000) - this.startTime;
    // As Redis: a 1-second figure until a second has passed, then the rate so far.
    const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (this.loadedBytes + 1));
    return [
      ['loading_start_time', this.startTime],
      ['loading_total_bytes', total],
      ['loading_rdb_used_mem', this.rdbUsedMem],
      ['loading_loaded_bytes', this.loadedBytes],
      ['loading_loaded_perc', perc.toFixed(2)],
      ['loading_eta_seconds', eta],
    ];
  }
}

/** A load stopped before its end because the server closed (SHUTDOWN or a signal meanwhile). */
export class LoadAborted extends Error {
  constructor() {
    super('loading stopped: the server is shutting down');
    this.name = 'LoadAborted';
  }
}

/**
 * Run a load's steps across event-loop turns: after each pause, wait as the pace says (a turn at
 * least) and go on, unless `stopped()`; then the generator is closed (its `finally` blocks run)
 * and LoadAborted is thrown.
 */
export async function drive<T>(steps: Generator<void, T, void>, pace: LoadPace | undefined, stopped: () => boolean): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    const ms = pace?.takePause() ?? 0;
    await (ms > 0 ? sleep(ms) : nextTurn());
    if (stopped()) {
      steps.return(undefined as T);
      throw new LoadAborted();
    }
    pace?.resumed();
  }
}

/** Run steps to their end now, without pausing (a load at once: a master's payload, ...). */
export function runToEnd<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** A delay per key (microseconds; negative: a microsecond every -n keys) as slices of keys and a pause. */
export function keyDelay(delayUs: number): { maxKeys: number; pauseMs: number } {
  if (delayUs === 0) return { maxKeys: Infinity, pauseMs: 0 };
  if (delayUs < 0) return { maxKeys: Math.max(1, -delayUs * 1000), pauseMs: 1 };
  // Sleep at least a millisecond at a time: a timer cannot wait less.
  const maxKeys = Math.max(1, Math.floor(1000 / delayUs));
  return { maxKeys, pauseMs: Math.max(1, Math.round((maxKeys * delayUs) / 1000)) };
}

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Stores the keys a load reads into the databases, as Redis's load does: keys already expired are
 * dropped (and counted), a loaded key's access time is the file's FREQ under an LFU policy or its
 * IDLE under any other one, else a new key's. The clock is read every 1024 keys, not per key.
 */
export class KeyLoader {
  loaded = 0;
  expired = 0;
  /** Expiry is judged against the time the load started. */
  private readonly now = Date.now();
  private clockNow = 0;
  private untilTick = 0;

  constructor(private readonly dbs: readonly Database[]) {}

  key(dbIndex: number, key: string, value: ValueOf[ValueType], expireAt: number | undefined, idleMs?: number, freq?: number): void {
    const db = this.dbs[dbIndex];
    if (db === undefined) throw new RdbError(`FATAL: Data file was created with a Redis server configured to handle more than ${this.dbs.length} databases. Exiting`, 0);
    if (expireAt !== undefined && expireAt <= this.now) {
      this.expired++;
      return;
    }
    if (--this.untilTick < 0) {
      this.untilTick = 1023;
      this.clockNow = Date.now();
    }
    const now = this.clockNow;
    let lru: number;
    if (db.lfu !== undefined) lru = lfuValue(freq ?? LFU_INIT_VAL, now);
    else lru = idleMs !== undefined ? lruClock(now) - idleMs : lruClock(now);
    db.load(key, value, lru, expireAt);
    this.loaded++;
  }
}
