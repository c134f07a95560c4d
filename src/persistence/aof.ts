// The append-only file, Redis 7.0's multi-part layout: in `<dir>/<appenddirname>/`, a base file
// (`<appendfilename>.<seq>.base.aof`), incremental files (`<appendfilename>.<seq>.incr.aof`) and
// a manifest (`<appendfilename>.manifest`) naming them. Fed by the effects stream.
//
// Durability: the effects of an event-loop turn are encoded into one buffer and written with one
// write(2) at the start of the server's flush, before any reply of that turn reaches a socket, so
// a killed process never loses an acknowledged write. `always` adds one fdatasync per turn (group
// commit) before the replies go; `everysec` syncs in the background once a second (libuv's thread
// pool, never the event loop); `no` leaves it to the kernel.
import fs from 'node:fs';
import path from 'node:path';
import type { PersistenceHost } from './host.js';
import type { Effect, EffectsConsumer } from './host.js';
import { ReplyError } from '../protocol/reply.js';
import { AofManifest, ManifestError, writeFileAtomic, fsyncDir, type AofFileInfo } from './aof-manifest.js';
import { CommandImageWriter } from './aof-rewrite.js';
import { CommandBuffer } from './command-buffer.js';
import { AofLoadError, aofFileSteps, type ReplaySteps } from './aof-load.js';
import { LoadPace } from './loading.js';
import { datasetNow } from './aof-preamble.js';
import { WriterChild } from './writer-child.js';
import { ChildSink, FileSink, serverSnapshot, writeInSlices } from './rdbfile.js';
import type { ImageWriter, Snapshot } from './snapshot.js';

/** A word nobody notifies: Atomics.wait on it is a synchronous sleep. */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

export { AofLoadError } from './aof-load.js';

const SELECT = Buffer.from('SELECT');

/** strerror() texts for the errors a disk write can report, as Redis prints them. */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EROFS: 'Read-only file system',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  ENOENT: 'No such file or directory',
};

function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return STRERROR[code] ?? (err as Error).message;
}

export class AppendOnlyFile implements EffectsConsumer {
  /** On: effects are being appended. */
  enabled = false;
  private fd = -1;
  /** The turn's effects, encoded, waiting for the flush's write (kept there while the disk fails). */
  private readonly pending = new CommandBuffer();
  /** DEBUG AOF-FLUSH-SLEEP: microseconds to stall before each write (0: none). */
  flushSleepUs = 0;
  /** DEBUG LOADAOF is replaying the log across event-loop turns (see reload). */
  private reloadInFlight = false;
  /** The server closed (a replay in flight stops). */
  private shutDown = false;
  private selectedDb = -1;
  private lastTimestamp = 0;
  private manifest = new AofManifest();
  private syncTimer: NodeJS.Timeout | undefined;
  private unsynced = false;
  private fsyncInFlight = false;
  /** Bytes of the files in the manifest other than the open incremental file. */
  private otherFilesSize = 0;
  private incrSize = 0;
  /** aof_base_size: the log's size after the last rewrite (or at start). */
  private baseSize = 0;

  lastWriteOk = true;
  private writeErrorLogged = false;
  rewriting = false;
  private rewriteStartedAt = 0;
  private lastRewriteSeconds = -1;
  private lastRewriteOk = true;
  private rewrites = 0;
  private rewriteFailures = 0;
  private delayedFsync = 0;

  /** The two system calls of the append path; tests substitute failing ones to simulate a bad disk. */
  readonly io = { write: fs.writeSync, fdatasync: fs.fdatasyncSync };

  constructor(private readonly server: PersistenceHost) {}

  private get config() {
    return this.server.config;
  }

  get dirPath(): string {
    return path.resolve(this.config.string('dir'), this.config.string('appenddirname'));
  }

  private get fileName(): string {
    return this.config.string('appendfilename');
  }

  get manifestName(): string {
    return `${this.fileName}.manifest`;
  }

  // ---------------------------------------------------------------- start

  /**
   * At start with appendonly yes: load the log (multi-part, or an old single file in `dir`, which
   * is moved into the directory as its base), or create an empty one; then open it for appending.
   * Throws AofLoadError when start-up must stop. The replay runs in slices across event-loop
   * turns (loading:1, clients get -LOADING meanwhile), as Redis loads while it serves.
   */
  async loadAtStartInSlices(): Promise<void> {
    const pace = new LoadPace(this.config, 0);
    const rdb = this.server.rdb;
    rdb.setLoading(true);
    try {
      await rdb.drivePaced(pace, this.loadAtStartSteps(pace));
    } finally {
      rdb.setLoading(false);
    }
  }

