// Keyspace commands: DEL, EXISTS, TYPE, RENAME, KEYS, SCAN, MOVE, COPY, OBJECT, MEMORY, TOUCH,
// and expiry: EXPIRE and friends, TTL and friends, PERSIST.
import { Errors, KeyErrors } from '../protocol/errors.js';
import { latin1String } from '../protocol/latin1.js';
import { parseBigInt, parseInteger, tryParseBigInt } from '../protocol/numbers.js';
import { Double, MapReply, OK, Status, Verbatim, type Reply } from '../protocol/reply.js';
import { globMatch } from '../pubsub/glob.js';
import type { Database, Entry, ValueOf } from '../store/database.js';
import { idleMsOf, lfuCounter, newEntry } from '../store/database.js';
import { BASE_BYTES, datasetBytes, entryBytes, usedMemory, usedMemoryPeak } from '../store/eviction.js';
import { freedLazily } from '../store/lazyfree.js';
import { copyString, stringEncoding } from './strings.js';
import { encodingOf as listEncoding } from './lists.js';
import { encodingOf as zsetEncoding } from './zsets.js';
import { encodingOf as hashEncoding } from '../types/hash.js';
import { encodingOf as setEncoding } from '../types/set.js';
import type { CommandContext, CommandFlag, CommandSpec } from './types.js';

const MAX_I64 = 2n ** 63n - 1n;
const MIN_I64 = -(2n ** 63n);
const MAX_U64 = 2n ** 64n - 1n;
/** OBJECT REFCOUNT of Redis's shared small integers (OBJ_SHARED_REFCOUNT). */
const SHARED_REFCOUNT = 2147483647;

const keyOf = (argv: Buffer[], i: number) => latin1String(argv[i]!);
const lower = (argv: Buffer[], i: number) => latin1String(argv[i]!).toLowerCase();
const keyReply = (key: string) => Buffer.from(key, 'latin1');

// ------------------------------------------------------------------ encodings

/** OBJECT ENCODING: each type's module tracks its own conversions (Redis never converts back). */
export function encodingOf(server: CommandContext['server'], entry: Entry): string {
  const config = server.config;
  switch (entry.type) {
    case 'string':
      return stringEncoding(entry.value);
    case 'list':
      return listEncoding(entry.value, config);
    case 'hash':
      return hashEncoding(entry.value, config);
    case 'set':
      return setEncoding(entry.value, config);
    case 'zset':
      return zsetEncoding(entry.value, config);
    case 'stream':
      return 'stream';
  }
}

/** A deep copy of a value for COPY, as a new object (`lru`: the access clock of a new key). */
function cloneValue(entry: Entry, lru: number): Entry {
  switch (entry.type) {
    case 'string':
      return newEntry(copyString(entry.value), lru);
    case 'hash':
    case 'set':
    case 'zset':
      return newEntry(entry.value.clone(), lru);
    default: {
      const value = entry.value as unknown as { clone?: () => unknown };
      const copy = typeof value.clone === 'function' ? value.clone() : deepClone(value);
      return newEntry(copy as ValueOf[typeof entry.type], lru);
    }
  }
}

/**
 * Structural deep copy that keeps prototypes, for value classes without a clone() of their own
 * (lists, streams). Shared references and cycles are preserved (a consumer referenced from a
 * group and from its pending entries stays one object in the copy).
 */
function deepClone<T>(root: T): T {
  const seen = new Map<object, unknown>();
  const visit = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    if (Buffer.isBuffer(v)) {
      const b = Buffer.from(v);
      seen.set(v, b);
      return b;
    }
    if (ArrayBuffer.isView(v)) {
      const ctor = v.constructor as new (x: ArrayBufferView) => ArrayBufferView;
      const c = new ctor(v);
      seen.set(v, c);
      return c;
    }
    if (Array.isArray(v)) {
      const a: unknown[] = [];
      seen.set(v, a);
      for (const x of v) a.push(visit(x));
      return a;
    }
    if (v instanceof Map) {
      const m = new Map();
      seen.set(v, m);
      for (const [k, x] of v) m.set(visit(k), visit(x));
      return m;
    }
    if (v instanceof Set) {
      const s = new Set();
      seen.set(v, s);
      for (const x of v) s.add(visit(x));
      return s;
    }
    const o = Object.create(Object.getPrototypeOf(v) as object) as Record<string, unknown>;
    seen.set(v, o);
    for (const k of Object.keys(v)) o[k] = visit((v as Record<string, unknown>)[k]);
    return o;
  };
  return visit(root) as T;
}

// ------------------------------------------------------------------ generic helpers

