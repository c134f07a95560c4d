// SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest first.
import type { Config } from '../config/config.js';
import type { SlowLogEntry } from '../commands/host.js';

export type { SlowLogEntry };

export class SlowLog {
  private log: SlowLogEntry[] = [];
  private nextId = 0;

  constructor(private readonly config: Config) {}

  record(durationUs: number, argv: Buffer[], addr: string, name: string): void {
    const threshold = this.config.number('slowlog-log-slower-than');
    if (threshold < 0 || durationUs < threshold) return;
    // Redis keeps at most 32 arguments and 128 bytes per argument.
    const kept = argv.slice(0, 32).map((a) => (a.length > 128 ? Buffer.concat([a.subarray(0, 128), Buffer.from(`... (${a.length - 128} more bytes)`)]) : Buffer.from(a)));
    if (argv.length > 32) kept[31] = Buffer.from(`... (${argv.length - 31} more arguments)`);
    // Oldest first internally (appending is O(1)); trimmed in batches so a long log stays cheap.
    this.log.push({ id: this.nextId++, time: Math.floor(Date.now() / 1000), durationUs, argv: kept, addr, name });
    const max = this.config.number('slowlog-max-len');
    if (this.log.length > max + 64 || (max < 64 && this.log.length > max)) this.log.splice(0, this.log.length - max);
  }

  /** Newest first, at most `count` (and at most slowlog-max-len) entries. */
  newest(count = Infinity): SlowLogEntry[] {
    const max = this.config.number('slowlog-max-len');
    const n = Math.min(count, max, this.log.length);
    const out: SlowLogEntry[] = [];
    for (let i = this.log.length - 1; out.length < n; i--) out.push(this.log[i]!);
    return out;
  }

  get length(): number {
    return Math.min(this.log.length, this.config.number('slowlog-max-len'));
  }

  reset(): void {
    this.log = [];
  }
}
