// oom-score-adj: the process's Linux OOM-killer score (/proc/self/oom_score_adj), as Redis sets it.
// Enabled (`yes`/`relative`), the score is the value found when it was enabled plus the class's
// entry of oom-score-adj-values (master, replica, and background child: the writer process of a
// BGSAVE or rewrite sets its own); `absolute` writes the entry itself. Disabled again, the score found is
// written back. While disabled the file is never touched. Raising the score needs no privilege;
// lowering it below what the process started with may be refused: CONFIG SET then fails and rolls
// back, as in Redis.
import fs from 'node:fs';

const PROC_FILE = '/proc/self/oom_score_adj';
const OOM_MIN = -1000;
const OOM_MAX = 1000;

export interface OomSettings {
  string(name: string): string;
}

export class OomScoreAdj {
  /** The score found when enabling, written back on disable; undefined while not adjusted by us. */
  private base: number | undefined;

  constructor(private readonly file = PROC_FILE) {}

  /**
   * Apply the settings for this process class (0 master, 1 replica). Throws Error with Redis's
   * text when the kernel refuses the value; `log` gets the reason.
   */
  apply(config: OomSettings, replica: boolean, log: (message: string) => void): void {
    if (process.platform !== 'linux') return;
    const mode = config.string('oom-score-adj');
    if (mode === 'no') {
      if (this.base === undefined) return;
      this.write(this.base, log);
      this.base = undefined;
      return;
    }
    const values = config.string('oom-score-adj-values').split(' ').map(Number);
    const entry = values[replica ? 1 : 0]!;
    let base = this.base;
    if (base === undefined) {
      try {
        base = Number(fs.readFileSync(this.file, 'latin1').trim());
      } catch (err) {
        log(`Unable to read oom_score_adj: ${(err as Error).message}`);
        throw new Error('Failed to set current oom_score_adj. Check server logs.');
      }
    }
    const score = Math.min(OOM_MAX, Math.max(OOM_MIN, mode === 'absolute' ? entry : base + entry));
    this.write(score, log);
    this.base = base;
  }

  /**
   * The score of a background child (the third class), as Redis's child sets it after fork:
   * undefined while oom-score-adj is off (the child keeps the one it inherits).
   */
  childScore(config: OomSettings): number | undefined {
    if (process.platform !== 'linux') return undefined;
    const mode = config.string('oom-score-adj');
    if (mode === 'no' || this.base === undefined) return undefined;
    const entry = config.string('oom-score-adj-values').split(' ').map(Number)[2]!;
    return Math.min(OOM_MAX, Math.max(OOM_MIN, mode === 'absolute' ? entry : this.base! + entry));
  }

  private write(score: number, log: (message: string) => void): void {
    try {
      fs.writeFileSync(this.file, `${score}\n`);
    } catch (err) {
      log(`Unable to write oom_score_adj: ${(err as Error).message}`);
      throw new Error('Failed to set current oom_score_adj. Check server logs.');
    }
  }
}