function dbByIndex(ctx: CommandContext, arg: Buffer): Database {
  const index = parseInteger(arg);
  // Redis reads a DB index as a C int.
  if (index < -2147483648 || index > 2147483647) throw KeyErrors.notInt32();
  if (index < 0 || index >= ctx.server.dbs.length) throw Errors.dbIndexOutOfRange();
  return ctx.server.dbs[index]!;
}

/** DEL; UNLINK (`lazy`), or DEL under lazyfree-lazy-user-del, counts what Redis would free lazily. */
function del(ctx: CommandContext, argv: Buffer[], lazy = ctx.server.config.bool('lazyfree-lazy-user-del')): Reply {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = keyOf(argv, i);
    const entry = lazy ? ctx.db.peek(key) : undefined;
    if (ctx.db.delete(key, true)) {
      if (entry !== undefined) freedLazily(ctx.server.stats, entry, ctx.server.config);
      ctx.notify('g', 'del', key);
      n++;
    }
  }
  return n;
}

function rename(ctx: CommandContext, argv: Buffer[], nx: boolean): Reply {
  const from = keyOf(argv, 1);
  const to = keyOf(argv, 2);
  const db = ctx.db;
  const entry = db.lookupWrite(from);
  if (entry === undefined) throw Errors.noSuchKey();
  if (from === to) return nx ? 0 : OK;
  const expireAt = db.getExpire(from);
  if (db.lookupWrite(to) !== undefined) {
    if (nx) return 0;
    db.delete(to);
  }
  // The value moves: the source is not freed.
  db.delete(from, true);
  db.setEntry(to, entry, expireAt);
  db.signalReady(to);
  ctx.notify('g', 'rename_from', from);
  ctx.notify('g', 'rename_to', to);
  return nx ? 1 : OK;
}

function move(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv, 1);
  const src = ctx.db;
  const dst = dbByIndex(ctx, argv[2]!);
  if (src === dst) throw KeyErrors.sameObject();
  const entry = src.lookupWrite(key);
  if (entry === undefined) return 0;
  const expireAt = src.getExpire(key);
  if (dst.lookupWrite(key) !== undefined) return 0;
  src.delete(key, true);
  dst.setEntry(key, entry, expireAt);
  dst.signalReady(key);
  ctx.notify('g', 'move_from', key);
  ctx.server.notifyKeyspaceEvent('g', 'move_to', key, dst.index);
  return 1;
}

function copy(ctx: CommandContext, argv: Buffer[]): Reply {
  const src = ctx.db;
  let dst = src;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = lower(argv, j);
    if (opt === 'replace') replace = true;
    else if (opt === 'db' && j + 1 < argv.length) dst = dbByIndex(ctx, argv[++j]!);
    else throw Errors.syntax();
  }
  const from = keyOf(argv, 1);
  const to = keyOf(argv, 2);
  if (src === dst && from === to) throw KeyErrors.sameObject();
  const entry = src.lookupRead(from);
  if (entry === undefined) return 0;
  const expireAt = src.getExpire(from);
  if (dst.lookupWrite(to) !== undefined) {
    if (!replace) return 0;
    dst.delete(to);
  }
  const clone = cloneValue(entry, dst.newAccessClock());
  dst.setEntry(to, clone, expireAt);
  dst.signalReady(to);
  ctx.server.notifyKeyspaceEvent('g', 'copy_to', to, dst.index);
  return 1;
}

// ------------------------------------------------------------------ KEYS / SCAN

function keys(ctx: CommandContext, argv: Buffer[]): Reply {
  const pattern = keyOf(argv, 1);
  const all = pattern === '*';
  const now = Date.now();
  const out: Reply[] = [];
  for (const key of ctx.db.keys()) {
    const at = ctx.db.getExpire(key);
    if (at !== undefined && at <= now) continue;
    if (all || globMatch(pattern, key)) out.push(keyReply(key));
  }
  return out;
}

