// Sorted set commands: ZADD and friends, range queries by rank/score/lex, pops (blocking too),
// set algebra (ZUNION/ZINTER/ZDIFF and their STORE forms), ZRANDMEMBER and ZSCAN.
//
// Replies follow Redis 7.0: scores are doubles (RESP2 bulk "%.17g", RESP3 `,`), and WITHSCORES
// results are a flat member/score list in RESP2 but [member, score] pairs in RESP3.
import { latin1String } from '../protocol/latin1.js';
import type { CommandContext, CommandSpec } from './types.js';
import type { Config } from '../config/config.js';
import { Errors, KeyErrors, ZsetErrors as ZErrors } from '../protocol/errors.js';
import { checkRandomReplySize } from './sets.js';
import { Double, NULL_ARRAY, ReplyError, type HandlerResult, type Reply } from '../protocol/reply.js';
import { formatDouble, parseInteger, parseTimeout, tryParseInteger } from '../protocol/numbers.js';
import { globMatch } from '../pubsub/glob.js';
import {
  SortedSet,
  lexAboveMin,
  lexBelowMax,
  scoreAboveMin,
  scoreBelowMax,
  type LexBound,
  type LexRange,
  type ListpackLimits,
  type ScoreRange,
  type ZEntry,
} from '../types/zset.js';

// ---------------------------------------------------------------- number parsing

interface StrtodResult {
  value: number;
  /** Index after the parsed number (0 when nothing was parsed). */
  end: number;
  /** The literal's magnitude is outside the double range (strtod's ERANGE cases). */
  overflow: boolean;
  underflow: boolean;
  /** With a zero value: approximate log10 of the literal's magnitude (-Infinity for an exact 0). */
  log10: number;
}

