// Value syntax shared by the parameter table: integers, memory sizes and the special multi-word
// parameters, parsed and printed the way Redis 7.0 does (so CONFIG GET and the error texts match).

/** Redis's strict integer syntax (string2ll): no '+', no leading zeros, no "-0", no spaces. */
export function parseStrictInteger(text: string): bigint | undefined {
  if (!/^(0|-?[1-9]\d*)$/.test(text)) return undefined;
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return undefined;
  return n;
}

const UNITS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/** "32mb", "1gb", "100k", plain bytes, "" (= 0), as Redis's memtoull. Undefined when malformed. */
export function parseMemoryBig(text: string): bigint | undefined {
  const m = /^(\d*)([a-z]*)$/i.exec(text);
  if (!m) return undefined;
  const mult = UNITS[m[2]!.toLowerCase()];
  if (mult === undefined) return undefined;
  if (m[1] === '' && m[2] !== '') return undefined;
  const n = BigInt(m[1] || '0') * mult;
  if (n > 18446744073709551615n) return undefined;
  return n;
}

/** Memory value as a number of bytes (undefined when malformed). */
export function parseMemory(text: string): number | undefined {
  const n = parseMemoryBig(text.trim());
  return n === undefined ? undefined : Number(n);
}

/** Bytes as CONFIG REWRITE writes them: "64mb", "1gb", "100kb" when exact, else plain bytes. */
export function formatMemoryForFile(bytes: string): string {
  const n = BigInt(bytes);
  const gb = 1024n * 1024n * 1024n;
  if (n !== 0n && n % gb === 0n) return `${n / gb}gb`;
  if (n !== 0n && n % (1024n * 1024n) === 0n) return `${n / (1024n * 1024n)}mb`;
  if (n !== 0n && n % 1024n === 0n) return `${n / 1024n}kb`;
  return String(n);
}

const KEYSPACE_CLASSES = 'g$lshzxeKEtmdnA';

/** Normalise notify-keyspace-events the way Redis prints it back (e.g. "KEA" → "AKE"). */
export function normaliseKeyspaceEvents(text: string): string {
  for (const ch of text) {
    if (!KEYSPACE_CLASSES.includes(ch)) throw new Error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  }
  const has = (c: string) => text.includes(c);
  let out = '';
  const all = 'g$lshzxet'.split('');
  if (has('A') || all.every(has)) out += 'A';
  else for (const c of all) if (has(c)) out += c;
  if (has('m')) out += 'm';
  if (has('d')) out += 'd';
  if (has('n')) out += 'n';
  if (has('K')) out += 'K';
  if (has('E')) out += 'E';
  return out;
}

/** client-output-buffer-limit: classes given replace those classes of the current value. */
export function parseClientOutputBufferLimit(text: string, current: string): string {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0 || parts.length % 4 !== 0) throw new Error('Wrong number of arguments in buffer limit configuration.');
  const now = current.split(' ');
  const classes = new Map<string, string>();
  for (let i = 0; i + 3 < now.length; i += 4) classes.set(now[i]!, `${now[i + 1]} ${now[i + 2]} ${now[i + 3]}`);
  for (let i = 0; i < parts.length; i += 4) {
    let cls = parts[i]!.toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!classes.has(cls)) throw new Error('Invalid client class specified in buffer limit configuration.');
    const hard = parseMemoryBig(parts[i + 1]!);
    const soft = parseMemoryBig(parts[i + 2]!);
    const secs = parseStrictInteger(parts[i + 3]!);
    if (hard === undefined || soft === undefined || secs === undefined || secs < 0n) {
      throw new Error('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    classes.set(cls, `${hard} ${soft} ${secs}`);
  }
  return [...classes].map(([cls, v]) => `${cls} ${v}`).join(' ');
}

/** save: "<seconds> <changes>" pairs; "" for none. */
export interface SavePoint {
  seconds: number;
  changes: number;
}

/**
 * Parse a `save` value as Redis 7.0 does: words separated by single spaces (so stray spaces make
 * empty words, which are refused), an even count, seconds >= 1 and changes >= 0. "" means none.
 */
export function parseSavePoints(text: string): SavePoint[] {
  const invalid = () => new Error('Invalid save parameters');
  if (text === '') return [];
  const words = text.split(' ');
  if (words.length % 2 !== 0) throw invalid();
  const points: SavePoint[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const seconds = saveWord(words[i]!);
    const changes = saveWord(words[i + 1]!);
    if (seconds === undefined || seconds < 1 || changes === undefined || changes < 0) throw invalid();
    points.push({ seconds, changes });
  }
  return points;
}

