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

  /**
   * Parse a manifest as Redis 7.0 reads one, refusing what it refuses: a line of 1024 bytes or more
   * (or a last line with no newline), a blank line, fewer than three key/value pairs or an odd word
   * count, a missing file/seq/type, an unknown type, a second base, a non-increasing incremental
   * sequence, and an empty file. Lines starting with `#` are
   * comments; unknown keys are allowed (forward compatibility). Throws ManifestError.
   */
  static parse(text: string): AofManifest {
    const m = new AofManifest();
    let lineNo = 0;
    let at = 0;
    while (at < text.length) {
      // Redis reads with a 1024-byte line buffer: a longer line is refused, as is a last line
      // that ends without a newline.
      const nl = text.indexOf('\n', at);
      const end = nl < 0 ? text.length : nl + 1;
      const raw = text.slice(at, Math.min(end, at + MANIFEST_LINE_MAX - 1));
      at += raw.length;
      lineNo++;
      if (raw.startsWith('#')) {
        if (!raw.endsWith('\n')) at = end; // a long comment is skipped whole
        continue;
      }
      if (!raw.endsWith('\n')) throw new ManifestError('The AOF manifest file contains too long line');
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const bad = (reason: string) => new ManifestError(reason, lineNo, line);
      if (line === '') throw bad('Invalid AOF manifest file format');
      const words = splitWords(line);
      if (words === undefined || words.length < 6 || words.length % 2 !== 0) throw bad('Invalid AOF manifest file format');
      let name: string | undefined;
      let seq = 0;
      let type: string | undefined;
      for (let i = 0; i < words.length; i += 2) {
        const k = words[i]!;
        const v = words[i + 1]!;
        if (k === 'file') name = v;
        else if (k === 'seq') seq = leadingInteger(v);
        else if (k === 'type') type = v.charAt(0);
      }
      if (name === undefined || name === '' || seq === 0 || type === undefined || type === '') throw bad('Invalid AOF manifest file format');
      if (type === 'b') {
        if (m.base) throw bad('Found duplicate base file information');
        m.base = { name, seq, type };
        m.baseSeq = seq;
      } else if (type === 'h') m.history.push({ name, seq, type });
      else if (type === 'i') {
        if (seq <= m.incrSeq) throw bad('Found a non-monotonic sequence number');
        m.incrs.push({ name, seq, type });
        m.incrSeq = seq;
      } else throw bad('Unknown AOF file type');
    }
    // An empty file is refused; one with only comments (or history) names no data: a fresh start.
    if (text.length === 0) throw new ManifestError('Found an empty AOF manifest');
    return m;
  }
}

/** Redis's manifest line buffer. */
const MANIFEST_LINE_MAX = 1024;

/** Why a manifest was refused; `line` and `lineNo` when one line is at fault. */
export class ManifestError extends Error {
  constructor(
    message: string,
    readonly lineNo?: number,
    readonly line?: string,
  ) {
    super(message);
  }
}

/** atoll(): the integer at the start of the text (0 when there is none). */
function leadingInteger(text: string): number {
  const match = /^[ \t]*([+-]?\d+)/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** A file name as the manifest writes it: bare when it is plain, else quoted with C escapes. */
function quoteName(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name) && !/["'\\]/.test(name)) return name;
  let out = '"';
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/** Words of a line, with "double" (C escapes) and 'single' quoting; undefined when unbalanced. */
function splitWords(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    const q = line[i];
    if (q === '"' || q === "'") {
      let j = i + 1;
      let word = '';
      for (;;) {
        if (j >= line.length) return undefined;
        const ch = line[j]!;
        if (ch === q) break;
        if (ch === '\\' && j + 1 < line.length) {
          const next = line[j + 1]!;
          if (q === '"' && next === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(j + 2, j + 4))) {
            word += String.fromCharCode(parseInt(line.slice(j + 2, j + 4), 16));
            j += 4;
            continue;
          }
          if (q === '"' || next === "'") {
            word += q === '"' ? (ESCAPES[next] ?? next) : next;
            j += 2;
            continue;
          }
        }
        word += ch;
        j++;
      }
      // A closing quote must be followed by a space or the end of the line.
      if (j + 1 < line.length && line[j + 1] !== ' ' && line[j + 1] !== '\t') return undefined;
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