/** Plain decimal numbers, the common case, skip the general parser. */
const SIMPLE_DECIMAL = /^[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/;
const INFINITY = /^[+-]?inf(?:inity)?/i;
const NAN = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?/i;

/** log10 of a decimal literal's magnitude, from its digits and exponent. */
function decimalLog10(literal: string): number {
  const [mantissa, expText] = literal.replace(/^[+-]/, '').split(/[eE]/);
  const exp = expText === undefined ? 0 : Number(expText);
  const [intPart, fracPart = ''] = mantissa!.split('.');
  const intDigits = intPart!.replace(/^0+/, '');
  if (intDigits.length !== 0) return intDigits.length - 1 + exp;
  const leadingZeros = /^0*/.exec(fracPart)![0].length;
  if (leadingZeros === fracPart.length) return -Infinity;
  return -(leadingZeros + 1) + exp;
}

/** C's strtod on a latin1 string: the longest numeric prefix after optional white space. */
export function strtod(text: string): StrtodResult {
  if (SIMPLE_DECIMAL.test(text)) return decimalResult(text, text.length);
  let start = 0;
  while (start < text.length && isSpace(text.charCodeAt(start))) start++;
  const rest = text.slice(start);
  let m = HEX.exec(rest);
  if (m !== null) {
    const intDigits = m[2] ?? '';
    const fracDigits = m[3] ?? m[4] ?? '';
    const big = BigInt('0x' + (intDigits + fracDigits || '0'));
    const mantissa = Number(big);
    const scale = (m[5] === undefined ? 0 : Number(m[5])) - 4 * fracDigits.length;
    // Two steps, so that a subnormal result is not lost to an intermediate 2**scale underflow.
    const half = Math.trunc(scale / 2);
    let value = mantissa === 0 ? 0 : mantissa * 2 ** half * 2 ** (scale - half);
    if (m[1] === '-') value = -value;
    const log10 = big === 0n ? -Infinity : (big.toString(2).length - 1 + scale) * Math.LOG10E * Math.LN2;
    return { value, end: start + m[0].length, overflow: !Number.isFinite(value), underflow: value === 0 && big !== 0n, log10 };
  }
  m = INFINITY.exec(rest);
  if (m !== null) {
    const value = m[0][0] === '-' ? -Infinity : Infinity;
    return { value, end: start + m[0].length, overflow: false, underflow: false, log10: Infinity };
  }
  m = NAN.exec(rest);
  if (m !== null) return { value: NaN, end: start + m[0].length, overflow: false, underflow: false, log10: NaN };
  m = DECIMAL.exec(rest);
  if (m === null) return { value: 0, end: 0, overflow: false, underflow: false, log10: -Infinity };
  return decimalResult(m[0], start + m[0].length);
}

function decimalResult(literal: string, end: number): StrtodResult {
  const value = Number(literal);
  if (Number.isFinite(value) && value !== 0) return { value, end, overflow: false, underflow: false, log10: 0 };
  if (value === 0 && isZeroMantissa(literal)) return { value, end, overflow: false, underflow: false, log10: -Infinity };
  const log10 = decimalLog10(literal);
  return { value, end, overflow: !Number.isFinite(value), underflow: value === 0 && log10 !== -Infinity, log10 };
}

/** True when every mantissa digit is 0 ("0", "-0.00", "0e5"): an exact zero, not an underflow. */
function isZeroMantissa(literal: string): boolean {
  for (let i = 0; i < literal.length; i++) {
    const c = literal.charCodeAt(i);
    if (c === 101 || c === 69) return true; // e/E: the exponent does not matter for zero
    if (c >= 49 && c <= 57) return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** A score or increment as Redis's getDoubleFromObject accepts it: whole string, no NaN, no ERANGE. */
export function tryParseScore(buf: Buffer): number | undefined {
  const text = latin1String(buf);
  if (text.length === 0 || isSpace(text.charCodeAt(0))) return undefined;
  const r = strtod(text);
  if (r.end !== text.length || Number.isNaN(r.value) || r.overflow || r.underflow) return undefined;
  return r.value;
}

function parseScore(buf: Buffer): number {
  const value = tryParseScore(buf);
  if (value === undefined) throw Errors.notFloat();
  return value;
}

/** One end of a score interval: `(` marks it exclusive; plain strtod otherwise (spaces, "" allowed). */
function parseScoreBound(buf: Buffer): { value: number; exclusive: boolean } {
  let text = buf.toString('latin1');
  let exclusive = false;
  if (text.charCodeAt(0) === 40 /* ( */) {
    exclusive = true;
    text = text.slice(1);
  }
  const r = strtod(text);
  if (r.end !== text.length || Number.isNaN(r.value)) throw Errors.notFloatMin();
  return { value: r.value, exclusive };
}

function parseScoreRange(minArg: Buffer, maxArg: Buffer): ScoreRange {
  const min = parseScoreBound(minArg);
  const max = parseScoreBound(maxArg);
  return { min: min.value, max: max.value, minExclusive: min.exclusive, maxExclusive: max.exclusive };
}

function parseLexBound(buf: Buffer): LexBound {
  const first = buf[0];
  if (first === 43 /* + */ && buf.length === 1) return { kind: 'max' };
  if (first === 45 /* - */ && buf.length === 1) return { kind: 'min' };
  if (first === 40 /* ( */ || first === 91 /* [ */) {
    return { kind: 'value', value: buf.toString('latin1', 1), exclusive: first === 40 };
  }
  throw ZErrors.lexRange();
}

function parseLexRange(minArg: Buffer, maxArg: Buffer): LexRange {
  return { min: parseLexBound(minArg), max: parseLexBound(maxArg) };
}

/** Integer with a custom error for both bad syntax and values below `min`. */
function parseAtLeast(buf: Buffer, min: number, error: () => ReplyError): number {
  const value = tryParseInteger(buf);
  if (value === undefined || value < min) throw error();
  return value;
}

/**
 * A blocking timeout in seconds, as milliseconds (0: forever). Redis parses it as a long double,
 * whose range is far wider than a double's: only magnitudes beyond that range are "not a float".
 */
// ---------------------------------------------------------------- helpers

const keyOf = latin1String;
const memberReply = (member: string): Buffer => Buffer.from(member, 'latin1');

function upper(buf: Buffer): string {
  return buf.length > 16 ? '' : latin1String(buf).toUpperCase();
}

function limitsOf(ctx: CommandContext): ListpackLimits {
  const config = ctx.server.config;
  return { maxEntries: config.number('zset-max-listpack-entries'), maxValue: config.number('zset-max-listpack-value') };
}

interface Scored {
  member: string;
  score: number;
}

/** Members, or members with scores: flat in RESP2, [member, score] pairs in RESP3. */
function scoredReply(ctx: CommandContext, items: readonly Scored[], withScores: boolean): Reply[] {
  if (!withScores) return items.map((n) => memberReply(n.member));
  if (ctx.client.proto === 3) return items.map((n) => [memberReply(n.member), new Double(n.score)]);
  const out: Reply[] = [];
  for (const n of items) out.push(memberReply(n.member), new Double(n.score));
  return out;
}

/** Delete the key when its set became empty; returns true if it did (and notifies `del`). */
function dropIfEmpty(ctx: CommandContext, key: string, z: SortedSet): boolean {
  if (z.size !== 0) return false;
  ctx.db.delete(key);
  ctx.notify('g', 'del', key);
  return true;
}

// ---------------------------------------------------------------- ZADD / ZINCRBY

const ADD_NX = 1;
const ADD_XX = 2;
const ADD_GT = 4;
const ADD_LT = 8;
const ADD_CH = 16;
const ADD_INCR = 32;

function zaddGeneric(ctx: CommandContext, argv: Buffer[], flags: number): HandlerResult {
  const key = keyOf(argv[1]!);
  let i = 2;
  for (; i < argv.length; i++) {
    const opt = upper(argv[i]!);
    if (opt === 'NX') flags |= ADD_NX;
    else if (opt === 'XX') flags |= ADD_XX;
    else if (opt === 'GT') flags |= ADD_GT;
    else if (opt === 'LT') flags |= ADD_LT;
    else if (opt === 'CH') flags |= ADD_CH;
    else if (opt === 'INCR') flags |= ADD_INCR;
    else break;
  }
  const pairs = argv.length - i;
  if (pairs === 0 || pairs % 2 !== 0) throw Errors.syntax();
  const nx = (flags & ADD_NX) !== 0;
  const xx = (flags & ADD_XX) !== 0;
  const gt = (flags & ADD_GT) !== 0;
  const lt = (flags & ADD_LT) !== 0;
  const incr = (flags & ADD_INCR) !== 0;
  if (nx && xx) throw ZErrors.nxAndXx();
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw ZErrors.gtLtNx();
  if (incr && pairs > 2) throw ZErrors.incrPair();
  // Every score is parsed before anything changes: the command applies fully or not at all.
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 2) scores.push(parseScore(argv[j]!));

  let z = ctx.db.getWrite(key, 'zset');
  let added = 0;
  let updated = 0;
  let processed = 0;
  let lastScore = 0;
  if (z === undefined) {
    if (xx) return incr ? null : 0;
    z = new SortedSet();
    ctx.db.set(key, 'zset', z);
  }
  const limits = limitsOf(ctx);
  let failure: ReplyError | undefined;
  for (let p = 0; p < scores.length; p++) {
    const member = keyOf(argv[i + 2 * p + 1]!);
    let score = scores[p]!;
    const current = z.score(member);
    if (current !== undefined) {
      if (nx) continue;
      if (incr) {
        score += current;
        if (Number.isNaN(score)) {
          failure = ZErrors.scoreNaN();
          break;
        }
      }
      if ((lt && score >= current) || (gt && score <= current)) continue;
      processed++;
      lastScore = score;
      if (score !== current) {
        z.set(member, score, limits);
        updated++;
      }
    } else {
      if (xx) continue;
      z.set(member, score, limits);
      added++;
      processed++;
      lastScore = score;
    }
  }
  if (added !== 0 || updated !== 0) {
    ctx.db.modified(key);
    ctx.notify('z', incr ? 'zincr' : 'zadd', key);
    if (added !== 0) ctx.db.signalReady(key);
  }
  if (failure !== undefined) return failure;
  if (incr) return processed !== 0 ? new Double(lastScore) : null;
  return (flags & ADD_CH) !== 0 ? added + updated : added;
}

function zadd(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  return zaddGeneric(ctx, argv, 0);
}

function zincrby(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  // ZINCRBY key increment member is ZADD key INCR increment member; like Redis, ZADD's option
  // words are recognised here too (ZINCRBY key NX member is a syntax error).
  return zaddGeneric(ctx, argv, ADD_INCR);
}

// ---------------------------------------------------------------- simple reads and ZREM

function zrem(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = keyOf(argv[1]!);
  const z = ctx.db.getWrite(key, 'zset');
  if (z === undefined) return 0;
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (z.delete(keyOf(argv[i]!))) deleted++;
    if (z.size === 0) break;
  }
  if (deleted !== 0) {
    ctx.notify('z', 'zrem', key);
    dropIfEmpty(ctx, key, z);
    ctx.db.modified(key);
  }
  return deleted;
}

function zcard(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  return ctx.db.getRead(keyOf(argv[1]!), 'zset')?.size ?? 0;
}

function zscore(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const score = ctx.db.getRead(keyOf(argv[1]!), 'zset')?.score(keyOf(argv[2]!));
  return score === undefined ? null : new Double(score);
}

function zmscore(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const z = ctx.db.getRead(keyOf(argv[1]!), 'zset');
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(keyOf(argv[i]!));
    out.push(score === undefined ? null : new Double(score));
  }
  return out;
}