  /** loadAtStartInSlices' steps: they pause where `pace` says. */
  private *loadAtStartSteps(pace: LoadPace): ReplaySteps<void> {
    const dir = this.dirPath;
    const manifestPath = path.join(dir, this.manifestName);
    const oldStyle = path.resolve(this.config.string('dir'), this.fileName);
    const started = performance.now();
    if (fs.existsSync(manifestPath)) {
      this.manifest = readManifest(manifestPath, this.server);
      this.continueUpgrade();
      pace.totalBytes = this.checkFilesExist();
      yield* this.loadFilesSteps(pace);
      if (this.manifest.base === undefined && this.manifest.incrs.length === 0) {
        // A manifest that names no data (only comments): start from empty, as Redis does.
        const base = this.writeBaseSync(this.manifest.baseSeq + 1);
        this.server.log('notice', `Creating AOF base file ${base.name} on server start`);
        this.manifest.base = base;
        this.manifest.baseSeq = base.seq;
      }
    } else if (fs.existsSync(oldStyle) && fs.statSync(oldStyle).isFile()) {
      pace.totalBytes = fs.statSync(oldStyle).size;
      yield* aofFileSteps(this.server, oldStyle, this.fileName, true, this.fileName, pace);
      fs.mkdirSync(dir, { recursive: true });
      fs.renameSync(oldStyle, path.join(dir, this.fileName));
      this.manifest = new AofManifest();
      this.manifest.base = { name: this.fileName, seq: 1, type: 'b' };
      this.manifest.baseSeq = 1;
      this.openNewIncr('on server start');
      this.persistManifest();
      this.server.log('notice', 'Successfully migrated an old-style AOF into the AOF directory');
    } else {
      fs.mkdirSync(dir, { recursive: true });
      this.manifest = new AofManifest();
      const base = this.writeBaseSync(1);
      this.server.log('notice', `Creating AOF base file ${base.name} on server start`);
      this.manifest.base = base;
      this.manifest.baseSeq = 1;
      this.openNewIncr('on server start');
      this.persistManifest();
    }
    if (this.fd < 0) {
      const last = this.manifest.incrs[this.manifest.incrs.length - 1];
      if (last === undefined) {
        this.openNewIncr('on server start');
        this.persistManifest();
      } else this.openIncr(last.name);
    }
    if (this.server.dirty > 0 || this.manifest.loadOrder.length > 0) {
      this.server.log('notice', `DB loaded from append only file: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
    }
    this.computeSizes();
    this.baseSize = this.otherFilesSize + this.incrSize;
    this.turnOn();
  }

  /**
   * An upgrade from a single-file AOF stopped between writing the manifest (which names the old
   * file as its base) and moving the file into the directory: finish it, as Redis does.
   */
  private continueUpgrade(): void {
    const base = this.manifest.base;
    if (base === undefined || base.name !== this.fileName) return;
    const inDir = path.join(this.dirPath, base.name);
    const oldStyle = path.resolve(this.config.string('dir'), base.name);
    if (fs.existsSync(inDir) || !fs.existsSync(oldStyle)) return;
    fs.renameSync(oldStyle, inDir);
    fsyncDir(this.dirPath);
    this.server.log('notice', 'Successfully migrated an old-style AOF into the AOF directory');
  }

  /**
   * Every file the manifest names must be there before anything is loaded (Redis's wording).
   * Returns their total size (loading_total_bytes).
   */
  private checkFilesExist(): number {
    let total = 0;
    for (const f of this.manifest.loadOrder) {
      try {
        total += fs.statSync(path.join(this.dirPath, f.name)).size;
      } catch (err) {
        throw new AofLoadError(`Unable to obtain the AOF file ${f.name} length. stat: ${strerror(err)}`);
      }
    }
    return total;
  }

  /**
   * Replay the files of the manifest, in order, in steps: pauses between the slices of a slow
   * script (see ReplaySteps) and, with a pace, where it says.
   */
  private *loadFilesSteps(pace?: LoadPace): ReplaySteps<void> {
    const files = this.manifest.loadOrder;
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const full = path.join(this.dirPath, f.name);
      if (!fs.existsSync(full)) throw new AofLoadError(`The AOF file ${f.name} doesn't exist`);
      const started = performance.now();
      const size = fs.statSync(full).size;
      const outcome = yield* aofFileSteps(this.server, full, f.name, i === files.length - 1, this.manifestName, pace);
      pace?.fileDone(size);
      const kind = f.type === 'b' ? 'base' : 'incr';
      if (outcome !== 'empty') {
        this.server.log('notice', `DB loaded from ${kind} file ${f.name}: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
      }
    }
  }

  /** True while DEBUG LOADAOF replays the log across event-loop turns (a slow script in it). */
  get reloading(): boolean {
    return this.reloadInFlight;
  }

  /**
   * DEBUG LOADAOF: write out what is pending, empty the dataset, and replay the log. Returns true
   * when the replay finished at once. A slow script in the log (past busy-reply-threshold) runs
   * in slices instead, as in Redis: the event loop answers other clients with -LOADING between
   * them (INFO says loading:1), and `done` is called once the replay is over (with the error
   * that stopped it, if any); then it returns false.
   */
  reload(done: (error: unknown) => void): boolean {
    if (this.enabled) {
      this.writeTurn();
      if (this.fd >= 0) fs.fsyncSync(this.fd);
      this.server.effects.unsubscribe(this);
    }
    const finish = () => {
      if (this.enabled) this.server.effects.subscribe(this);
      // As Redis's DEBUG LOADAOF: what was loaded is not a change to save (dirty back to 0).
      this.server.rdb.forgetChanges();
    };
    let steps: ReplaySteps<void>;
    try {
      for (const db of this.server.dbs) db.flush();
      if (!this.enabled) {
        // As Redis's: with the log off, the files on disk (a BGREWRITEAOF's base) are loaded.
        const manifestPath = path.join(this.dirPath, this.manifestName);
        if (!fs.existsSync(manifestPath)) {
          finish();
          return true;
        }
        this.manifest = readManifest(manifestPath, this.server);
      }
      steps = this.loadFilesSteps();
      if (steps.next().done === true) {
        finish();
        return true;
      }
    } catch (err) {
      finish();
      throw err;
    }
    // A slow script paused the replay: go on in later turns, refusing other clients meanwhile.
    this.reloadInFlight = true;
    this.server.rdb.setLoading(true);
    const end = (error: unknown) => {
      this.reloadInFlight = false;
      this.server.rdb.setLoading(false);
      finish();
      done(error);
    };
    const next = () => {
      if (this.shutDown) return end(new Error('the server is shutting down'));
      try {
        if (steps.next().done === true) return end(undefined);
      } catch (err) {
        return end(err);
      }
      setImmediate(next);
    };
    setImmediate(next);
    return false;
  }

  /**
   * CONFIG SET appendonly yes, as Redis's startAppendOnly: the base is written by a background
   * rewrite (rdb-key-save-delay slows it as BGREWRITEAOF). Meanwhile the log is "waiting for its
   * rewrite" (Redis's AOF_WAIT_REWRITE): effects go to a temporary incremental file that the
   * manifest does not name, so the files on disk stay as they were until the base is complete;
   * then the base and that file become the log, in one manifest swap. SHUTDOWN refuses to stop in
   * between ("Writing initial AOF, can't exit."), since nothing would hold the dataset.
   */
  enableAtRuntime(): void {
    this.enableScheduled = false;
    if (this.enabled) return;
    if (this.rewriting) {
      // A rewrite with the log off does not collect the appends: start over, as Redis does.
      this.server.log('notice', 'AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
      this.rewriteId++;
      this.rewriting = false;
      this.killRewriteChild();
    }
    this.epoch++;
    const dir = this.dirPath;
    fs.mkdirSync(dir, { recursive: true });
    const manifestPath = path.join(dir, this.manifestName);
    const previous = fs.existsSync(manifestPath) ? safeReadManifest(manifestPath) : undefined;
    const old = previous ?? new AofManifest();
    const fresh = new AofManifest();
    fresh.baseSeq = old.baseSeq;
    fresh.incrSeq = old.incrSeq;
    this.manifest = fresh;
    this.closeFd(false);
    this.fd = fs.openSync(path.join(dir, this.tempIncrName), 'w');
    this.incrSize = 0;
    this.otherFilesSize = 0;
    this.initialRewrite = { old };
    this.turnOn();
    this.rewrite();
  }

  /** The temporary incremental file appended to while the initial base is written. */
  private get tempIncrName(): string {
    return `temp-${this.fileName}.incr`;
  }

  /** CONFIG SET appendonly yes is writing its base (Redis's AOF_WAIT_REWRITE), with the log's former files. */
  private initialRewrite: { old: AofManifest } | undefined;

  /** True while CONFIG SET appendonly yes writes its base: stopping now would lose the dataset. */
  get writingInitialAof(): boolean {
    return this.initialRewrite !== undefined;
  }

  /** The initial rewrite ended without a base: drop the temporary file, and let the cron retry. */
  private abandonInitial(retry: boolean): void {
    if (this.initialRewrite === undefined) return;
    this.initialRewrite = undefined;
    this.server.effects.unsubscribe(this);
    this.enabled = false;
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.syncTimer = undefined;
    this.pending.reset();
    this.closeFd(false);
    this.server.log('notice', `Removing the temp incr aof file ${this.tempIncrName} in the background`);
    this.unlinkQuietly(this.tempIncrName);
    this.enableScheduled = retry;
  }

  /**
   * CONFIG SET appendonly yes where the base cannot be taken now: inside EXEC (the transaction's
   * earlier writes are not logged yet: the base would hold them and the log would repeat them) or
   * while a BGSAVE runs (Redis runs one child at a time). The cron enables it once it can; INFO
   * says enabled and a rewrite scheduled meanwhile, as Redis's does.
   */
  scheduleEnable(inExec: boolean): void {
    if (this.enabled || this.enableScheduled) return;
    this.enableScheduled = true;
    this.server.log(
      'warning',
      inExec
        ? 'AOF was enabled during a transaction. An AOF background was scheduled to start when possible.'
        : 'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.',
    );
  }

  /** CONFIG SET appendonly no. */
  disable(): void {
    this.enableScheduled = false;
    if (!this.enabled) return;
    // A rewrite in flight belongs to the log being closed: it must not touch the files any more.
    this.epoch++;
    if (this.rewriting) {
      // As Redis: the rewrite child is killed, and the rewrite forgotten.
      this.server.log('notice', `Killing running AOF rewrite child: ${this.rewriteChild?.pid ?? process.pid}`);
      this.rewriteId++;
      this.rewriting = false;
      this.killRewriteChild();
      this.rewriteScheduled = false;
    }
    if (this.initialRewrite !== undefined) {
      // Its base was never written: the files on disk are those from before CONFIG SET appendonly yes.
      this.abandonInitial(false);
      this.server.writesDenied = undefined;
      return;
    }
    this.writeTurn();
    this.server.effects.unsubscribe(this);
    this.enabled = false;
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.syncTimer = undefined;
    this.closeFd(true);
    this.server.writesDenied = undefined;
  }

  /**
   * At shutdown: write, sync and close. An embedding app's close() cannot be refused as SHUTDOWN
   * is while CONFIG SET appendonly yes writes its base ("Writing initial AOF, can't exit."): the
   * base is written here in one step instead, so the writes acknowledged since are kept.
   */
  close(): void {
    this.shutDown = true;
    if (!this.enabled) return;
    if (this.initialRewrite !== undefined) this.completeInitialNow();
    this.writeTurn();
    this.disable();
  }

  /** The initial base, now: the running rewrite is stopped and the dataset written in one step. */
  private completeInitialNow(): void {
    this.rewriteId++;
    this.rewriting = false;
    this.killRewriteChild();
    // Everything logged since the rewrite started is in the dataset, so in this base: the
    // temporary incremental file starts over empty (replaying it would apply it twice).
    this.pending.reset();
    this.closeFd(false);
    this.fd = fs.openSync(path.join(this.dirPath, this.tempIncrName), 'w');
    this.incrSize = 0;
    const { info, data } = this.baseOf(this.manifest.baseSeq + 1);
    const temp = `temp-rewriteaof-${process.pid}.aof`;
    writeFileAtomic(this.dirPath, temp, data);
    this.finishInitial(info, temp);
  }

  private turnOn(): void {
    this.enabled = true;
    this.selectedDb = -1;
    this.server.effects.subscribe(this);
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.syncTimer = setInterval(() => this.everySecond(), 1000);
    this.syncTimer.unref();
  }

  // ---------------------------------------------------------------- appending

  feed(effects: readonly Effect[]): void {
    if (this.config.bool('aof-timestamp-enabled')) {
      const now = Math.floor(Date.now() / 1000);
      if (now !== this.lastTimestamp) {
        this.lastTimestamp = now;
        this.pending.appendRaw(Buffer.from(`#TS:${now}\r\n`));
      }
    }
    for (const effect of effects) {
      if (effect.to !== undefined && (effect.to & 1) === 0) continue; // redis.set_repl: not PROPAGATE_AOF (server/effects.ts)
      if (effect.db !== this.selectedDb) {
        this.pending.append([SELECT, Buffer.from(String(effect.db))]);
        this.selectedDb = effect.db;
      }
      this.pending.append(effect.argv);
    }
    this.server.requestFlush();
  }

  get bufferLength(): number {
    return this.pending.length;
  }

  /**
   * Write the turn's effects (one write(2)), and with `always` sync them. Called by the server
   * before it releases the turn's replies. Returns false when the bytes are not safely in the
   * log: the caller must then not acknowledge (with `always`) — the writes stay refused with
   * MISCONF until the disk works again.
   */
  writeTurn(): boolean {
    if (this.pending.length === 0 || this.fd < 0) return this.lastWriteOk;
    if (this.flushSleepUs > 0) Atomics.wait(SLEEPER, 0, 0, this.flushSleepUs / 1000);
    const data = this.pending.view();
    const always = this.config.string('appendfsync') === 'always';
    try {
      let written = 0;
      while (written < data.length) written += this.io.write(this.fd, data, written, data.length - written);
      if (always) this.io.fdatasync(this.fd);
      else this.unsynced = true;
    } catch (err) {
      // Leave the file as it was before this turn; the bytes stay pending, retried on the next turn.
      try {
        fs.ftruncateSync(this.fd, this.incrSize);
      } catch {
        // nothing more to do: the retry rewrites from the same offset
      }
      this.writeFailed(err, always);
      return false;
    }
    this.pending.reset();
    this.incrSize += data.length;
    if (!this.lastWriteOk) this.writeRecovered();
    return true;
  }

  private writeFailed(err: unknown, always: boolean): void {
    const reason = strerror(err);
    if (!this.writeErrorLogged) {
      this.server.log('warning', `Error writing to the AOF file: ${reason}`, { event: 'aof-write-error' });
      if (always) this.server.log('warning', "Can't recover from AOF write error when the AOF fsync policy is 'always'. Refusing writes until the disk works again.");
      this.writeErrorLogged = true;
    }
    this.lastWriteOk = false;
    this.server.writesDenied = new ReplyError(`MISCONF Errors writing to the AOF file: ${reason}`);
    // Dispatch consults the server's admit() while gated (refusals before MULTI queueing too).
    this.server.gated = true;
  }

  private writeRecovered(): void {
    this.lastWriteOk = true;
    this.writeErrorLogged = false;
    this.server.writesDenied = undefined;
    this.server.log('warning', 'AOF write error looks solved, Tidings can write again.');
  }

  private everySecond(): void {
    if (!this.enabled) return;
    if (!this.lastWriteOk) this.writeTurn();
    if (this.config.string('appendfsync') !== 'everysec' || !this.unsynced) return;
    if (this.fsyncInFlight) {
      this.delayedFsync++;
      return;
    }
    const fd = this.fd;
    this.unsynced = false;
    this.fsyncInFlight = true;
    fs.fdatasync(fd, (err) => {
      this.fsyncInFlight = false;
      if (err && fd === this.fd) {
        this.unsynced = true;
        this.writeFailed(err, false);
      }
    });
  }

  /** Which rewrite is current: a forgotten one (killed by CONFIG SET appendonly no) reports nothing. */
  private rewriteId = 0;

  /** Bumped when appending stops, so a rewrite started before knows it is stale. */
  private epoch = 0;

  /** BGREWRITEAOF inside MULTI/EXEC: started by the cron once the transaction's effects are logged. */
  rewriteScheduled = false;

  /** CONFIG SET appendonly yes waiting for the cron (see scheduleEnable). */
  private enableScheduled = false;

  /** Automatic rewrite (auto-aof-rewrite-percentage / -min-size), checked by the server cron. */
  cron(): void {
    if (this.enableScheduled && !this.server.rdb.inProgress) {
      this.enableAtRuntime();
      return;
    }
    if (this.rewriteScheduled && !this.rewriting && !this.server.rdb.inProgress) {
      this.rewriteScheduled = false;
      this.rewrite();
      return;
    }
    // One background image at a time, as Redis runs one child: a BGSAVE holds automatic rewrites back.
    if (!this.enabled || this.rewriting || this.server.rdb.inProgress) return;
    const percentage = this.config.number('auto-aof-rewrite-percentage');
    const minSize = this.config.number('auto-aof-rewrite-min-size');
    const current = this.otherFilesSize + this.incrSize;
    if (percentage === 0 || current < minSize) return;
    const base = this.baseSize > 0 ? this.baseSize : 1;
    const growth = Math.floor((current * 100) / base) - 100;
    if (growth >= percentage && !this.rewriteLimited()) {
      this.server.log('notice', `Starting automatic rewriting of AOF on ${growth}% growth`);
      this.rewrite();
    }
  }

  /** While automatic rewrites are held back after repeated failures: when the next may run (ms), and the wait. */
  private limitUntil = 0;
  private limitMinutes = 0;

  /**
   * After 3 consecutive failed rewrites, automatic ones are held back as Redis holds them: for a
   * minute, then a doubled wait after each further failure (an hour at most), logged each time the
   * limit starts. BGREWRITEAOF is never held back.
   */
  private rewriteLimited(): boolean {
    if (this.rewriteFailures < 3) {
      this.limitUntil = 0;
      this.limitMinutes = 0;
      return false;
    }
    const now = Date.now();
    if (this.limitUntil !== 0) {
      if (now < this.limitUntil) return true;
      this.limitUntil = 0;
      return false;
    }
    this.limitMinutes = Math.min(60, this.limitMinutes === 0 ? 1 : this.limitMinutes * 2);
    this.limitUntil = now + this.limitMinutes * 60_000;
    this.server.log('warning', `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.limitMinutes} minutes`);
    return true;
  }

  // ---------------------------------------------------------------- files

  private openIncr(name: string): void {
    this.closeFd(false);
    this.fd = fs.openSync(path.join(this.dirPath, name), 'a');
    this.incrSize = fs.fstatSync(this.fd).size;
    this.selectedDb = -1;
  }

  private openNewIncr(when: string): AofFileInfo {
    const seq = this.manifest.incrSeq + 1;
    const info: AofFileInfo = { name: `${this.fileName}.${seq}.incr.aof`, seq, type: 'i' };
    this.closeFd(true);
    this.fd = fs.openSync(path.join(this.dirPath, info.name), 'a');
    this.incrSize = fs.fstatSync(this.fd).size;
    this.selectedDb = -1;
    this.manifest.incrs.push(info);
    this.manifest.incrSeq = seq;
    if (when) this.server.log('notice', `Creating AOF incr file ${info.name} ${when}`);
    return info;
  }

  private closeFd(sync: boolean): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      if (sync && this.config.string('appendfsync') !== 'no') fs.fdatasyncSync(fd);
    } catch {
      // the file is being retired; its content was written already
    }
    fs.closeSync(fd);
  }