/** Redis reads the cursor with strtoul: digits with an optional sign, no spaces, < 2^64. */
function parseCursor(arg: Buffer): number {
  // strtoul sees the C string: up to the first NUL byte; an empty one reads as 0.
  const nul = arg.indexOf(0);
  const text = arg.toString('latin1', 0, nul === -1 ? arg.length : nul);
  if (text === '') return 0;
  const m = /^([+-]?)(\d+)$/.exec(text);
  if (m === null) throw KeyErrors.invalidCursor();
  const value = BigInt(m[2]!);
  if (value > MAX_U64) throw KeyErrors.invalidCursor();
  // A negative cursor wraps to a huge one: past every key.
  if (m[1] === '-' && value !== 0n) return Number.MAX_SAFE_INTEGER;
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function scan(ctx: CommandContext, argv: Buffer[]): Reply {
  const cursor = parseCursor(argv[1]!);
  let count = 10;
  let pattern: string | undefined;
  let type: string | undefined;
  for (let i = 2; i < argv.length; ) {
    const opt = lower(argv, i);
    const left = argv.length - i;
    if (opt === 'count' && left >= 2) {
      count = parseInteger(argv[i + 1]!);
      if (count < 1) throw Errors.syntax();
      i += 2;
    } else if (opt === 'match' && left >= 2) {
      pattern = keyOf(argv, i + 1);
      if (pattern === '*') pattern = undefined;
      i += 2;
    } else if (opt === 'type' && left >= 2) {
      type = lower(argv, i + 1);
      i += 2;
    } else throw Errors.syntax();
  }
  const { keys: found, next } = ctx.db.scan(cursor, count);
  const out: Reply[] = [];
  for (const key of found) {
    if (pattern !== undefined && !globMatch(pattern, key)) continue;
    const entry = ctx.db.peek(key);
    if (entry === undefined) continue;
    if (type !== undefined && entry.type !== type) continue;
    out.push(keyReply(key));
  }
  return [String(next), out];
}

// ------------------------------------------------------------------ expiry

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

function expireCommand(ctx: CommandContext, argv: Buffer[], name: string, unit: 's' | 'ms', absolute: boolean): Reply {
  let flags = 0;
  for (let i = 3; i < argv.length; i++) {
    const opt = lower(argv, i);
    if (opt === 'nx') flags |= EXPIRE_NX;
    else if (opt === 'xx') flags |= EXPIRE_XX;
    else if (opt === 'gt') flags |= EXPIRE_GT;
    else if (opt === 'lt') flags |= EXPIRE_LT;
    else throw KeyErrors.unsupportedOption(argv[i]!.toString('latin1'));
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) throw KeyErrors.expireNxAndOthers();
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) throw KeyErrors.expireGtAndLt();
  let when = parseBigInt(argv[2]!);
  const now = Date.now();
  const base = absolute ? 0n : BigInt(now);
  if (unit === 's') {
    if (when > MAX_I64 / 1000n || when < MIN_I64 / 1000n) throw Errors.invalidExpire(name);
    when *= 1000n;
  }
  if (when > MAX_I64 - base) throw Errors.invalidExpire(name);
  when += base;
  const key = keyOf(argv, 1);
  if (ctx.db.lookupWrite(key) === undefined) return 0;
  const at = Number(when);
  if (flags) {
    const current = ctx.db.getExpire(key);
    if (flags & EXPIRE_NX && current !== undefined) return 0;
    if (flags & EXPIRE_XX && current === undefined) return 0;
    if (flags & EXPIRE_GT && (current === undefined || at <= current)) return 0;
    if (flags & EXPIRE_LT && current !== undefined && at >= current) return 0;
  }
  if (at <= now && !ctx.db.loading) {
    ctx.db.delete(key);
    ctx.notify('g', 'del', key);
    if (ctx.propagating) ctx.propagateAs([DEL, argv[1]!]);
    return 1;
  }
  ctx.db.setExpire(key, at);
  ctx.notify('g', 'expire', key);
  // The effect is absolute (PEXPIREAT key ms, options kept), so a replay later means the same instant.
  if (ctx.propagating && !(absolute && unit === 'ms')) ctx.propagateAs([PEXPIREAT, argv[1]!, Buffer.from(String(at)), ...argv.slice(3)]);
  return 1;
}

const DEL = Buffer.from('DEL');
const PEXPIREAT = Buffer.from('PEXPIREAT');

function ttlCommand(ctx: CommandContext, argv: Buffer[], ms: boolean, absolute: boolean): Reply {
  const key = keyOf(argv, 1);
  if (ctx.db.lookupReadNoTouch(key) === undefined) return -2;
  const at = ctx.db.getExpire(key);
  if (at === undefined) return -1;
  let ttl = absolute ? at : at - Date.now();
  if (ttl < 0) ttl = 0;
  return ms ? ttl : Math.floor((ttl + 500) / 1000);
}

// ------------------------------------------------------------------ OBJECT / MEMORY

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

const lfuPolicy = (ctx: CommandContext) => ctx.server.config.string('maxmemory-policy').endsWith('-lfu');