function saveWord(word: string): number | undefined {
  // strtoll with nothing after the number: an empty word reads as 0.
  if (word === '') return 0;
  if (!/^\s*[+-]?\d+$/.test(word)) return undefined;
  const n = Number(word);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The value CONFIG GET shows: the parsed points, normalised. */
export function formatSavePoints(points: SavePoint[]): string {
  return points.map((p) => `${p.seconds} ${p.changes}`).join(' ');
}

/** `save`: validated and normalised as Redis 7.0 (CONFIG SET, config file, flags). */
export function parseSave(text: string): string {
  return formatSavePoints(parseSavePoints(text));
}

const SHUTDOWN_FLAGS = ['default', 'save', 'nosave', 'now', 'force'];

/** shutdown-on-sigint / shutdown-on-sigterm: a set of flags, printed in Redis's order. */
export function parseShutdownFlags(text: string): string {
  const words = text.trim().split(/\s+/).filter(Boolean).map((w) => w.toLowerCase());
  if (words.length === 0 || words.some((w) => !SHUTDOWN_FLAGS.includes(w))) {
    throw new Error(`argument(s) must be one of the following: ${SHUTDOWN_FLAGS.join(', ')}`);
  }
  if (words.includes('save') && words.includes('nosave')) throw new Error("shutdown options SAVE and NOSAVE can't be used simultaneously");
  const set = SHUTDOWN_FLAGS.slice(1).filter((f) => words.includes(f));
  return set.length === 0 ? 'default' : set.join(' ');
}

/** oom-score-adj-values: three integers, one per process class. */
export function parseOomScoreAdjValues(text: string): string {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 3) throw new Error('wrong number of arguments');
  for (const p of parts) {
    const n = parseStrictInteger(p);
    if (n === undefined || n < -2000n || n > 2000n) throw new Error('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
  }
  return parts.join(' ');
}

/** latency-tracking-info-percentiles: doubles in [0, 100], printed without trailing zeros. */
export function parsePercentiles(text: string): string {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  return parts
    .map((p) => {
      const n = Number(p);
      if (p === '' || !Number.isFinite(n)) throw new Error('Invalid latency-tracking-info-percentiles parameters');
      if (n < 0 || n > 100) throw new Error('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      return String(Number(n.toFixed(6)));
    })
    .join(' ');
}

/** maxmemory-clients: a memory size or a percentage of maxmemory ("10%"). */
export function parseMemoryOrPercent(text: string): string {
  const pct = /^(\d+)%$/.exec(text);
  if (pct) {
    const n = BigInt(pct[1]!);
    if (n > 100n) throw new Error('percentage argument must be less or equal to 100');
    return `${n}%`;
  }
  const n = parseMemoryBig(text);
  if (n === undefined || n > 9223372036854775807n) throw new Error('argument must be a memory or percent value');
  return String(n);
}

/** replicaof / slaveof: "<host> <port>", or "no one" (stored as ""). */
export function parseReplicaOf(text: string): string {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 2) throw new Error('wrong number of arguments');
  if (parts[0]!.toLowerCase() === 'no' && parts[1]!.toLowerCase() === 'one') return '';
  const port = parseStrictInteger(parts[1]!);
  if (port === undefined || port < 0n || port > 65535n) throw new Error('Invalid master port');
  return `${parts[0]} ${port}`;
}

const TITLE_VARIABLES = ['{title}', '{listen-addr}', '{server-mode}', '{port}', '{tls-port}', '{unixsocket}', '{config-file}'];

export function parseProcTitleTemplate(text: string): string {
  const vars = text.match(/\{[^}]*\}?/g) ?? [];
  if (vars.some((v) => !TITLE_VARIABLES.includes(v)) || /\}/.test(text.replace(/\{[^}]*\}/g, ''))) {
    throw new Error('template format is invalid or contains unknown variables');
  }
  return text;
}

/** Quote a value as Redis writes strings into a config file (sdscatrepr). */
export function quoteForFile(value: string): string {
  let out = '"';
  for (const ch of Buffer.from(value, 'latin1')) {
    const c = String.fromCharCode(ch);
    if (c === '\\' || c === '"') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (ch >= 0x20 && ch < 0x7f) out += c;
    else out += '\\x' + ch.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/**
 * Split one config line into words as Redis does (sdssplitargs): "double quotes" with \n \t \xHH
 * escapes, 'single quotes' with \' only; a closing quote must end the word. Undefined when the
 * quotes are unbalanced.
 */
export function splitConfigLine(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return words;
    let word = '';
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return undefined;
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-f]{2}$/i.test(line.slice(i + 2, i + 4))) {
          word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          word += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          inDouble = false;
          i++;
          break;
        } else word += c;
      } else if (inSingle) {
        if (c === undefined) return undefined;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          word += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          inSingle = false;
          i++;
          break;
        } else word += c;
      } else {
        if (c === undefined || isSpace(c)) break;
        if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else word += c;
      }
      i++;
    }
    words.push(word);
  }
}