function rankGeneric(ctx: CommandContext, argv: Buffer[], reverse: boolean): HandlerResult {
  const z = ctx.db.getRead(keyOf(argv[1]!), 'zset');
  if (z === undefined) return null;
  const rank = z.rank(keyOf(argv[2]!));
  if (rank === undefined) return null;
  return reverse ? z.size - 1 - rank : rank;
}

function zcount(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  const z = ctx.db.getRead(keyOf(argv[1]!), 'zset');
  return z === undefined ? 0 : z.countInScoreRange(range);
}

function zlexcount(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const range = parseLexRange(argv[2]!, argv[3]!);
  const z = ctx.db.getRead(keyOf(argv[1]!), 'zset');
  return z === undefined ? 0 : z.countInLexRange(range);
}

// ---------------------------------------------------------------- ranges

type RangeKind = 'rank' | 'score' | 'lex';

interface RangeQuery {
  kind: RangeKind;
  reverse: boolean;
  start: number;
  end: number;
  score: ScoreRange;
  lex: LexRange;
  offset: number;
  /** -1: no limit. */
  limit: number;
}

/** Clamp a rank interval as ZRANGE does; returns [start, end] or undefined when empty. */
function clampRanks(start: number, end: number, size: number): [number, number] | undefined {
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > end || start >= size) return undefined;
  if (end >= size) end = size - 1;
  return [start, end];
}

/** The entries a range query selects, in reply order. */
function selectRange(z: SortedSet, q: RangeQuery): ZEntry[] {
  const size = z.size;
  if (q.kind === 'rank') {
    const ranks = clampRanks(q.start, q.end, size);
    if (ranks === undefined) return [];
    const [start, end] = ranks;
    return z.slice(q.reverse ? size - 1 - start : start, end - start + 1, q.reverse);
  }
  const out: ZEntry[] = [];
  if (q.offset < 0 || (q.offset > 0 && q.offset >= size)) return out;
  let first: number;
  if (q.kind === 'score') first = q.reverse ? z.lastInScoreRange(q.score) : z.firstInScoreRange(q.score);
  else first = q.reverse ? z.lastInLexRange(q.lex) : z.firstInLexRange(q.lex);
  if (first === -1) return out;
  // The offset skips elements without testing them against the range (as Redis does).
  const startRank = q.reverse ? first - q.offset : first + q.offset;
  if (startRank < 0 || startRank >= size) return out;
  let limit = q.limit;
  if (limit === 0) return out;
  z.walk(startRank, q.reverse, (member, score) => {
    let inside: boolean;
    if (q.kind === 'score') inside = q.reverse ? scoreAboveMin(score, q.score) : scoreBelowMax(score, q.score);
    else inside = q.reverse ? lexAboveMin(member, q.lex) : lexBelowMax(member, q.lex);
    if (!inside) return false;
    out.push({ member, score });
    if (limit > 0) limit--;
    return limit !== 0;
  });
  return out;
}

interface RangeCommand {
  /** Fixed kind (ZRANGEBYSCORE...) or undefined for ZRANGE/ZRANGESTORE (BYSCORE/BYLEX/REV options). */
  kind?: RangeKind;
  reverse?: boolean;
  store: boolean;
}

