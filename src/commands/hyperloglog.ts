// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST. Values are strings in
// Redis's exact HLL representation (src/types/hll.ts).
import { findParam } from '../config/config.js';
import { Errors } from '../protocol/errors.js';
import { OK, ReplyError, Status, type Reply } from '../protocol/reply.js';
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  addElement,
  cachedCardinality,
  countHll,
  countRegisters,
  createHll,
  decodeSparse,
  denseGet,
  denseSetRegister,
  invalidateCache,
  isHll,
  mergeRegisters,
  setCachedCardinality,
  setRegister,
  sparseToDense,
  HllCell,
} from '../types/hll.js';
import { markRaw } from './strings.js';
import { stringEntryBytes, type Entry } from '../store/database.js';
import type { CommandContext, CommandSpec } from './types.js';

// Error texts of this group (to be folded into protocol/errors.ts).
const HllErrors = {
  notHll: () => new ReplyError('WRONGTYPE Key is not a valid HyperLogLog string value.'),
  corrupt: () => new ReplyError('INVALIDOBJ Corrupted HLL object detected'),
  noKey: () => new ReplyError('ERR The specified key does not exist'),
  notSparse: () => new ReplyError('ERR HLL encoding is not sparse'),
  unknownDebug: (sub: string) => new ReplyError(`ERR Unknown PFDEBUG subcommand '${sub}'`),
  selfTest: (what: string) => new ReplyError(`ERR TESTFAILED ${what}`),
};

const keyOf = (argv: Buffer[], i: number) => argv[i]!.toString('latin1');

/** Redis's default for hll-sparse-max-bytes, used while the config table has no such parameter. */
const DEFAULT_SPARSE_MAX_BYTES = 3000;

function sparseMaxBytes(ctx: CommandContext): number {
  return findParam('hll-sparse-max-bytes') === undefined
    ? DEFAULT_SPARSE_MAX_BYTES
    : ctx.server.config.number('hll-sparse-max-bytes');
}

/** The stored HLL of an existing entry: WRONGTYPE for other types and for strings that are not HLLs. */
function asHll(entry: Entry): Buffer {
  if (entry.type !== 'string') throw Errors.wrongType();
  const buf = stringEntryBytes(entry);
  if (!isHll(buf)) throw HllErrors.notHll();
  return buf;
}

function store(ctx: CommandContext, key: string, buf: Buffer): void {
  ctx.db.set(key, 'string', markRaw(buf), true);
}

// ------------------------------------------------------------------ PFADD / PFCOUNT / PFMERGE

function pfadd(ctx: CommandContext, argv: Buffer[]): Reply {
  const key = keyOf(argv, 1);
  const entry = ctx.db.lookupWrite(key);
  let updated = 0;
  let cell: HllCell;
  if (entry === undefined) {
    cell = new HllCell(createHll());
    updated++;
  } else {
    const current = asHll(entry);
    markRaw(current);
    // A private copy: replies queued earlier may reference the stored bytes.
    cell = new HllCell(Buffer.from(current));
  }
  const maxBytes = sparseMaxBytes(ctx);
  for (let i = 2; i < argv.length; i++) {
    const result = addElement(cell, argv[i]!, maxBytes);
    if (result < 0) {
      // Redis edits the value in place, so the registers set before the corruption stay set.
      if (updated > 0) store(ctx, key, cell.bytes());
      throw HllErrors.corrupt();
    }
    updated += result;
  }
  if (updated === 0) return 0;
  const value = cell.bytes();
  invalidateCache(value);
  store(ctx, key, value);
  ctx.notify('$', 'pfadd', key);
  return 1;
}

function pfcount(ctx: CommandContext, argv: Buffer[]): Reply {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let i = 1; i < argv.length; i++) {
      const entry = ctx.db.lookupRead(keyOf(argv, i));
      if (entry === undefined) continue;
      if (!mergeRegisters(max, asHll(entry))) throw HllErrors.corrupt();
    }
    return countRegisters(max);
  }
  const key = keyOf(argv, 1);
  const entry = ctx.db.lookupRead(key);
  if (entry === undefined) return 0;
  const current = markRaw(asHll(entry));
  const cached = cachedCardinality(current);
  if (cached !== undefined) return cached <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cached) : cached;
  const card = countHll(current);
  if (card === undefined) throw HllErrors.corrupt();
  // The cache lives in the value, so refreshing it is a write (WATCH sees it; no event), as in Redis.
  const updated = Buffer.from(current);
  setCachedCardinality(updated, card);
  store(ctx, key, updated);
  return card;
}