  /** Base file `seq`: an RDB image (aof-use-rdb-preamble yes) or the dataset as commands. */
  private baseInfo(seq: number): AofFileInfo {
    return { name: `${this.fileName}.${seq}.base.${this.config.bool('aof-use-rdb-preamble') ? 'rdb' : 'aof'}`, seq, type: 'b' };
  }

  /** The serializer of a base in command form (undefined: an RDB image). */
  private baseWriter(): ImageWriter | undefined {
    if (this.config.bool('aof-use-rdb-preamble')) return undefined;
    // With aof-timestamp-enabled, a command base starts with the time of the rewrite, as Redis's.
    const stamp = this.config.bool('aof-timestamp-enabled') ? Buffer.from(`#TS:${Math.floor(Date.now() / 1000)}\r\n`) : undefined;
    return new CommandImageWriter(stamp);
  }

  /** A base file's name and content, taken now in one step. */
  private baseOf(seq: number): { info: AofFileInfo; data: Buffer } {
    return { info: this.baseInfo(seq), data: datasetNow(this.server, this.baseWriter()) };
  }

  /** Write the dataset as a base file now (start, CONFIG SET appendonly yes). */
  private writeBaseSync(seq: number): AofFileInfo {
    const { info, data } = this.baseOf(seq);
    writeFileAtomic(this.dirPath, info.name, data);
    return info;
  }