/** Parse and run ZRANGE and its relatives. `src` is the argv index of the source key. */
function rangeGeneric(ctx: CommandContext, argv: Buffer[], src: number, cmd: RangeCommand): HandlerResult {
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let reverse = cmd.reverse;
  let kind = cmd.kind;
  for (let j = src + 3; j < argv.length; j++) {
    const opt = upper(argv[j]!);
    const left = argv.length - j - 1;
    if (!cmd.store && opt === 'WITHSCORES') withScores = true;
    else if (opt === 'LIMIT' && left >= 2) {
      offset = parseInteger(argv[j + 1]!);
      limit = parseInteger(argv[j + 2]!);
      j += 2;
    } else if (cmd.reverse === undefined && reverse === undefined && opt === 'REV') reverse = true;
    else if (cmd.kind === undefined && kind === undefined && opt === 'BYLEX') kind = 'lex';
    else if (cmd.kind === undefined && kind === undefined && opt === 'BYSCORE') kind = 'score';
    else throw Errors.syntax();
  }
  reverse ??= false;
  kind ??= 'rank';
  if (limit !== -1 && kind === 'rank') throw ZErrors.limitNeedsBy();
  if (withScores && kind === 'lex') throw ZErrors.withScoresByLex();
  let minArg = argv[src + 1]!;
  let maxArg = argv[src + 2]!;
  // Score and lex ranges are given as max, min when reversed.
  if (reverse && kind !== 'rank') [minArg, maxArg] = [maxArg, minArg];
  const q: RangeQuery = {
    kind,
    reverse,
    start: 0,
    end: 0,
    score: { min: 0, max: 0, minExclusive: false, maxExclusive: false },
    lex: { min: { kind: 'min' }, max: { kind: 'max' } },
    offset,
    limit,
  };
  if (kind === 'rank') {
    q.start = parseInteger(minArg);
    q.end = parseInteger(maxArg);
  } else if (kind === 'score') {
    q.score = parseScoreRange(minArg, maxArg);
  } else {
    q.lex = parseLexRange(minArg, maxArg);
  }
  const srcKey = keyOf(argv[src]!);
  const z = ctx.db.getRead(srcKey, 'zset');
  const entries = z === undefined ? [] : selectRange(z, q);
  if (!cmd.store) return scoredReply(ctx, entries, withScores);
  const dst = keyOf(argv[1]!);
  if (entries.length === 0) {
    if (ctx.db.delete(dst)) ctx.notify('g', 'del', dst);
    return 0;
  }
  const limits = limitsOf(ctx);
  let out: SortedSet;
  if (entries.length > limits.maxEntries) {
    out = SortedSet.fromEntries(entries);
  } else {
    // Like Redis: a listpack that converts if a member turns out too long.
    out = new SortedSet('listpack');
    for (const n of entries) out.set(n.member, n.score, limits);
  }
  ctx.db.set(dst, 'zset', out);
  ctx.notify('z', 'zrangestore', dst);
  ctx.db.signalReady(dst);
  return entries.length;
}

// ---------------------------------------------------------------- ZREMRANGEBY*

function zremrangeGeneric(ctx: CommandContext, argv: Buffer[], kind: RangeKind): HandlerResult {
  const key = keyOf(argv[1]!);
  let rankStart = 0;
  let rankEnd = 0;
  let scoreRange: ScoreRange | undefined;
  let lexRange: LexRange | undefined;
  if (kind === 'rank') {
    rankStart = parseInteger(argv[2]!);
    rankEnd = parseInteger(argv[3]!);
  } else if (kind === 'score') {
    scoreRange = parseScoreRange(argv[2]!, argv[3]!);
  } else {
    lexRange = parseLexRange(argv[2]!, argv[3]!);
  }
  const z = ctx.db.getWrite(key, 'zset');
  if (z === undefined) return 0;
  let first = -1;
  let count = 0;
  if (kind === 'rank') {
    const ranks = clampRanks(rankStart, rankEnd, z.size);
    if (ranks !== undefined) {
      first = ranks[0];
      count = ranks[1] - ranks[0] + 1;
    }
  } else if (scoreRange !== undefined) {
    first = z.firstInScoreRange(scoreRange);
    if (first !== -1) count = z.lastInScoreRange(scoreRange) - first + 1;
  } else if (lexRange !== undefined) {
    first = z.firstInLexRange(lexRange);
    if (first !== -1) count = z.countInLexRange(lexRange);
  }
  if (count === 0) return 0;
  z.deleteRankRange(first, first + count - 1);
  ctx.db.modified(key);
  ctx.notify('z', kind === 'rank' ? 'zremrangebyrank' : kind === 'score' ? 'zremrangebyscore' : 'zremrangebylex', key);
  dropIfEmpty(ctx, key, z);
  return count;
}

// ---------------------------------------------------------------- pops

/** Remove up to `count` elements from one end; notifies and drops an emptied key. */
function popFrom(ctx: CommandContext, key: string, z: SortedSet, max: boolean, count: number): Scored[] {
  const popped: Scored[] = [];
  while (popped.length < count && z.size !== 0) {
    const n = (max ? z.last : z.first) as ZEntry;
    popped.push({ member: n.member, score: n.score });
    z.delete(n.member);
  }
  if (popped.length !== 0) {
    ctx.notify('z', max ? 'zpopmax' : 'zpopmin', key);
    dropIfEmpty(ctx, key, z);
    ctx.db.modified(key);
  }
  return popped;
}

// Effects: BZPOPMIN/BZPOPMAX, ZMPOP and BZMPOP are recorded as ZPOPMIN/ZPOPMAX, as in Redis.
const ZPOPMIN = Buffer.from('ZPOPMIN');
const ZPOPMAX = Buffer.from('ZPOPMAX');

