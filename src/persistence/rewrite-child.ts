// The process that writes a rewrite's base file. Tidings takes the dataset on the event loop (no
// fork), but the bytes go to disk through a child process, as Redis's rewrite child writes them:
// `cat` started in the AOF directory writes its input to temp-rewriteaof-bg-<its pid>.aof (the
// name Redis gives the file). Killing the child fails the rewrite, as it does in Redis (its tests
// find the child with `pgrep -P <server pid>` and kill it); the server then logs the failure and
// removes the temporary file. The child lives while rdb-key-save-delay slows the rewrite.
import { spawn, type ChildProcess } from 'node:child_process';

export class RewriteChild {
  /** Why the child ended without writing everything (undefined: it exited with status 0). */
  readonly exited: Promise<string | undefined>;
  private done = false;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.done = true;
        resolve(`the rewrite child failed: ${err.message}`);
      });
      child.once('exit', (code, signal) => {
        this.done = true;
        if (signal !== null) resolve(`the rewrite child was terminated by signal ${signal}`);
        else resolve(code === 0 ? undefined : `the rewrite child exited with status ${code}`);
      });
    });
    child.stdin?.on('error', () => undefined); // EPIPE once killed: reported by `exited`
  }

  /** Start the writer in `dir`; undefined when no process can be started (then write in-process). */
  static start(dir: string): RewriteChild | undefined {
    try {
      const child = spawn('/bin/sh', ['-c', 'exec cat > "temp-rewriteaof-bg-$$.aof"'], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
      if (child.pid === undefined) return undefined;
      return new RewriteChild(child);
    } catch {
      return undefined;
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The temporary file it writes, in the AOF directory. */
  get tempName(): string {
    return `temp-rewriteaof-bg-${this.pid}.aof`;
  }

  /** It has ended (killed, or done). */
  get ended(): boolean {
    return this.done;
  }

  /** Give it the whole base and wait for it to end; throws when it did not write it all. */
  async write(data: Buffer): Promise<void> {
    this.child.stdin!.end(data);
    const failure = await this.exited;
    if (failure !== undefined) throw new Error(failure);
  }

  kill(): void {
    if (!this.done) this.child.kill('SIGKILL');
  }
}