  private persistManifest(): void {
    writeFileAtomic(this.dirPath, this.manifestName, this.manifest.format());
  }

  private computeSizes(): void {
    let other = 0;
    const open = this.manifest.incrs[this.manifest.incrs.length - 1];
    for (const f of this.manifest.loadOrder) {
      if (f === open) continue;
      try {
        other += fs.statSync(path.join(this.dirPath, f.name)).size;
      } catch {
        // counted as empty
      }
    }
    this.otherFilesSize = other;
  }

  private unlinkQuietly(name: string): void {
    try {
      fs.unlinkSync(path.join(this.dirPath, name));
    } catch {
      // already gone
    }
  }

  // ---------------------------------------------------------------- rewrite

  /**
   * BGREWRITEAOF: switch appends to a new incremental file and take the dataset as commands in
   * the same step (so base + new incr = everything), then write the base in the background and
   * swap the manifest atomically; the old base and incr files become history and are deleted.
   */
  rewrite(): void {
    if (this.rewriting) throw new ReplyError('ERR Background append only file rewriting already in progress');
    if (!this.enabled) {
      // As Redis: with the AOF off, a rewrite still writes a base (and a manifest naming it).
      fs.mkdirSync(this.dirPath, { recursive: true });
    }
    this.rewriting = true;
    this.rewriteStartedAt = Date.now();
    const started = performance.now();
    let newIncr: AofFileInfo | undefined;
    let base: RewriteBase;
    try {
      if (this.enabled && this.initialRewrite === undefined) {
        this.writeTurn();
        newIncr = this.openNewIncr('during AOF rewrite');
        this.persistManifest();
        this.computeSizes();
      }
      const seq = (this.enabled ? this.manifest.baseSeq : readManifestOr(path.join(this.dirPath, this.manifestName)).baseSeq) + 1;
      // A point-in-time image taken in slices, as BGSAVE's: copy-on-write keeps it at this
      // moment while clients run.
      base = { info: this.baseInfo(seq), image: serverSnapshot(this.server, true, this.baseWriter()) };
      this.rewriteImage = base.image;
      // Bytes a failing disk left pending are in the new base already: replaying them after it
      // would apply them twice.
      this.pending.reset();
    } catch (err) {
      this.rewriteFinished(false, err);
      return;
    }
    this.server.stats.forked(started);
    this.server.log('notice', `Background append only file rewriting started`);
    const id = ++this.rewriteId;
    void this.finishRewrite(base, newIncr, this.enabled, this.epoch).then(
      () => id === this.rewriteId && this.rewriteFinished(true),
      (err: unknown) => id === this.rewriteId && this.rewriteFinished(false, err),
    );
  }