function refcount(ctx: CommandContext, entry: Entry): number {
  if (entry.type !== 'string' || stringEncoding(entry.value) !== 'int') return 1;
  // Redis shares the integers 0..9999 unless an LRU/LFU policy needs per-key access times.
  const policy = ctx.server.config.string('maxmemory-policy');
  const perKey = ctx.server.config.number('maxmemory') > 0 && (policy.endsWith('-lru') || policy.endsWith('-lfu'));
  const n = Number(entry.value.toString('latin1'));
  return !perKey && n >= 0 && n < 10000 ? SHARED_REFCOUNT : 1;
}

function memoryStats(ctx: CommandContext): Reply {
  const server = ctx.server;
  let keys = 0;
  for (const db of server.dbs) keys += db.size;
  const dataset = datasetBytes(server);
  const used = usedMemory(server);
  const overhead = used - dataset;
  const fields: Reply[] = [
    'peak.allocated',
    usedMemoryPeak(server),
    'total.allocated',
    used,
    'startup.allocated',
    BASE_BYTES,
    'replication.backlog',
    0,
    'clients.slaves',
    0,
    'clients.normal',
    used - BASE_BYTES - dataset,
    'cluster.links',
    0,
    'aof.buffer',
    0,
    'lua.caches',
    0,
    'functions.caches',
    0,
  ];
  for (const db of server.dbs) {
    if (db.size === 0) continue;
    fields.push(`db.${db.index}`, new MapReply(['overhead.hashtable.main', db.size * 24, 'overhead.hashtable.expires', db.expiresCount * 24]));
  }
  fields.push(
    'overhead.total',
    overhead,
    'keys.count',
    keys,
    'keys.bytes-per-key',
    keys === 0 ? 0 : Math.floor(dataset / keys),
    'dataset.bytes',
    dataset,
    'dataset.percentage',
    new Double(used === 0 ? 0 : (dataset * 100) / used),
    'peak.percentage',
    new Double(100),
  );
  return new MapReply(fields);
}

// ------------------------------------------------------------------ specs

type Handler = CommandSpec['handler'];

function spec(
  name: string,
  arity: number,
  flags: CommandFlag[],
  keySpec: [number, number, number],
  categories: string[],
  handler: Handler,
  subcommands?: CommandSpec[],
): CommandSpec {
  const s: CommandSpec = { name, arity, flags, firstKey: keySpec[0], lastKey: keySpec[1], step: keySpec[2], categories, handler };
  if (subcommands !== undefined) s.subcommands = subcommands;
  return s;
}

const ONE: [number, number, number] = [1, 1, 1];
const ALL: [number, number, number] = [1, -1, 1];
const NONE: [number, number, number] = [0, 0, 0];
const SUBKEY: [number, number, number] = [2, 2, 1];
const KW = ['@keyspace', '@write'];
const KR = ['@keyspace', '@read'];

/** OBJECT subcommands read without touching the access time (Redis's LOOKUP_NOTOUCH). */
const objectEntry = (ctx: CommandContext, argv: Buffer[]) => ctx.db.peek(keyOf(argv, 2));

const objectSubcommands: CommandSpec[] = [
  spec('object|help', 2, ['loading', 'stale'], NONE, ['@keyspace', '@slow'], () => OBJECT_HELP.map((l) => new Status(l))),
  spec('object|encoding', 3, ['readonly'], SUBKEY, [...KR, '@slow'], (ctx, argv) => {
    const entry = objectEntry(ctx, argv);
    return entry === undefined ? null : encodingOf(ctx.server, entry);
  }),
  spec('object|idletime', 3, ['readonly'], SUBKEY, [...KR, '@slow'], (ctx, argv) => {
    const entry = objectEntry(ctx, argv);
    if (entry === undefined) return null;
    if (lfuPolicy(ctx)) throw KeyErrors.lfuSelected();
    return Math.floor(idleMsOf(entry, ctx.db.clock) / 1000);
  }),
  spec('object|refcount', 3, ['readonly'], SUBKEY, [...KR, '@slow'], (ctx, argv) => {
    const entry = objectEntry(ctx, argv);
    return entry === undefined ? null : refcount(ctx, entry);
  }),
  spec('object|freq', 3, ['readonly'], SUBKEY, [...KR, '@slow'], (ctx, argv) => {
    const entry = objectEntry(ctx, argv);
    if (entry === undefined) return null;
    if (!lfuPolicy(ctx)) throw KeyErrors.lfuNotSelected();
    return lfuCounter(entry.lru, ctx.server.config.number('lfu-decay-time'));
  }),
];