function propagateZpop(ctx: CommandContext, key: string, max: boolean, count?: number): void {
  if (!ctx.propagating) return;
  const command = [max ? ZPOPMAX : ZPOPMIN, Buffer.from(key, 'latin1')];
  if (count !== undefined) command.push(Buffer.from(String(count)));
  ctx.propagateAs(command);
}

function zpopGeneric(ctx: CommandContext, argv: Buffer[], max: boolean): HandlerResult {
  if (argv.length > 3) throw Errors.syntax();
  const hasCount = argv.length === 3;
  const count = hasCount ? parseAtLeast(argv[2]!, 0, ZErrors.mustBePositive) : 1;
  const key = keyOf(argv[1]!);
  const z = ctx.db.getWrite(key, 'zset');
  if (z === undefined || count === 0) return [];
  const popped = popFrom(ctx, key, z, max, count);
  if (!hasCount) return scoredReply(ctx, popped, true).flat(1);
  return scoredReply(ctx, popped, true);
}

/** The first key (in order) holding a non-empty sorted set; WRONGTYPE if an earlier key is not one. */
function firstNonEmpty(ctx: CommandContext, keys: string[]): { key: string; z: SortedSet } | undefined {
  for (const key of keys) {
    const z = ctx.db.getWrite(key, 'zset');
    if (z !== undefined && z.size !== 0) return { key, z };
  }
  return undefined;
}

/**
 * Same, for blocked clients being served: keys of another type are skipped, never an error.
 * Redis serves a waiter from the key that became ready; when the blocking registry says which
 * one that is (`readyKey`), it goes first, otherwise the keys are tried in the command's order.
 */
function firstReadyForRetry(ctx: CommandContext, keys: string[], readyKey?: string): { key: string; z: SortedSet } | undefined {
  const order = readyKey !== undefined && keys.includes(readyKey) ? [readyKey, ...keys] : keys;
  for (const key of order) {
    const entry = ctx.db.lookupWrite(key);
    if (entry !== undefined && entry.type === 'zset' && entry.value.size !== 0) return { key, z: entry.value };
  }
  return undefined;
}

function bzpopGeneric(ctx: CommandContext, argv: Buffer[], max: boolean): HandlerResult {
  const timeoutMs = parseTimeout(argv[argv.length - 1]!);
  const keys = argv.slice(1, -1).map(keyOf);
  const reply = (found: { key: string; z: SortedSet }, c: CommandContext): Reply => {
    const [item] = popFrom(c, found.key, found.z, max, 1);
    propagateZpop(c, found.key, max);
    return [memberReply(found.key), memberReply(item!.member), new Double(item!.score)];
  };
  const ready = firstNonEmpty(ctx, keys);
  if (ready !== undefined) return reply(ready, ctx);
  return ctx.block({
    keys,
    timeoutMs,
    timeoutReply: NULL_ARRAY,
    retry: (c: CommandContext, readyKey?: string) => {
      const found = firstReadyForRetry(c, keys, readyKey);
      return found === undefined ? undefined : reply(found, c);
    },
  });
}

interface MpopArgs {
  keys: string[];
  max: boolean;
  count: number;
}

/** numkeys key... MIN|MAX [COUNT n], starting at argv[at]. */
function parseMpop(argv: Buffer[], at: number): MpopArgs {
  const numkeys = parseAtLeast(argv[at]!, 1, ZErrors.numkeys);
  const whereAt = at + numkeys + 1;
  if (whereAt >= argv.length) throw Errors.syntax();
  const where = upper(argv[whereAt]!);
  if (where !== 'MIN' && where !== 'MAX') throw Errors.syntax();
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && upper(argv[j]!) === 'COUNT' && j + 1 < argv.length) {
      count = parseAtLeast(argv[++j]!, 1, ZErrors.count);
    } else {
      throw Errors.syntax();
    }
  }
  return { keys: argv.slice(at + 1, whereAt).map(keyOf), max: where === 'MAX', count: count === -1 ? 1 : count };
}

function mpopReply(ctx: CommandContext, key: string, z: SortedSet, args: MpopArgs): Reply {
  const popped = popFrom(ctx, key, z, args.max, args.count);
  propagateZpop(ctx, key, args.max, popped.length);
  // Pairs in both protocols (unlike ZPOPMIN).
  return [memberReply(key), popped.map((p) => [memberReply(p.member), new Double(p.score)])];
}

function zmpop(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const args = parseMpop(argv, 1);
  const ready = firstNonEmpty(ctx, args.keys);
  return ready === undefined ? NULL_ARRAY : mpopReply(ctx, ready.key, ready.z, args);
}

function bzmpop(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  // As Redis: numkeys, keys and options are checked before the timeout.
  const args = parseMpop(argv, 2);
  const timeoutMs = parseTimeout(argv[1]!);
  const ready = firstNonEmpty(ctx, args.keys);
  if (ready !== undefined) return mpopReply(ctx, ready.key, ready.z, args);
  return ctx.block({
    keys: args.keys,
    timeoutMs,
    timeoutReply: NULL_ARRAY,
    retry: (c: CommandContext, readyKey?: string) => {
      const found = firstReadyForRetry(c, args.keys, readyKey);
      return found === undefined ? undefined : mpopReply(c, found.key, found.z, args);
    },
  });
}

// ---------------------------------------------------------------- ZUNION / ZINTER / ZDIFF

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** An input of a set operation: a sorted set, a plain set (every score 1), or a missing key. */
interface Source {
  zset?: SortedSet;
  set?: { readonly size: number; has(member: string): boolean } & Iterable<string>;
  weight: number;
}