  private async finishRewrite({ info: base, image }: RewriteBase, newIncr: AofFileInfo | undefined, wasEnabled: boolean, epoch: number): Promise<void> {
    const dir = this.dirPath;
    const child = WriterChild.start(dir, 'rewrite', 'temp-rewriteaof-bg-', '.aof', this.server.childOomScore());
    this.rewriteChild = child;
    const temp = child?.tempName ?? `temp-rewriteaof-bg-${process.pid}.aof`;
    this.rewriteTemp = temp;
    await this.writeImage(image, child, path.join(dir, temp), epoch);
    if (this.rewriteChild === child) this.rewriteChild = undefined;
    // The log was turned off or on meanwhile: this base belongs to a state of files that is gone.
    if (epoch !== this.epoch || wasEnabled !== this.enabled) throw new Error('appendonly changed during the rewrite');
    if (this.initialRewrite !== undefined) {
      this.finishInitial(base, temp);
      return;
    }
    const seq = base.seq;
    const next = this.enabled ? this.manifest.clone() : readManifestOr(path.join(dir, this.manifestName));
    const retired: AofFileInfo[] = [];
    if (next.base) retired.push(next.base);
    if (this.enabled && newIncr !== undefined) {
      // Every incremental file before the one opened at the start of the rewrite is history now.
      for (const f of next.incrs) if (f.seq < newIncr.seq) retired.push(f);
      next.incrs = next.incrs.filter((f) => f.seq >= newIncr.seq);
    } else if (!this.enabled) {
      retired.push(...next.incrs);
      next.incrs = [];
    }
    next.base = base;
    next.baseSeq = seq;
    // As Redis's: each retired file goes to the head of the history, the base first, so the
    // newest history comes first in the manifest.
    next.history = [...retired.reverse().map((f) => ({ ...f, type: 'h' as const })), ...next.history];
    fs.renameSync(path.join(dir, temp), path.join(dir, base.name));
    fsyncDir(dir);
    this.server.log('notice', `Successfully renamed the temporary AOF base file ${temp} into ${base.name}`);
    // The swap: one atomic manifest replacement makes the new base current.
    writeFileAtomic(dir, this.manifestName, next.format());
    this.removeHistory(next);
    if (this.enabled) {
      // Appends may have opened nothing new meanwhile (only a rewrite does), so keep our incr list.
      next.incrs = this.manifest.incrs.filter((f) => newIncr === undefined || f.seq >= newIncr.seq);
      next.incrSeq = this.manifest.incrSeq;
      this.manifest = next;
      this.computeSizes();
      this.baseSize = this.otherFilesSize + this.incrSize;
    }
  }