const memorySubcommands: CommandSpec[] = [
  spec('memory|help', 2, ['loading', 'stale'], NONE, ['@slow'], () => MEMORY_HELP.map((l) => new Status(l))),
  spec('memory|usage', -3, ['readonly'], SUBKEY, ['@read', '@slow'], (ctx, argv) => {
    let samples = 5;
    for (let j = 3; j < argv.length; j++) {
      if (lower(argv, j) === 'samples' && j + 1 < argv.length) {
        const n = parseBigInt(argv[++j]!);
        if (n < 0n) throw Errors.syntax();
        samples = n === 0n ? Number.MAX_SAFE_INTEGER : Number(n);
      } else throw Errors.syntax();
    }
    const key = keyOf(argv, 2);
    const entry = ctx.db.peek(key);
    return entry === undefined ? null : entryBytes(ctx.db, key, entry, samples);
  }),
  spec('memory|stats', 2, [], NONE, ['@slow'], memoryStats),
  spec('memory|doctor', 2, [], NONE, ['@slow'], (ctx) => {
    const empty = datasetBytes(ctx.server) < 5 * 1024 * 1024;
    const text = empty
      ? "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting."
      : "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.";
    return new Verbatim('txt', text);
  }),
  spec('memory|malloc-stats', 2, [], NONE, ['@slow'], () => 'Stats not supported for the current allocator'),
  spec('memory|purge', 2, [], NONE, ['@slow'], () => {
    // With node's --expose-gc (benchmarks), a full collection: the nearest thing to purging the allocator.
    (globalThis as { gc?: () => void }).gc?.();
    return OK;
  }),
];

const expireSpecs = (
  [
    ['expire', 's', false],
    ['pexpire', 'ms', false],
    ['expireat', 's', true],
    ['pexpireat', 'ms', true],
  ] as const
).map(([name, unit, absolute]) =>
  spec(name, -3, ['write', 'fast'], ONE, [...KW, '@fast'], (ctx, argv) => expireCommand(ctx, argv, name, unit, absolute)),
);

const ttlSpecs = (
  [
    ['ttl', false, false],
    ['pttl', true, false],
    ['expiretime', false, true],
    ['pexpiretime', true, true],
  ] as const
).map(([name, ms, absolute]) =>
  spec(name, 2, ['readonly', 'fast'], ONE, [...KR, '@fast'], (ctx, argv) => ttlCommand(ctx, argv, ms, absolute)),
);

export const specs: CommandSpec[] = [
  spec('del', -2, ['write'], ALL, [...KW, '@slow'], (ctx, argv) => del(ctx, argv)),
  spec('unlink', -2, ['write', 'fast'], ALL, [...KW, '@fast'], (ctx, argv) => del(ctx, argv, true)),
  spec('exists', -2, ['readonly', 'fast'], ALL, [...KR, '@fast'], (ctx, argv) => {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (ctx.db.lookupReadNoTouch(keyOf(argv, i)) !== undefined) n++;
    return n;
  }),
  spec('type', 2, ['readonly', 'fast'], ONE, [...KR, '@fast'], (ctx, argv) => new Status(ctx.db.lookupReadNoTouch(keyOf(argv, 1))?.type ?? 'none')),
  spec('rename', 3, ['write'], [1, 2, 1], [...KW, '@slow'], (ctx, argv) => rename(ctx, argv, false)),
  spec('renamenx', 3, ['write', 'fast'], [1, 2, 1], [...KW, '@fast'], (ctx, argv) => rename(ctx, argv, true)),
  spec('keys', 2, ['readonly'], NONE, [...KR, '@slow', '@dangerous'], keys),
  spec('scan', -2, ['readonly'], NONE, [...KR, '@slow'], scan),
  spec('randomkey', 1, ['readonly'], NONE, [...KR, '@slow'], (ctx) => {
    const key = ctx.db.randomKey();
    return key === undefined ? null : keyReply(key);
  }),
  spec('move', 3, ['write', 'fast'], ONE, [...KW, '@fast'], move),
  spec('copy', -3, ['write', 'denyoom'], [1, 2, 1], [...KW, '@slow'], copy),
  spec('touch', -2, ['readonly', 'fast'], ALL, [...KR, '@fast'], (ctx, argv) => {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (ctx.db.lookupRead(keyOf(argv, i)) !== undefined) n++;
    return n;
  }),
  spec('object', -2, [], NONE, ['@slow'], () => null, objectSubcommands),
  spec('memory', -2, [], NONE, ['@slow'], () => null, memorySubcommands),
  ...expireSpecs,
  ...ttlSpecs,
  spec('persist', 2, ['write', 'fast'], ONE, [...KW, '@fast'], (ctx, argv) => {
    const key = keyOf(argv, 1);
    if (ctx.db.lookupWrite(key) === undefined) return 0;
    if (!ctx.db.persist(key)) return 0;
    ctx.notify('g', 'persist', key);
    return 1;
  }),
];
