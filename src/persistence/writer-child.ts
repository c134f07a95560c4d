// The process that writes a background save's file: a BGSAVE's temp-<its pid>.rdb, a rewrite's
// temp-rewriteaof-bg-<its pid>.aof (the names Redis's fork child gives them). Tidings takes the
// dataset on the event loop (no fork), but the bytes go to disk through a child process, as Redis's
// child writes them: `cat` started in the target directory copies its input to the file. Redis's
// tests find that child with `pgrep -P <server pid>` and kill it; killing it fails the save as in
// Redis, and the server then logs the failure and removes the temporary file. The child sets its
// own oom_score_adj to the `bgchild` class, as Redis's child does. `cat` does not fsync: the caller
// opens the file and syncs it once the child has exited with status 0, before renaming it.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

export class WriterChild {
  /** Why the child ended without writing everything (undefined: it exited with status 0). */
  readonly exited: Promise<string | undefined>;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | undefined;
  private done = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly what: string,
    private readonly prefix: string,
    private readonly suffix: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.done = true;
        resolve(`the ${what} child failed: ${err.message}`);
      });
      child.once('exit', (code, signal) => {
        this.done = true;
        if (signal !== null) {
          this.signal = signal;
          resolve(`the ${what} child was terminated by signal ${signal}`);
        } else resolve(code === 0 ? undefined : `the ${what} child exited with status ${code}`);
      });
    });
    child.stdin?.on('error', () => undefined); // EPIPE once killed: reported by `exited`
  }

  /**
   * Start a writer of `<prefix><its pid><suffix>` in `dir` (`what` names it in failure texts);
   * undefined when no process can be started (then the caller writes in-process). `oomScore`: the
   * value it writes to its own /proc/self/oom_score_adj before it starts copying.
   */
  static start(dir: string, what: string, prefix: string, suffix: string, oomScore?: number): WriterChild | undefined {
    const setScore = oomScore === undefined ? '' : `echo ${Math.trunc(oomScore)} > /proc/self/oom_score_adj 2>/dev/null; `;
    try {
      const child = spawn('/bin/sh', ['-c', `${setScore}exec cat > "${prefix}$$${suffix}"`], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
      if (child.pid === undefined) return undefined;
      return new WriterChild(child, what, prefix, suffix);
    } catch {
      return undefined;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The file it writes, in its directory. */
  get tempName(): string {
    return `${this.prefix}${this.pid}${this.suffix}`;
  }

  /** It has ended (killed, or done). */
  get ended(): boolean {
    return this.done;
  }

  /** The signal number that ended it (Redis's logs name signals by number). */
  get signalNumber(): number | undefined {
    return this.signal === undefined ? undefined : os.constants.signals[this.signal];
  }

  /**
   * Pass `data` on; resolves once all of it is in the pipe, so the caller may reuse its memory
   * (a BGSAVE alternates two buffers), or when the child has ended (which `exited` then reports).
   */
  async write(data: Buffer): Promise<void> {
    if (this.done) return;
    await new Promise<void>((resolve) => {
      this.child.stdin!.write(data, () => resolve());
      void this.exited.then(() => resolve());
    });
  }

  /** No more data: wait for it to end; throws when it did not write it all. */
  async end(data?: Buffer): Promise<void> {
    if (data === undefined) this.child.stdin!.end();
    else this.child.stdin!.end(data);
    const failure = await this.exited;
    if (failure !== undefined) throw new Error(failure);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.done) this.child.kill(signal);
  }
}
