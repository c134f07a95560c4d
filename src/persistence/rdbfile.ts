// The dump file (`dir`/`dbfilename`): SAVE, BGSAVE in slices, save points, loading at start,
// and the figures INFO's Persistence section shows. A save writes temp-<pid>.rdb, fsyncs it and
// renames it over the dump, so a crash mid-save leaves the previous dump intact.
import fs from 'node:fs';
import path from 'node:path';
import { ReplyError } from '../protocol/reply.js';
import { PersistenceErrors } from '../protocol/errors.js';
import type { PersistenceHost } from './host.js';
import { REDIS_VERSION } from '../config/version.js';
import type { Config } from '../config/config.js';
import { usedMemory, type MemoryHost } from '../store/eviction.js';
import { readRdbSteps, RdbError } from './rdb/index.js';
import { drive, KeyLoader, keyDelay, LoadPace, runToEnd, sleep } from './loading.js';
import { savePointReached, savePointsOf, type SavePoint } from './savepoints.js';
import { afterReplies, Snapshot, type ImageWriter } from './snapshot.js';
import { WriterChild } from './writer-child.js';
import { fsyncDir } from './aof-manifest.js';

// Its error texts live in the one table (protocol/errors.ts); re-exported for its callers.
export { PersistenceErrors };

/**
 * Time slice for one step of a background save, in ms: a request that arrives during a slice
 * waits for the rest of it, plus any young-generation collection in it (2-6 ms with a 1M-key
 * heap), so 3 keeps that under 10 ms; 4 did not, and the save took no less time.
 */
const SLICE_MS = 3;

/** A file that could not be loaded: stop start-up and leave the file as it is. */
export class LoadError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly offset: number | undefined,
  ) {
    super(message);
    this.name = 'LoadError';
  }
}

export interface LoadOptions {
  /** FUNCTION libraries in the file replace loaded ones of the same name (DEBUG RELOAD MERGE, full sync). */
  replaceLibraries?: boolean;
  /** Start-up: a bad file ends the process (the log says so). */
  atStart?: boolean;
}

interface BackgroundSave {
  snapshot: Snapshot;
  /** The process writing the file; undefined when none could start (written in-process). */
  child: WriterChild | undefined;
  tempPath: string;
  startedMs: number;
  /** server.dirty when it started: the changes an eventual success accounts for. */
  dirtyAtStart: number;
  aborted: boolean;
  /** Settles when the save ended (success, failure or abort). */
  finished: Promise<boolean>;
}

export class RdbFile {
  points: SavePoint[] = [];
  /** Last successful save (ms). */
  lastSaveMs: number;
  /** Last save attempt (ms), for the retry pause after a failure. */
  private lastAttemptMs = 0;
  lastBgsaveOk = true;
  lastBgsaveSeconds = -1;
  /** server.dirty at the last successful save. */
  private dirtyAtLastSave = 0;
  saves = 0;
  /** BGSAVE asked for inside MULTI/EXEC: started by the cron. */
  scheduled = false;
  loading = false;
  /** The load running across event-loop turns, if any: INFO's loading_* fields. */
  pace: LoadPace | undefined;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  lastCowBytes = 0;
  private background: BackgroundSave | undefined;

  constructor(private readonly server: PersistenceHost) {
    this.lastSaveMs = Date.now();
    this.applyConfig();
    server.config.onChange((name) => {
      if (name === 'save' || name === 'stop-writes-on-bgsave-error') this.applyConfig();
    });
  }

  private applyConfig(): void {
    this.points = savePointsOf(this.server.config.string('save'));
    this.updateGate();
  }

  get path(): string {
    return path.resolve(this.server.config.string('dir'), this.server.config.string('dbfilename'));
  }

  /** SAVE's temp file is temp-<pid>.rdb as in Redis (a BGSAVE's is named after its writer child). */
  private tempPath(): string {
    return path.resolve(this.server.config.string('dir'), `temp-${process.pid}.rdb`);
  }

