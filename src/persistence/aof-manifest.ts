// The multi-part AOF's manifest: which files make up the log, in Redis 7.0's syntax, one line
// per file: `file <name> seq <n> type <b|h|i>` (base, history, incremental).
import fs from 'node:fs';
import path from 'node:path';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class AofManifest {
  base: AofFileInfo | undefined;
  incrs: AofFileInfo[] = [];
  history: AofFileInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;

  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base && { ...this.base };
    m.incrs = this.incrs.map((f) => ({ ...f }));
    m.history = this.history.map((f) => ({ ...f }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    return m;
  }

  /** Files in load order: the base, then the incremental files by sequence. */
  get loadOrder(): AofFileInfo[] {
    return this.base ? [this.base, ...this.incrs] : [...this.incrs];
  }

  format(): string {
    const line = (f: AofFileInfo) => `file ${quoteName(f.name)} seq ${f.seq} type ${f.type}\n`;
    let out = '';
    if (this.base) out += line(this.base);
    for (const f of this.history) out += line(f);
    for (const f of this.incrs) out += line(f);
    return out;
  }

  /** Parse a manifest; throws Error with the reason (Redis refuses to start on a bad manifest). */
  static parse(text: string): AofManifest {
    const m = new AofManifest();
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\r$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      const words = splitWords(line);
      if (words === undefined || words.length % 2 !== 0) throw new Error('Invalid AOF manifest file format');
      let name: string | undefined;
      let seq: number | undefined;
      let type: string | undefined;
      for (let i = 0; i < words.length; i += 2) {
        const k = words[i]!;
        const v = words[i + 1]!;
        if (k === 'file') name = v;
        else if (k === 'seq') seq = Number(v);
        else if (k === 'type') type = v;
        // Unknown keys are allowed, for forward compatibility (as in Redis).
      }
      if (name === undefined || seq === undefined || !Number.isInteger(seq) || (type !== 'b' && type !== 'h' && type !== 'i')) {
        throw new Error('Invalid AOF manifest file format');
      }
      const info: AofFileInfo = { name, seq, type };
      if (type === 'b') {
        if (m.base) throw new Error('Found duplicate base file information');
        m.base = info;
        m.baseSeq = seq;
      } else if (type === 'h') m.history.push(info);
      else {
        if (seq <= m.incrSeq) throw new Error('Found a non-monotonic sequence number');
        m.incrs.push(info);
        m.incrSeq = seq;
      }
    }
    return m;
  }
}

function quoteName(name: string): string {
  return /^[\x21-\x7e]+$/.test(name) && !name.includes('"') ? name : JSON.stringify(name);
}

function splitWords(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    if (line[i] === '"') {
      let j = i + 1;
      let word = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        word += line[j];
        j++;
      }
      if (j >= line.length) return undefined;
      words.push(word);
      i = j + 1;
    } else {
      let j = i;
      while (j < line.length && line[j] !== ' ' && line[j] !== '\t') j++;
      words.push(line.slice(i, j));
      i = j;
    }
  }
  return words;
}

/** Write a file durably and atomically: temp file, fsync, rename, fsync the directory. */
export function writeFileAtomic(dir: string, name: string, data: string | Buffer): void {
  const tmp = path.join(dir, `temp-${name}`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path.join(dir, name));
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}