function sourceSize(s: Source): number {
  return s.zset?.size ?? s.set?.size ?? 0;
}

function sourceScore(s: Source, member: string): number | undefined {
  if (s.zset !== undefined) return s.zset.score(member);
  if (s.set !== undefined) return s.set.has(member) ? 1 : undefined;
  return undefined;
}

function* sourceItems(s: Source): Generator<[string, number]> {
  if (s.zset !== undefined) for (const n of s.zset) yield [n.member, n.score];
  else if (s.set !== undefined) for (const m of s.set) yield [m, 1];
}

function weighted(weight: number, score: number): number {
  const value = weight * score;
  // inf * 0 is NaN: Redis counts it as 0.
  return Number.isNaN(value) ? 0 : value;
}

function aggregate(how: Aggregate, acc: number, value: number): number {
  if (how === 'sum') {
    const sum = acc + value;
    return Number.isNaN(sum) ? 0 : sum; // inf + -inf
  }
  if (how === 'min') return value < acc ? value : acc;
  return value > acc ? value : acc;
}

interface SetOpCommand {
  op: SetOp;
  /** ZUNIONSTORE & co: the destination is argv[1] and numkeys argv[2]. */
  store: boolean;
  /** ZINTERCARD. */
  cardinality?: boolean;
}

function setOpGeneric(ctx: CommandContext, argv: Buffer[], cmd: SetOpCommand): HandlerResult {
  const name = argv[0]!.toString('latin1').toLowerCase();
  const numkeysAt = cmd.store ? 2 : 1;
  const numkeys = parseInteger(argv[numkeysAt]!);
  if (numkeys < 1) throw ZErrors.atLeastOneKey(name);
  if (numkeys > argv.length - numkeysAt - 1) throw Errors.syntax();
  const sources: Source[] = [];
  let j = numkeysAt + 1;
  for (let i = 0; i < numkeys; i++, j++) {
    const entry = ctx.db.lookupRead(keyOf(argv[j]!));
    if (entry === undefined) sources.push({ weight: 1 });
    else if (entry.type === 'zset') sources.push({ zset: entry.value, weight: 1 });
    else if (entry.type === 'set') sources.push({ set: entry.value, weight: 1 });
    else throw Errors.wrongType();
  }
  let how: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const opt = upper(argv[j]!);
    const remaining = argv.length - j;
    if (cmd.op !== 'diff' && !cmd.cardinality && remaining >= numkeys + 1 && opt === 'WEIGHTS') {
      j++;
      for (let i = 0; i < numkeys; i++, j++) {
        const w = tryParseScore(argv[j]!);
        if (w === undefined) throw ZErrors.weight();
        sources[i]!.weight = w;
      }
    } else if (cmd.op !== 'diff' && !cmd.cardinality && remaining >= 2 && opt === 'AGGREGATE') {
      const value = upper(argv[j + 1]!);
      if (value === 'SUM') how = 'sum';
      else if (value === 'MIN') how = 'min';
      else if (value === 'MAX') how = 'max';
      else throw Errors.syntax();
      j += 2;
    } else if (!cmd.store && !cmd.cardinality && opt === 'WITHSCORES') {
      withScores = true;
      j++;
    } else if (cmd.cardinality && remaining >= 2 && opt === 'LIMIT') {
      limit = parseAtLeast(argv[j + 1]!, 0, ZErrors.limitNegative);
      j += 2;
    } else {
      throw Errors.syntax();
    }
  }

  if (cmd.cardinality) return intersectionCardinality(sources, limit);
  const result = computeSetOp(cmd.op, sources, how);
  if (!cmd.store) return scoredReply(ctx, [...result], withScores);

  const dst = keyOf(argv[1]!);
  if (result.size === 0) {
    if (ctx.db.delete(dst)) ctx.notify('g', 'del', dst);
    return 0;
  }
  result.compactIfFits(limitsOf(ctx));
  ctx.db.set(dst, 'zset', result);
  ctx.notify('z', cmd.op === 'union' ? 'zunionstore' : cmd.op === 'inter' ? 'zinterstore' : 'zdiffstore', dst);
  ctx.db.signalReady(dst);
  return result.size;
}

/** Sources sorted smallest first (stable), as the intersection walks the smallest one. */
function bySize(sources: Source[]): Source[] {
  return sources
    .map((s, i) => ({ s, i }))
    .sort((a, b) => sourceSize(a.s) - sourceSize(b.s) || a.i - b.i)
    .map((x) => x.s);
}

function computeSetOp(op: SetOp, sources: Source[], how: Aggregate): SortedSet {
  const result = new Map<string, number>();
  if (op === 'union') {
    for (const s of sources) {
      for (const [member, score] of sourceItems(s)) {
        const value = weighted(s.weight, score);
        const prev = result.get(member);
        result.set(member, prev === undefined ? value : aggregate(how, prev, value));
      }
    }
  } else if (op === 'inter') {
    const sorted = bySize(sources);
    if (sourceSize(sorted[0]!) !== 0) {
      for (const [member, score] of sourceItems(sorted[0]!)) {
        let value = weighted(sorted[0]!.weight, score);
        let everywhere = true;
        for (let i = 1; i < sorted.length; i++) {
          const other = sourceScore(sorted[i]!, member);
          if (other === undefined) {
            everywhere = false;
            break;
          }
          value = aggregate(how, value, weighted(sorted[i]!.weight, other));
        }
        if (everywhere) result.set(member, value);
      }
    }
  } else {
    const [first, ...rest] = sources;
    for (const [member, score] of sourceItems(first!)) {
      if (!rest.some((s) => sourceScore(s, member) !== undefined)) result.set(member, score);
    }
  }
  return SortedSet.fromMap(result);
}