  /** A BGSAVE without a writer child (none could start): a name of its own, beside SAVE's. */
  private backgroundCount = 0;

  get changesSinceLastSave(): number {
    return Math.max(0, this.server.dirty - this.dirtyAtLastSave);
  }

  /** rdb_changes_since_last_save back to 0 without a save (the dataset was just reloaded). */
  forgetChanges(): void {
    this.dirtyAtLastSave = this.server.dirty;
  }

  get inProgress(): boolean {
    return this.background !== undefined;
  }

  /** True when write commands (and PING) must get -MISCONF, as Redis's stop-writes-on-bgsave-error. */
  get refusingWrites(): boolean {
    return !this.lastBgsaveOk && this.points.length > 0 && this.server.config.bool('stop-writes-on-bgsave-error');
  }

  /**
   * Loading the dataset from elsewhere (DEBUG LOADAOF replaying a slow script across event-loop
   * turns): INFO says loading:1 and clients get -LOADING, as while the dump file loads.
   */
  setLoading(on: boolean): void {
    this.loading = on;
    this.updateGate();
  }

  /** Dispatch consults the server only while something may refuse commands. */
  updateGate(): void {
    this.server.gated = this.loading || this.refusingWrites || this.server.replicaGated;
  }

  // ------------------------------------------------------------------ saving

  private snapshot(): Snapshot {
    return serverSnapshot(this.server, false);
  }


  /** SAVE: the whole image now, synchronously. Returns false (after logging why) on failure. */
  saveSync(): boolean {
    const temp = this.tempPath();
    const started = Date.now();
    this.lastAttemptMs = started;
    let fd: number;
    try {
      fd = fs.openSync(temp, 'w');
    } catch (err) {
      return this.openFailed(err);
    }
    const dirty = this.server.dirty;
    const snapshot = this.snapshot();
    try {
      snapshot.step();
      writeAll(fd, snapshot.take());
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    } catch (err) {
      snapshot.abandon();
      closeQuietly(fd);
      unlinkQuietly(temp);
      this.server.log('warning', `Write error saving DB on disk: ${reason(err)}`, { event: 'rdb-save-error' });
      return false;
    }
    return this.savedInForeground(temp, dirty, started);
  }