  /**
   * The base of CONFIG SET appendonly yes is complete: it and the temporary incremental file
   * become the log (the manifest swap), and the files of the former log become history.
   */
  private finishInitial(base: AofFileInfo, tempBase: string): void {
    const dir = this.dirPath;
    const { old } = this.initialRewrite!;
    fs.renameSync(path.join(dir, tempBase), path.join(dir, base.name));
    this.server.log('notice', `Successfully renamed the temporary AOF base file ${tempBase} into ${base.name}`);
    this.writeTurn();
    const seq = this.manifest.incrSeq + 1;
    const incr: AofFileInfo = { name: `${this.fileName}.${seq}.incr.aof`, seq, type: 'i' };
    fs.renameSync(path.join(dir, this.tempIncrName), path.join(dir, incr.name));
    fsyncDir(dir);
    this.server.log('notice', `Successfully renamed the temporary AOF incr file ${this.tempIncrName} into ${incr.name}`);
    const next = this.manifest;
    next.base = base;
    next.baseSeq = base.seq;
    next.incrs = [incr];
    next.incrSeq = seq;
    const current = new Set([base.name, incr.name]);
    next.history = old.loadOrder.concat(old.history).filter((f) => !current.has(f.name)).map((f) => ({ ...f, type: 'h' as const }));
    this.initialRewrite = undefined;
    this.persistManifest();
    this.removeHistory(next);
    this.computeSizes();
    this.baseSize = this.otherFilesSize + this.incrSize;
  }