function intersectionCardinality(sources: Source[], limit: number): number {
  const sorted = bySize(sources);
  if (sourceSize(sorted[0]!) === 0) return 0;
  let count = 0;
  for (const [member] of sourceItems(sorted[0]!)) {
    if (sorted.every((s, i) => i === 0 || sourceScore(s, member) !== undefined)) {
      count++;
      if (limit !== 0 && count >= limit) break;
    }
  }
  return count;
}

// ---------------------------------------------------------------- ZRANDMEMBER

const LONG_MAX = 2n ** 63n - 1n;

function zrandmember(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = keyOf(argv[1]!);
  if (argv.length === 2) {
    const z = ctx.db.getRead(key, 'zset');
    if (z === undefined) return null;
    return memberReply((z.at(Math.floor(Math.random() * z.size)) as ZEntry).member);
  }
  const text = argv[2]!.toString('latin1');
  if (tryParseInteger(text) === undefined) throw Errors.notInteger();
  const big = BigInt(text);
  if (big < -LONG_MAX || big > LONG_MAX) throw ZErrors.randCountRange();
  if (argv.length > 4 || (argv.length === 4 && upper(argv[3]!) !== 'WITHSCORES')) throw Errors.syntax();
  const withScores = argv.length === 4;
  if (withScores && (big < -(LONG_MAX / 2n) || big > LONG_MAX / 2n)) throw ZErrors.outOfRange();
  const z = ctx.db.getRead(key, 'zset');
  if (z === undefined || big === 0n) return [];
  const size = z.size;
  const picked: Scored[] = [];
  if (big < 0n) {
    // Repetitions allowed: |count| independent picks.
    const count = Number(-big);
    checkRandomReplySize(withScores ? count * 2 : count);
    for (let i = 0; i < count; i++) picked.push(z.at(Math.floor(Math.random() * size)) as ZEntry);
  } else if (big >= BigInt(size)) {
    // The whole set; Redis walks it from the highest score down.
    picked.push(...z.slice(size - 1, size, true));
  } else {
    const count = Number(big);
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(Math.floor(Math.random() * size));
    for (const rank of chosen) picked.push(z.at(rank) as ZEntry);
  }
  return scoredReply(ctx, picked, withScores);
}

// ---------------------------------------------------------------- ZSCAN

/**
 * How a listpack stores a score, which is what ZSCAN prints for small sets: integral values up
 * to 2^62 as integers (so -0 prints as 0), anything else as "%.17g".
 */
function listpackScoreText(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) <= 2 ** 62) return BigInt(score).toString();
  return formatDouble(score);
}

/** SCAN cursors are unsigned 64-bit (strtoul): no leading space, "-1" wraps, overflow is invalid. */
function parseCursor(buf: Buffer): bigint {
  // strtoul sees the C string: up to the first NUL byte.
  const nul = buf.indexOf(0);
  const text = buf.toString('latin1', 0, nul === -1 ? buf.length : nul);
  const m = /^([+-]?)(\d*)$/.exec(text);
  if (m === null || (m[2] === '' && text !== '')) throw KeyErrors.invalidCursor();
  const digits = m[2] === '' ? 0n : BigInt(m[2]!);
  if (digits > 2n ** 64n - 1n) throw KeyErrors.invalidCursor();
  return m[1] === '-' && digits !== 0n ? 2n ** 64n - digits : digits;
}

/**
 * ZSCAN. A listpack-encoded (small) set is returned whole with cursor 0, exactly as Redis does.
 * For a skip-list set the cursor is an offset in score order: every element present for the
 * whole scan is returned once as long as no elements before it are removed meanwhile (removals
 * may make a scan miss elements, insertions may make it repeat some).
 */
function zscan(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const cursor = parseCursor(argv[2]!);
  const z = ctx.db.getRead(keyOf(argv[1]!), 'zset');
  if (z === undefined) return ['0', []];
  let count = 10;
  let pattern: string | undefined;
  for (let i = 3; i < argv.length; ) {
    const opt = upper(argv[i]!);
    const left = argv.length - i;
    if (opt === 'COUNT' && left >= 2) {
      count = parseInteger(argv[i + 1]!);
      if (count < 1) throw Errors.syntax();
      i += 2;
    } else if (opt === 'MATCH' && left >= 2) {
      const p = argv[i + 1]!.toString('latin1');
      pattern = p === '*' ? undefined : p;
      i += 2;
    } else {
      throw Errors.syntax();
    }
  }
  const items: Reply[] = [];
  const emit = (n: ZEntry, text: string) => {
    if (pattern === undefined || globMatch(pattern, n.member)) items.push(memberReply(n.member), text);
  };
  if (z.encoding === 'listpack') {
    for (const n of z) emit(n, listpackScoreText(n.score));
    return ['0', items];
  }
  if (cursor >= BigInt(z.size)) return ['0', items];
  const start = Number(cursor);
  const page = z.slice(start, count);
  for (const n of page) emit(n, formatDouble(n.score));
  const next = start + page.length >= z.size ? 0 : start + page.length;
  return [String(next), items];
}

// ---------------------------------------------------------------- command table

const READ_FAST = ['@read', '@sortedset', '@fast'] as const;
const READ_SLOW = ['@read', '@sortedset', '@slow'] as const;
const WRITE_FAST = ['@write', '@sortedset', '@fast'] as const;
const WRITE_SLOW = ['@write', '@sortedset', '@slow'] as const;