function pfmerge(ctx: CommandContext, argv: Buffer[]): Reply {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let i = 1; i < argv.length; i++) {
    const entry = ctx.db.lookupRead(keyOf(argv, i));
    if (entry === undefined) continue;
    const buf = asHll(entry);
    if (buf[4] === HLL_DENSE) useDense = true;
    if (!mergeRegisters(max, buf)) throw HllErrors.corrupt();
  }
  const key = keyOf(argv, 1);
  // The destination was checked above as one of the inputs.
  const current = ctx.db.getWrite(key, 'string');
  let start = current === undefined ? createHll() : Buffer.from(current);
  if (useDense) {
    const dense = sparseToDense(start);
    if (dense === undefined) throw HllErrors.corrupt();
    start = dense;
  }
  const cell = new HllCell(start);
  // Register by register, in order: the sparse bytes come out exactly as Redis builds them.
  const maxBytes = sparseMaxBytes(ctx);
  for (let i = 0; i < HLL_REGISTERS; i++) if (max[i] !== 0) setRegister(cell, i, max[i]!, maxBytes);
  const value = cell.bytes();
  invalidateCache(value);
  store(ctx, key, value);
  ctx.notify('$', 'pfadd', key);
  return OK;
}

// ------------------------------------------------------------------ PFDEBUG / PFSELFTEST

function pfdebug(ctx: CommandContext, argv: Buffer[]): Reply {
  const sub = argv[1]!.toString('latin1');
  const key = keyOf(argv, 2);
  const entry = ctx.db.lookupWrite(key);
  if (entry === undefined) throw HllErrors.noKey();
  const buf = markRaw(asHll(entry));
  /** Replace the stored value with its dense form; Redis counts it dirty but touches no watcher. */
  const toDense = (): Buffer => {
    const dense = sparseToDense(buf);
    if (dense === undefined) throw HllErrors.corrupt();
    ctx.db.replaceString(entry, markRaw(dense));
    ctx.server.dirty++;
    return dense;
  };
  switch (sub.toLowerCase()) {
    case 'getreg': {
      const dense = buf[4] === HLL_SPARSE ? toDense() : buf;
      const out: number[] = new Array<number>(HLL_REGISTERS);
      for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(dense, i);
      return out;
    }
    case 'decode':
      if (buf[4] !== HLL_SPARSE) throw HllErrors.notSparse();
      return Buffer.from(decodeSparse(buf), 'latin1');
    case 'encoding':
      return new Status(buf[4] === HLL_DENSE ? 'dense' : 'sparse');
    case 'todense':
      if (buf[4] !== HLL_SPARSE) return 0;
      toDense();
      return 1;
    default:
      throw HllErrors.unknownDebug(sub);
  }
}

/**
 * Checks this implementation against itself: dense register packing, and the estimate's error
 * for growing cardinalities in both encodings. Smaller than Redis's (100 000 elements rather than
 * 10 000 000) so that it finishes quickly in JavaScript.
 */
function pfselftest(): Reply {
  // Dense registers: random values written and read back, compared with a plain array.
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  const expected = new Uint8Array(HLL_REGISTERS);
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = Math.floor(Math.random() * 64);
      expected[i] = v;
      denseSetRegister(dense, i, v);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (denseGet(dense, i) !== expected[i]) return HllErrors.selfTest(`Register error at ${i}`);
    }
  }
  // Approximation error: within 5 standard errors, the sparse and dense forms agreeing while
  // the sparse form still fits.
  const sparse = new HllCell(createHll());
  const full = new HllCell(sparseToDense(createHll())!);
  const relErr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seed = Math.floor(Math.random() * 0xffffffff);
  const element = Buffer.alloc(8);
  let checkpoint = 1;
  for (let j = 1; j <= 100_000; j++) {
    element.writeUInt32LE(j, 0);
    element.writeUInt32LE(seed, 4);
    addElement(full, element, 0);
    addElement(sparse, element, DEFAULT_SPARSE_MAX_BYTES);
    if (j !== checkpoint) continue;
    const fromDense = Number(countHll(full.buf));
    const fromSparse = Number(countHll(sparse.bytes()));
    if (fromDense !== fromSparse) return HllErrors.selfTest('Sparse and dense encodings disagree');
    const maxErr = Math.max(relErr * 5 * j, 1);
    if (Math.abs(j - fromDense) > maxErr) {
      return HllErrors.selfTest(`Too big error. card:${j} abserr:${Math.abs(j - fromDense)}`);
    }
    checkpoint *= 10;
  }
  return OK;
}

// ------------------------------------------------------------------ specs

export const specs: CommandSpec[] = [
  {
    name: 'pfadd',
    arity: -2,
    flags: ['write', 'denyoom', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: ['@write', '@hyperloglog', '@fast'],
    handler: pfadd,
  },
  {
    name: 'pfcount',
    arity: -2,
    flags: ['readonly', 'may_replicate'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: ['@read', '@hyperloglog', '@slow'],
    handler: pfcount,
  },
  {
    name: 'pfmerge',
    arity: -2,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: -1,
    step: 1,
    categories: ['@write', '@hyperloglog', '@slow'],
    handler: pfmerge,
  },
  {
    name: 'pfdebug',
    arity: 3,
    flags: ['write', 'denyoom', 'admin'],
    firstKey: 2,
    lastKey: 2,
    step: 1,
    categories: ['@write', '@hyperloglog', '@admin', '@slow', '@dangerous'],
    handler: pfdebug,
  },
  {
    name: 'pfselftest',
    arity: 1,
    flags: ['admin'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: ['@hyperloglog', '@admin', '@slow', '@dangerous'],
    handler: pfselftest,
  },
];