  /**
   * Delete the history files and drop them from the manifest, unless aof-disable-auto-gc is on
   * (then they stay, listed as history, until it is turned off).
   */
  private removeHistory(m: AofManifest): void {
    if (m.history.length === 0 || this.config.bool('aof-disable-auto-gc')) return;
    for (const f of m.history) {
      this.server.log('notice', `Removing the history file ${f.name} in the background`);
      this.unlinkQuietly(f.name);
    }
    m.history = [];
    writeFileAtomic(this.dirPath, this.manifestName, m.format());
  }

  /** CONFIG SET aof-disable-auto-gc no: collect the history kept meanwhile. */
  collectHistory(): void {
    if (this.rewriting) return; // the rewrite's end collects it
    const manifestPath = path.join(this.dirPath, this.manifestName);
    const m = this.enabled ? this.manifest : fs.existsSync(manifestPath) ? safeReadManifest(manifestPath) : undefined;
    if (m !== undefined) this.removeHistory(m);
  }

  private rewriteFinished(ok: boolean, err?: unknown): void {
    this.rewriting = false;
    this.lastRewriteSeconds = Math.round((Date.now() - this.rewriteStartedAt) / 1000);
    this.lastRewriteOk = ok;
    if (ok) {
      this.rewrites++;
      this.rewriteFailures = 0;
      this.server.log('notice', 'Background AOF rewrite terminated with success');
      this.server.log('notice', 'Background AOF rewrite finished successfully');
    } else {
      this.rewriteFailures++;
      this.server.log('warning', `Background AOF rewrite failed: ${err instanceof Error ? err.message : String(err)}`);
      // CONFIG SET appendonly yes stays pending: the cron tries again, as Redis reschedules it.
      this.abandonInitial(true);
      this.killRewriteChild();
    }
  }