  /**
   * A shutdown's final save: SAVE's work in slices across event-loop turns (the server runs no
   * command meanwhile, as Redis runs none during its save), so that signals are still heard — a
   * second SIGINT gives up on it (removeTempFile) — and rdb-key-save-delay slows it as it slows
   * Redis's. Returns false (after logging why) on failure.
   */
  async saveInSlices(): Promise<boolean> {
    const temp = this.tempPath();
    const started = Date.now();
    this.lastAttemptMs = started;
    const sink = new FileSink(temp);
    try {
      await sink.open();
    } catch (err) {
      return this.openFailed(err);
    }
    const dirty = this.server.dirty;
    const snapshot = this.snapshot();
    try {
      for (;;) {
        const { maxKeys, pauseMs } = keyDelay(this.server.config.number('rdb-key-save-delay'));
        const done = snapshot.step(performance.now() + SLICE_MS, maxKeys);
        const bytes = snapshot.takeView();
        if (bytes.length > 0) await sink.write(bytes);
        if (pauseMs > 0) await sleep(pauseMs);
        if (done) break;
        if (pauseMs === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await sink.finish();
    } catch (err) {
      if (!snapshot.done) snapshot.abandon();
      await sink.close();
      unlinkQuietly(temp);
      this.server.log('warning', `Write error saving DB on disk: ${reason(err)}`, { event: 'rdb-save-error' });
      return false;
    }
    return this.savedInForeground(temp, dirty, started);
  }

  private openFailed(err: unknown): false {
    this.server.log(
      'warning',
      `Failed opening the temp RDB file temp-${process.pid}.rdb (in server root dir ${path.resolve(this.server.config.string('dir'))}) for saving: ${reason(err)}`,
    );
    return false;
  }

  /** SAVE's (or a shutdown save's) image is whole in `temp`: make it the dump. */
  private savedInForeground(temp: string, dirty: number, started: number): boolean {
    if (!this.moveIntoPlace(temp)) return false;
    this.server.log('notice', 'DB saved on disk');
    this.saved(dirty, started);
    // A successful foreground save clears an earlier background failure, as in Redis.
    this.lastBgsaveOk = true;
    this.updateGate();
    return true;
  }

  /** The temp file of SAVE and of a shutdown's save (temp-<pid>.rdb), gone: a second SIGINT does not wait for that save. */
  removeTempFile(): void {
    unlinkQuietly(this.tempPath());
  }

  private moveIntoPlace(temp: string): boolean {
    try {
      fs.renameSync(temp, this.path);
      // The rename itself is made durable too, as Redis syncs the directory after it.
      fsyncDir(path.dirname(this.path));
      return true;
    } catch (err) {
      this.server.log(
        'warning',
        `Error moving temp DB file ${path.basename(temp)} on the final destination ${this.server.config.string('dbfilename')} (in server root dir ${path.resolve(this.server.config.string('dir'))}): ${reason(err)}`,
      );
      unlinkQuietly(temp);
      return false;
    }
  }

  private saved(dirtyAtStart: number, startedMs: number): void {
    // (A reload since the start may have counted the changes as saved already.)
    this.dirtyAtLastSave = Math.max(this.dirtyAtLastSave, dirtyAtStart);
    this.lastSaveMs = startedMs;
    this.saves++;
  }

  /**
   * BGSAVE: start serializing in slices across event-loop turns, the bytes going to a writer child
   * (see WriterChild) as they are produced. Returns an error reply when one is already running.
   */
  startBackground(): ReplyError | undefined {
    if (this.background !== undefined) return PersistenceErrors.bgsaveInProgress();
    this.scheduled = false;
    const startedMs = Date.now();
    const started = performance.now();
    this.lastAttemptMs = startedMs;
    const dir = path.resolve(this.server.config.string('dir'));
    const child = WriterChild.start(dir, 'save', 'temp-', '.rdb', this.server.childOomScore());
    const bg = {
      snapshot: this.snapshot(),
      child,
      tempPath: path.join(dir, child?.tempName ?? `temp-${process.pid}-${++this.backgroundCount}.rdb`),
      startedMs,
      dirtyAtStart: this.server.dirty,
      aborted: false,
    } as BackgroundSave;
    this.background = bg;
    bg.finished = this.runBackground(bg);
    this.server.stats.forked(started);
    this.server.log('notice', `Background saving started by pid ${child?.pid ?? process.pid}`);
    return undefined;
  }

  private async runBackground(bg: BackgroundSave): Promise<boolean> {
    const server = this.server;
    const sink = bg.child === undefined ? new FileSink(bg.tempPath) : new ChildSink(bg.child, bg.tempPath);
    let ok = false;
    let failure: string | undefined;
    try {
      try {
        await sink.open();
      } catch (err) {
        failure = `Failed opening the temp RDB file ${path.basename(bg.tempPath)} (in server root dir ${path.resolve(server.config.string('dir'))}) for saving: ${reason(err)}`;
        throw err;
      }
      // rdb-key-save-delay (microseconds per key, a testing knob) slows the save as it slows Redis's.
      const delayUs = () => server.config.number('rdb-key-save-delay');
      if (!(await writeInSlices(server, bg.snapshot, sink, bg.child, 'save', delayUs, () => bg.aborted))) return false;
      if (bg.aborted) return false;
      // The data is on disk (fsynced) before the rename makes it the dump.
      await sink.finish();
      if (bg.aborted) return false;
      ok = this.moveIntoPlace(bg.tempPath);
      if (ok) server.log('notice', 'DB saved on disk');
      return ok;
    } catch (err) {
      // A killed child is reported by backgroundEnded, as Redis reports its child's signal.
      if (failure === undefined && bg.child?.signal === undefined) failure = `Write error saving DB on disk: ${reason(err)}`;
      return false;
    } finally {
      if (!bg.snapshot.done) bg.snapshot.abandon();
      await sink.close();
      if (!ok) unlinkQuietly(bg.tempPath);
      if (failure !== undefined && !bg.aborted) server.log('warning', failure);
      this.backgroundEnded(bg, ok);
    }
  }

  private backgroundEnded(bg: BackgroundSave, ok: boolean): void {
    if (this.background === bg) this.background = undefined;
    this.lastBgsaveSeconds = Math.round((Date.now() - bg.startedMs) / 1000);
    this.lastCowBytes = bg.snapshot.cowBytes;
    if (bg.aborted) {
      // Stopped on purpose (FLUSHALL, SHUTDOWN, DEBUG RELOAD): not an error, as Redis's SIGUSR1 kill.
      this.server.log('warning', 'Background saving terminated by signal 10');
      return;
    }
    const signal = bg.child?.signalNumber;
    if (ok) {
      this.server.log('notice', 'Background saving terminated with success');
      this.saved(bg.dirtyAtStart, bg.startedMs);
      this.lastBgsaveOk = true;
    } else if (signal !== undefined) {
      // Its writer was killed (Redis's tests kill the child): a failure, as in Redis.
      this.server.log('warning', `Background saving terminated by signal ${signal}`, { event: 'rdb-save-error' });
      this.lastBgsaveOk = false;
    } else {
      this.server.log('warning', 'Background saving error', { event: 'rdb-save-error' });
      this.lastBgsaveOk = false;
    }
    this.updateGate();
  }

  /** Stop a running BGSAVE and remove its temp file. Resolves when it has stopped. */
  async abortBackground(): Promise<void> {
    const bg = this.background;
    if (bg === undefined) return;
    bg.aborted = true;
    bg.snapshot.abandon();
    this.background = undefined;
    // As Redis's SIGUSR1 to its child, and the temp file goes at once (SHUTDOWN may exit next).
    bg.child?.kill();
    unlinkQuietly(bg.tempPath);
    await bg.finished;
  }

  /** The same, for callers that cannot wait (the file is removed when the writer notices). */
  abortBackgroundNow(): void {
    void this.abortBackground();
  }

  /** For tests and SHUTDOWN: wait for a running BGSAVE. */
  async waitBackground(): Promise<boolean> {
    return this.background === undefined ? true : this.background.finished;
  }

  /** Called from serverCron: start a BGSAVE when a save point is reached or one was scheduled. */
  cron(now: number): void {
    // One background image at a time, as Redis runs one child: an AOF rewrite holds BGSAVE back.
    if (this.background !== undefined || this.loading || this.server.aof.rewriting) return;
    if (this.scheduled) {
      this.startBackground();
      return;
    }
    if (this.points.length === 0) return;
    const changes = this.changesSinceLastSave;
    const point = savePointReached(this.points, changes, now, this.lastSaveMs, this.lastAttemptMs, !this.lastBgsaveOk);
    if (point === undefined) return;
    this.server.log('notice', `${point.changes} changes in ${point.seconds} seconds. Saving...`);
    this.startBackground();
  }

  // ------------------------------------------------------------------ loading

  /**
   * Load the dump file if there is one, at once. Keys already expired are dropped. Throws LoadError
   * (naming the file and offset) when the file is unreadable or corrupt; the file is not touched.
   */
  load(options: LoadOptions = {}): boolean {
    const buf = this.readDump();
    return buf !== undefined && this.loadBuffer(buf, this.path, options);
  }

  /**
   * The same across event-loop turns (start-up, DEBUG RELOAD): the event loop runs between slices
   * (see LoadPace), clients without the `loading` flag get -LOADING meanwhile, and INFO shows the
   * loading_* fields. Rejects with LoadError, or LoadAborted when the server closed meanwhile.
   */
  async loadInSlices(options: LoadOptions = {}): Promise<boolean> {
    const buf = this.readDump();
    if (buf === undefined) return false;
    return this.loadBufferInSlices(buf, this.path, options);
  }

  /** Run a paced load (the dump file's, or the append-only file's) with INFO showing its figures. */
  async drivePaced<T>(pace: LoadPace, steps: Generator<void, T, void>): Promise<T> {
    this.pace = pace;
    try {
      return await drive(steps, pace, () => this.server.stopped);
    } finally {
      this.pace = undefined;
    }
  }

  /** The dump file's bytes; undefined when there is none. Throws LoadError when it cannot be read. */
  private readDump(): Buffer | undefined {
    const file = this.path;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.server.log('warning', `Fatal error loading the DB: ${reason(err)}. Exiting.`);
      throw new LoadError(`Fatal error loading the DB from ${file}: ${reason(err)}`, file, undefined);
    }
  }

  /**
   * Load an RDB image already in memory (the dump file, or a master's full-sync payload) into
   * the current databases, at once. Throws LoadError naming `file` when it is corrupt.
   */
  loadBuffer(buf: Buffer, file: string, options: LoadOptions = {}): boolean {
    return runToEnd(this.loadSteps(buf, file, options, undefined));
  }

  /** loadBuffer across event-loop turns, as loadInSlices (a replica's full-sync payload). */
  loadBufferInSlices(buf: Buffer, file: string, options: LoadOptions = {}): Promise<boolean> {
    const pace = new LoadPace(this.server.config, buf.length);
    return this.drivePaced(pace, this.loadSteps(buf, file, options, pace));
  }

  /** loadBuffer in steps: with a pace, it pauses between keys as the pace says. */
  private *loadSteps(buf: Buffer, file: string, options: LoadOptions, pace: LoadPace | undefined): Generator<void, boolean, void> {
    const server = this.server;
    const started = performance.now();
    const now = Date.now();
    const dirty = server.dirty;
    const keys = new KeyLoader(server.dbs);
    let emptySkipped = 0;
    let producedBy = '';
    let ctime = 0;
    let usedMem = 0;
    this.setLoading(true);
    try {
      yield* readRdbSteps(
        buf,
        {
          aux(name, value) {
            if (name === 'redis-ver') producedBy = value.toString('latin1');
            else if (name === 'ctime') ctime = Number(value.toString('latin1'));
            else if (name === 'used-mem') {
              usedMem = Number(value.toString('latin1'));
              if (pace !== undefined) pace.rdbUsedMem = usedMem;
            }
          },
          functionLibrary(code) {
            try {
              // The scripting state (a Lua state) is made here, not before the load: most files
              // have no library, and made up front it was a third of the instructions of a start-up
              // on a one-key file (callgrind: 1.08 G with it, 0.72 G without).
              server.scripting.loadLibrary(code, options.replaceLibraries === true);
            } catch (err) {
              throw new RdbError(`Failed loading library: ${reason(err)}`, 0);
            }
          },
          key(dbIndex, key, _type, value, expireAt, idleMs, freq) {
            keys.key(dbIndex, key, value, expireAt, idleMs, freq);
          },
          emptyKey(_dbIndex, key) {
            emptySkipped++;
            server.log('warning', `rdbLoadObject skipping empty key: ${key}`);
          },
          pauseAt: pace === undefined ? undefined : (offset) => pace.at(offset),
        },
        server.config,
        { checksum: server.config.bool('rdbchecksum') },
      );
    } catch (err) {
      if (err instanceof RdbError) {
        if (err.message.startsWith('Wrong RDB checksum')) server.log('warning', err.message);
        const what = err.message.startsWith('Wrong RDB checksum') ? 'RDB CRC error' : err.message;
        server.log('warning', `Internal error in RDB reading offset ${err.offset}, function at rdbLoad -> ${what}`);
        // At start-up Redis checks the file (redis-check-rdb's report) and exits, saying so.
        if (options.atStart) server.log('warning', 'Terminating server after rdb file reading failure.');
        else server.log('warning', `Fatal error loading the DB: Invalid argument. Exiting.`);
        throw new LoadError(`Bad RDB file ${file} at offset ${err.offset}: ${what}`, file, err.offset);
      }
      throw err;
    } finally {
      this.setLoading(false);
    }
    // Loading is not a change to save again.
    server.dirty = dirty;
    const { loaded, expired } = keys;
    this.lastLoadKeysLoaded = loaded;
    this.lastLoadKeysExpired = expired;
    if (producedBy !== '') server.log('notice', `Loading RDB produced by version ${producedBy}`);
    if (ctime > 0) server.log('notice', `RDB age ${Math.max(0, Math.floor(now / 1000) - ctime)} seconds`);
    if (usedMem > 0) server.log('notice', `RDB memory usage when created ${(usedMem / 1024 / 1024).toFixed(2)} Mb`);
    if (emptySkipped > 0) server.log('warning', `Done loading RDB, keys loaded: ${loaded}, keys expired: ${expired}, empty keys skipped: ${emptySkipped}.`);
    else server.log('notice', `Done loading RDB, keys loaded: ${loaded}, keys expired: ${expired}.`);
    server.log('notice', `DB loaded from disk: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
    return true;
  }

  // ------------------------------------------------------------------ INFO

  infoFields(): [string, string | number][] {
    const bg = this.background;
    const now = Date.now();
    return [
      ['loading', this.loading ? 1 : 0],
      ['async_loading', 0],
      ['current_cow_peak', bg?.snapshot.cowBytes ?? 0],
      ['current_cow_size', bg?.snapshot.cowBytes ?? 0],
      ['current_cow_size_age', 0],
      ['current_fork_perc', bg === undefined || bg.snapshot.keysTotal === 0 ? '0.00' : ((100 * bg.snapshot.keysWritten) / bg.snapshot.keysTotal).toFixed(2)],
      ['current_save_keys_processed', bg?.snapshot.keysWritten ?? 0],
      ['current_save_keys_total', bg?.snapshot.keysTotal ?? 0],
      ['rdb_changes_since_last_save', this.changesSinceLastSave],
      ['rdb_bgsave_in_progress', bg === undefined ? 0 : 1],
      ['rdb_last_save_time', Math.floor(this.lastSaveMs / 1000)],
      ['rdb_last_bgsave_status', this.lastBgsaveOk ? 'ok' : 'err'],
      ['rdb_last_bgsave_time_sec', this.lastBgsaveSeconds],
      ['rdb_current_bgsave_time_sec', bg === undefined ? -1 : Math.round((now - bg.startedMs) / 1000)],
      ['rdb_saves', this.saves],
      ['rdb_last_cow_size', this.lastCowBytes],
      ['rdb_last_load_keys_expired', this.lastLoadKeysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoadKeysLoaded],
    ];
  }

  /** The loading_* fields, while a load runs across turns (they end INFO's Persistence section). */
  loadingInfoFields(): [string, string | number][] {
    return this.pace?.infoFields() ?? [];
  }
}

/**
 * Serialize `snapshot` into `sink` in slices of SLICE_MS, letting clients run between them
 * (copy-on-write keeps the image at its starting point meanwhile): a BGSAVE, or an AOF rewrite's
 * RDB base. `delayUs` is rdb-key-save-delay, read before each slice. Resolves true once every
 * byte is in the sink, false as soon as `stopped()` says the work was abandoned; throws when
 * the writer child (`what`: save or rewrite) died first — the save or rewrite has failed.
 */
export async function writeInSlices(
  server: PersistenceHost,
  snapshot: Snapshot,
  sink: SaveSink,
  child: WriterChild | undefined,
  what: string,
  delayUs: () => number,
  stopped: () => boolean,
): Promise<boolean> {
  const stats = server.stats;
  const input = (): number => stats.netInputBytes + stats.totalConnections;
  for (;;) {
    // Requests read in this turn run, and their replies go, before the slice, not after it; one
    // of them may stop the save (FLUSHALL, SHUTDOWN, CONFIG SET appendonly no...).
    server.flushReplies();
    if (stopped()) return false;
    if (child?.ended === true) throw new Error((await child.exited) ?? `the ${what} child exited before its data`);
    const { maxKeys, pauseMs } = keyDelay(delayUs());
    const done = snapshot.step(performance.now() + SLICE_MS, maxKeys);
    const bytes = snapshot.takeView();
    if (bytes.length > 0) await sink.write(bytes);
    if (done && pauseMs === 0) return !stopped();
    // Let clients run (copy-on-write keeps the image at its starting point meanwhile). A killed
    // child ends the wait. (The delay follows every key, the last one too, as in Redis's child.)
    await sink.until(pauseMs > 0 ? sleep(pauseMs) : afterReplies(input, SLICE_MS));
    if (done) return !stopped();
  }
}

/** Where a BGSAVE's or a rewrite's bytes go: its writer child, or (when none could start) the file itself. */
export interface SaveSink {
  open(): Promise<void>;
  write(bytes: Buffer): Promise<void>;
  /** Wait for `pause`, or less if the writer ends meanwhile. */
  until(pause: Promise<void>): Promise<void>;
  /** All written: make it durable; throws when it is not whole. */
  finish(): Promise<void>;
  close(): Promise<void>;
}

export class ChildSink implements SaveSink {
  constructor(
    private readonly child: WriterChild,
    private readonly file: string,
  ) {}

  async open(): Promise<void> {}

  write(bytes: Buffer): Promise<void> {
    return this.child.write(bytes);
  }

  async until(pause: Promise<void>): Promise<void> {
    await Promise.race([pause, this.child.exited]);
  }

  async finish(): Promise<void> {
    await this.child.end();
    // `cat` does not sync: the file is synced here, once it is whole.
    const handle = await fs.promises.open(this.file, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {
    this.child.kill();
  }
}

export class FileSink implements SaveSink {
  private handle: fs.promises.FileHandle | undefined;

  constructor(private readonly file: string) {}

  async open(): Promise<void> {
    this.handle = await fs.promises.open(this.file, 'w');
  }

  write(bytes: Buffer): Promise<void> {
    return writeFully(this.handle!, bytes);
  }

  async until(pause: Promise<void>): Promise<void> {
    await pause;
  }

  async finish(): Promise<void> {
    await this.handle!.sync();
    await this.close();
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) await handle.close().catch(() => undefined);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

async function writeFully(handle: fs.promises.FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await handle.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

function unlinkQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // not there
  }
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const texts: Record<string, string> = {
      ENOENT: 'No such file or directory',
      EACCES: 'Permission denied',
      EISDIR: 'Is a directory',
      ENOTDIR: 'Not a directory',
      ENOSPC: 'No space left on device',
      EROFS: 'Read-only file system',
      ENOTEMPTY: 'Directory not empty',
    };
    if (code !== undefined && texts[code] !== undefined) return texts[code]!;
    return err.message;
  }
  return String(err);
}

/** What a snapshot reads of the server: its data, config, memory figures and FUNCTION libraries. */
export interface SnapshotServer extends MemoryHost {
  readonly config: Config;
  readonly extensions: ReadonlyMap<string, unknown>;
  readonly scripting: { readonly libraries: ReadonlyMap<string, { readonly code: Buffer }> };
}

/**
 * A point-in-time image of the server's data and FUNCTION libraries, with the AUX fields Redis
 * writes; `aofBase` marks the base of an append-only file.
 */
export function serverSnapshot(server: SnapshotServer, aofBase: boolean, writer?: ImageWriter): Snapshot {
  return new Snapshot({
    writer,
    dbs: server.dbs,
    config: server.config,
    aux: () => [
      ['redis-ver', REDIS_VERSION],
      ['redis-bits', 64],
      ['ctime', Math.floor(Date.now() / 1000)],
      ['used-mem', usedMemory(server)],
      ['aof-base', aofBase ? 1 : 0],
    ],
    libraries: () => {
      const libs = server.extensions.has('scripting') ? server.scripting.libraries : undefined;
      return libs === undefined ? [] : [...libs.values()].map((l) => l.code);
    },
  });
}