export const specs: CommandSpec[] = [
  { name: 'zadd', arity: -4, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: zadd },
  { name: 'zincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: zincrby },
  { name: 'zrem', arity: -3, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE_FAST, handler: zrem },
  { name: 'zcard', arity: 2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: READ_FAST, handler: zcard },
  { name: 'zcount', arity: 4, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: READ_FAST, handler: zcount },
  { name: 'zlexcount', arity: 4, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: READ_FAST, handler: zlexcount },
  { name: 'zscore', arity: 3, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: READ_FAST, handler: zscore },
  { name: 'zmscore', arity: -3, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1, categories: READ_FAST, handler: zmscore },
  {
    name: 'zrank',
    arity: 3,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => rankGeneric(ctx, argv, false),
  },
  {
    name: 'zrevrank',
    arity: 3,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_FAST,
    handler: (ctx, argv) => rankGeneric(ctx, argv, true),
  },
  {
    name: 'zrange',
    arity: -4,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => rangeGeneric(ctx, argv, 1, { store: false }),
  },
  {
    name: 'zrangestore',
    arity: -5,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => rangeGeneric(ctx, argv, 2, { store: true }),
  },
  {
    name: 'zrevrange',
    arity: -4,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => rangeGeneric(ctx, argv, 1, { store: false, kind: 'rank', reverse: true }),
  },
  {
    name: 'zrangebyscore',
    arity: -4,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => rangeGeneric(ctx, argv, 1, { store: false, kind: 'score', reverse: false }),
  },
  {
    name: 'zrevrangebyscore',
    arity: -4,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => rangeGeneric(ctx, argv, 1, { store: false, kind: 'score', reverse: true }),
  },
  {
    name: 'zrangebylex',
    arity: -4,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => rangeGeneric(ctx, argv, 1, { store: false, kind: 'lex', reverse: false }),
  },
  {
    name: 'zrevrangebylex',
    arity: -4,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ_SLOW,
    handler: (ctx, argv) => rangeGeneric(ctx, argv, 1, { store: false, kind: 'lex', reverse: true }),
  },
  {
    name: 'zremrangebyscore',
    arity: 4,
    flags: ['write'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => zremrangeGeneric(ctx, argv, 'score'),
  },
  {
    name: 'zremrangebyrank',
    arity: 4,
    flags: ['write'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => zremrangeGeneric(ctx, argv, 'rank'),
  },
  {
    name: 'zremrangebylex',
    arity: 4,
    flags: ['write'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => zremrangeGeneric(ctx, argv, 'lex'),
  },
  {
    name: 'zpopmin',
    arity: -2,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => zpopGeneric(ctx, argv, false),
  },
  {
    name: 'zpopmax',
    arity: -2,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_FAST,
    handler: (ctx, argv) => zpopGeneric(ctx, argv, true),
  },
  {
    name: 'bzpopmin',
    arity: -3,
    flags: ['write', 'noscript', 'blocking', 'fast'],
    firstKey: 1,
    lastKey: -2,
    step: 1,
    categories: [...WRITE_FAST, '@blocking'],
    handler: (ctx, argv) => bzpopGeneric(ctx, argv, false),
  },
  {
    name: 'bzpopmax',
    arity: -3,
    flags: ['write', 'noscript', 'blocking', 'fast'],
    firstKey: 1,
    lastKey: -2,
    step: 1,
    categories: [...WRITE_FAST, '@blocking'],
    handler: (ctx, argv) => bzpopGeneric(ctx, argv, true),
  },
  { name: 'zmpop', arity: -4, flags: ['write', 'movablekeys'], firstKey: 0, lastKey: 0, step: 0, categories: WRITE_SLOW, handler: zmpop },
  {
    name: 'bzmpop',
    arity: -5,
    flags: ['write', 'blocking', 'movablekeys'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: [...WRITE_SLOW, '@blocking'],
    handler: bzmpop,
  },
  {
    name: 'zunionstore',
    arity: -4,
    flags: ['write', 'denyoom', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => setOpGeneric(ctx, argv, { op: 'union', store: true }),
  },
  {
    name: 'zinterstore',
    arity: -4,
    flags: ['write', 'denyoom', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => setOpGeneric(ctx, argv, { op: 'inter', store: true }),
  },
  {
    name: 'zdiffstore',
    arity: -4,
    flags: ['write', 'denyoom', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE_SLOW,
    handler: (ctx, argv) => setOpGeneric(ctx, argv, { op: 'diff', store: true }),
  },
  {
    name: 'zunion',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: READ_SLOW,
    handler: (ctx, argv) => setOpGeneric(ctx, argv, { op: 'union', store: false }),
  },
  {
    name: 'zinter',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: READ_SLOW,
    handler: (ctx, argv) => setOpGeneric(ctx, argv, { op: 'inter', store: false }),
  },
  {
    name: 'zdiff',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: READ_SLOW,
    handler: (ctx, argv) => setOpGeneric(ctx, argv, { op: 'diff', store: false }),
  },
  {
    name: 'zintercard',
    arity: -3,
    flags: ['readonly', 'movablekeys'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    categories: READ_SLOW,
    handler: (ctx, argv) => setOpGeneric(ctx, argv, { op: 'inter', store: false, cardinality: true }),
  },
  { name: 'zrandmember', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: zrandmember },
  { name: 'zscan', arity: -3, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ_SLOW, handler: zscan },
];

/**
 * OBJECT ENCODING of a sorted set: `listpack` or `skiplist`, as Redis would report. The set tracks
 * its encoding itself, since the conversion happens at insert time with the limits of that moment.
 */
export function encodingOf(value: SortedSet, _config: Config): string {
  return value.encoding;
}