  /**
   * The base's image (RDB or commands): its slices go to the writer as BGSAVE's do. The delay per key
   * (rdb-key-save-delay, a testing knob) is the value the rewrite started with, as Redis's child
   * keeps the value it forked with. Throws when the rewrite was stopped or its writer died.
   */
  private async writeImage(image: Snapshot, child: WriterChild | undefined, tempPath: string, epoch: number): Promise<void> {
    const sink = child === undefined ? new FileSink(tempPath) : new ChildSink(child, tempPath);
    const delayUs = this.config.number('rdb-key-save-delay');
    const stopped = () => this.rewriteImage !== image || epoch !== this.epoch;
    try {
      await sink.open();
      if (!(await writeInSlices(this.server, image, sink, child, 'rewrite', () => delayUs, stopped))) throw new Error('the rewrite was stopped');
      await sink.finish();
    } finally {
      if (!image.done) image.abandon();
      if (this.rewriteImage === image) this.rewriteImage = undefined;
      await sink.close();
    }
  }

  /** The process writing the current rewrite's base (see WriterChild), and its temporary file. */
  private rewriteChild: WriterChild | undefined;
  private rewriteTemp = '';
  /** The image the current rewrite is taking in slices, until its last byte is written. */
  private rewriteImage: Snapshot | undefined;

  /** Stop the rewrite's image and writer, if running, and remove its temporary file. */
  private killRewriteChild(): void {
    this.rewriteImage?.abandon();
    this.rewriteImage = undefined;
    this.rewriteChild?.kill();
    this.rewriteChild = undefined;
    if (this.rewriteTemp !== '') this.unlinkQuietly(this.rewriteTemp);
    this.rewriteTemp = '';
  }

  // ---------------------------------------------------------------- INFO

  /** The aof_* fields of INFO's Persistence section, in Redis's order. */
  info(): [string, string | number][] {
    const fields: [string, string | number][] = [
      ['aof_enabled', this.enabled || this.enableScheduled ? 1 : 0],
      ['aof_rewrite_in_progress', this.rewriting ? 1 : 0],
      ['aof_rewrite_scheduled', this.rewriteScheduled || this.enableScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.lastRewriteSeconds],
      ['aof_current_rewrite_time_sec', this.rewriting ? Math.round((Date.now() - this.rewriteStartedAt) / 1000) : -1],
      ['aof_last_bgrewrite_status', this.lastRewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.rewriteFailures],
      ['aof_last_write_status', this.lastWriteOk ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
      // Redis lists its module fork's figures here, before the open log's; no modules, no fork.
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
    ];
    if (this.enabled) {
      fields.push(
        ['aof_current_size', this.otherFilesSize + this.incrSize],
        ['aof_base_size', this.baseSize],
        ['aof_pending_rewrite', 0],
        ['aof_buffer_length', this.pending.length],
        ['aof_pending_bio_fsync', this.fsyncInFlight ? 1 : 0],
        ['aof_delayed_fsync', this.delayedFsync],
      );
    }
    return fields;
  }
}

/** The manifest at start; a bad one stops start-up with Redis's log lines (the line at fault). */
function readManifest(file: string, server: PersistenceHost): AofManifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (err) {
    throw new AofLoadError(`Fatal error: can't open the AOF manifest ${path.basename(file)} for reading: ${strerror(err)}`);
  }
  try {
    return AofManifest.parse(text);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    server.log('warning', '*** FATAL AOF MANIFEST FILE ERROR ***');
    if (err.lineNo !== undefined) {
      server.log('warning', `Reading the manifest file, at line ${err.lineNo}`);
      server.log('warning', `>>> '${err.line ?? ''}'`);
    }
    throw new AofLoadError(err.message);
  }
}

function safeReadManifest(file: string): AofManifest | undefined {
  try {
    return AofManifest.parse(fs.readFileSync(file, 'latin1'));
  } catch {
    return undefined;
  }
}

function readManifestOr(file: string): AofManifest {
  return (fs.existsSync(file) ? safeReadManifest(file) : undefined) ?? new AofManifest();
}

/** A rewrite's base: its file, and the image being taken for it. */
interface RewriteBase {
  info: AofFileInfo;
  image: Snapshot;
}
