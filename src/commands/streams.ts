// Stream commands: XADD, XRANGE, XREAD, consumer groups (XGROUP, XREADGROUP, XACK, XPENDING,
// XCLAIM, XAUTOCLAIM), XINFO, XSETID. Replies and error texts follow Redis 7.0.
import type { CommandContext, CommandSpec } from './types.js';
import { Errors, StreamErrors } from '../protocol/errors.js';
import { parseInteger, tryParseBigInt } from '../protocol/numbers.js';
import { MapReply, NULL_ARRAY, OK, RawReply, Status, type HandlerResult, type Reply } from '../protocol/reply.js';
import {
  ENTRIES_READ_INVALID,
  Stream,
  StreamId,
  type Consumer,
  type ConsumerGroup,
  type StreamLimits,
} from '../types/stream.js';

// --- helpers ------------------------------------------------------------------------------------

const latin1 = (b: Buffer): string => b.toString('latin1');
const lower = (b: Buffer): string => b.toString('latin1').toLowerCase();

/** Node size limits per server, re-read after CONFIG SET (XADD is hot; config lookups are not free). */
const limitsByServer = new WeakMap<object, StreamLimits>();
const watchedServers = new WeakSet<object>();

function limitsOf(ctx: CommandContext): StreamLimits {
  const server = ctx.server;
  let limits = limitsByServer.get(server);
  if (limits === undefined) {
    const config = server.config;
    limits = {
      maxEntries: config.number('stream-node-max-entries'),
      maxBytes: config.number('stream-node-max-bytes'),
    };
    limitsByServer.set(server, limits);
    if (!watchedServers.has(server)) {
      watchedServers.add(server);
      config.onChange((name) => {
        if (name.startsWith('stream-node-max-')) limitsByServer.delete(server);
      });
    }
  }
  return limits;
}

function readStream(ctx: CommandContext, key: string): Stream | undefined {
  return ctx.db.getRead(key, 'stream');
}

function writeStream(ctx: CommandContext, key: string): Stream | undefined {
  return ctx.db.getWrite(key, 'stream');
}

/** A strict ID argument (no `-`/`+`), missing sequence = 0. */
function parseId(arg: Buffer, missingSeq: 0 | 'max' = 0): StreamId {
  const id = StreamId.parse(latin1(arg), missingSeq);
  if (id === undefined) throw StreamErrors.invalidId();
  return id;
}

/** An ID that may also be `-` (0-0) or `+` (max). */
function parseIdOrSpecial(arg: Buffer, missingSeq: 0 | 'max'): StreamId {
  if (arg.length === 1) {
    if (arg[0] === 0x2d) return StreamId.MIN;
    if (arg[0] === 0x2b) return StreamId.MAX;
  }
  return parseId(arg, missingSeq);
}

/** A range bound: `-`, `+`, an ID, or `(ID` (exclusive). */
function parseRangeStart(arg: Buffer): StreamId {
  if (arg[0] === 0x28 /* ( */) {
    const id = parseId(arg.subarray(1), 0);
    const next = id.next();
    if (next === undefined) throw StreamErrors.invalidStart();
    return next;
  }
  return parseIdOrSpecial(arg, 0);
}

function parseRangeEnd(arg: Buffer): StreamId {
  if (arg[0] === 0x28 /* ( */) {
    const id = parseId(arg.subarray(1), 'max');
    const prev = id.prev();
    if (prev === undefined) throw StreamErrors.invalidEnd();
    return prev;
  }
  return parseIdOrSpecial(arg, 'max');
}

function entryReply(id: StreamId, fields: Buffer): Reply {
  return [id.toString(), new RawReply(fields)];
}

function rangeReply(stream: Stream, start: StreamId, end: StreamId, count: number, reverse: boolean): Reply[] {
  const out: Reply[] = [];
  stream.range(start, end, count, reverse, (id, fields) => {
    out.push(entryReply(id, fields));
  });
  return out;
}

function nullableInt(v: bigint | undefined): Reply {
  if (v === undefined || v === ENTRIES_READ_INVALID) return null;
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function bigReply(v: bigint): Reply {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Keyed reply: a map in RESP3, an array of [key, value] pairs in RESP2 (XREAD's shape). */
function keyedReply(ctx: CommandContext, pairs: Reply[]): Reply {
  if (ctx.client.proto === 3) return new MapReply(pairs);
  const out: Reply[] = [];
  for (let i = 0; i < pairs.length; i += 2) out.push([pairs[i]!, pairs[i + 1]!]);
  return out;
}

// --- XADD / XTRIM -------------------------------------------------------------------------------

interface TrimArgs {
  strategy: 'none' | 'maxlen' | 'minid';
  maxLen: number;
  minId: StreamId;
  approx: boolean;
  limit: number;
  noMkStream: boolean;
  /** XADD: the ID (undefined for `*`) and whether its sequence is `*`. */
  id: StreamId | undefined;
  autoSeq: boolean;
  /** XADD: index of the ID argument. */
  idIndex: number;
  /** Index of the `~` of an approximate trim (rewritten to `=` and the exact threshold in effects). */
  approxAt: number;
}

function parseTrimArgs(ctx: CommandContext, argv: Buffer[], xadd: boolean): TrimArgs {
  const args: TrimArgs = {
    strategy: 'none',
    maxLen: 0,
    minId: StreamId.MIN,
    approx: false,
    limit: 0,
    noMkStream: false,
    id: undefined,
    autoSeq: false,
    idIndex: argv.length,
    approxAt: -1,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const arg = argv[i]!;
    if (xadd && arg.length === 1 && arg[0] === 0x2a /* * */) break;
    const opt = lower(arg);
    if ((opt === 'maxlen' || opt === 'minid') && more > 0) {
      if (args.strategy !== 'none') throw StreamErrors.maxlenAndMinid();
      args.approx = false;
      const next = argv[i + 1]!;
      if (more >= 2 && next.length === 1 && (next[0] === 0x7e /* ~ */ || next[0] === 0x3d) /* = */) {
        args.approx = next[0] === 0x7e;
        i++;
        args.approxAt = args.approx ? i : -1;
      }
      if (opt === 'maxlen') {
        const n = tryParseBigInt(argv[i + 1]!);
        if (n === undefined) throw Errors.notInteger();
        if (n < 0n) throw StreamErrors.maxlenNegative();
        args.maxLen = Number(n);
        args.strategy = 'maxlen';
      } else {
        args.minId = parseId(argv[i + 1]!);
        args.strategy = 'minid';
      }
      i++;
    } else if (opt === 'limit' && more > 0) {
      const n = tryParseBigInt(argv[i + 1]!);
      if (n === undefined) throw Errors.notInteger();
      if (n < 0n) throw StreamErrors.limitNegative();
      args.limit = Number(n);
      limitGiven = true;
      i++;
    } else if (xadd && opt === 'nomkstream') {
      args.noMkStream = true;
    } else if (xadd) {
      const parsed = StreamId.parseWithAutoSeq(latin1(arg), 0, true);
      if (parsed === undefined) throw StreamErrors.invalidId();
      args.id = parsed.id;
      args.autoSeq = parsed.autoSeq;
      break;
    } else {
      throw Errors.syntax();
    }
  }
  args.idIndex = i;
  if (args.limit !== 0 && args.strategy === 'none') throw StreamErrors.limitWithoutStrategy();
  if (!xadd && args.strategy === 'none') throw StreamErrors.xtrimWithoutStrategy();
  if (ctx.client.kind === 'loader') {
    // Replaying an AOF: an approximate trim was recorded as exact (`=` and the resulting
    // threshold, LIMIT kept), as Redis writes it; the recorded threshold is obeyed as is.
    args.limit = 0;
  } else if (limitGiven) {
    if (!args.approx) throw StreamErrors.limitWithoutApprox();
  } else if (args.approx) {
    // Approximate trimming is bounded by default so one call cannot stall the server.
    let limit = 100 * limitsOf(ctx).maxEntries;
    if (limit <= 0 || limit > 1_000_000) limit = limit <= 0 ? 10_000 : 1_000_000;
    args.limit = limit;
  }
  return args;
}

const EXACT = Buffer.from('=');

/**
 * The effect of XADD/XTRIM: the generated ID instead of `*` (or `ms-*`), and an approximate trim
 * as the exact one it turned out to be (MAXLEN = length after, MINID = first ID after).
 */
function propagateAddOrTrim(ctx: CommandContext, argv: Buffer[], args: TrimArgs, stream: Stream, id: StreamId | undefined): void {
  const rewriteId = id !== undefined && (args.id === undefined || args.autoSeq);
  if (!rewriteId && !args.approx) return;
  const out = argv.slice();
  if (rewriteId) out[args.idIndex] = Buffer.from(id.toString(), 'latin1');
  if (args.approx) {
    out[args.approxAt] = EXACT;
    out[args.approxAt + 1] = Buffer.from(args.strategy === 'maxlen' ? String(stream.length) : stream.firstId.toString(), 'latin1');
  }
  ctx.propagateAs(out);
}

function applyTrim(stream: Stream, args: TrimArgs): number {
  if (args.strategy === 'none') return 0;
  return stream.trim(args.strategy === 'maxlen' ? { maxLen: args.maxLen } : { minId: args.minId }, args.approx, args.limit);
}

function xadd(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[1]!);
  const args = parseTrimArgs(ctx, argv, true);
  const fieldStart = args.idIndex + 1;
  const nFields = argv.length - fieldStart;
  if (nFields < 2 || nFields % 2 === 1) throw Errors.wrongArity('xadd');
  if (args.id !== undefined && !args.autoSeq && args.id.isZero()) throw StreamErrors.xaddZero();
  let stream = writeStream(ctx, key);
  const created = stream === undefined;
  if (stream === undefined) {
    if (args.noMkStream) return null;
    stream = new Stream();
  }
  stream.limits = limitsOf(ctx);
  const next = stream.nextId(Date.now(), args.id, args.autoSeq);
  if ('error' in next) {
    if (next.error === 'exhausted') throw StreamErrors.exhausted();
    if (next.error === 'seq-overflow') throw StreamErrors.tooLarge();
    throw StreamErrors.xaddTooSmall();
  }
  stream.append(next.id, argv.slice(fieldStart));
  if (created) ctx.db.set(key, 'stream', stream, true);
  else ctx.db.modified(key);
  ctx.notify('t', 'xadd', key);
  if (applyTrim(stream, args) > 0) ctx.notify('t', 'xtrim', key);
  ctx.db.signalReady(key);
  if (ctx.propagating) propagateAddOrTrim(ctx, argv, args, stream, next.id);
  return next.id.toString();
}

function xtrim(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[1]!);
  const args = parseTrimArgs(ctx, argv, false);
  const stream = writeStream(ctx, key);
  if (stream === undefined) return 0;
  const removed = applyTrim(stream, args);
  if (removed > 0) {
    ctx.db.modified(key);
    ctx.notify('t', 'xtrim', key);
    if (ctx.propagating) propagateAddOrTrim(ctx, argv, args, stream, undefined);
  }
  return removed;
}

// --- XLEN / XRANGE / XREVRANGE / XDEL -----------------------------------------------------------

function xlen(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  return readStream(ctx, latin1(argv[1]!))?.length ?? 0;
}

function rangeCommand(reverse: boolean) {
  return (ctx: CommandContext, argv: Buffer[]): HandlerResult => {
    const key = latin1(argv[1]!);
    const start = reverse ? parseRangeStart(argv[3]!) : parseRangeStart(argv[2]!);
    const end = reverse ? parseRangeEnd(argv[2]!) : parseRangeEnd(argv[3]!);
    let count = -1;
    for (let i = 4; i < argv.length; i++) {
      if (lower(argv[i]!) === 'count' && i + 1 < argv.length) {
        count = parseInteger(argv[++i]!);
        if (count < 0) count = 0;
      } else {
        throw Errors.syntax();
      }
    }
    const stream = readStream(ctx, key);
    if (stream === undefined) return [];
    if (count === 0) return NULL_ARRAY;
    return rangeReply(stream, start, end, count < 0 ? 0 : count, reverse);
  };
}

function xdel(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[1]!);
  const stream = writeStream(ctx, key);
  if (stream === undefined) return 0;
  const ids = argv.slice(2).map((a) => parseId(a));
  let deleted = 0;
  for (const id of ids) if (stream.delete(id)) deleted++;
  if (deleted > 0) {
    ctx.db.modified(key);
    ctx.notify('t', 'xdel', key);
  }
  return deleted;
}

// --- XREAD / XREADGROUP -------------------------------------------------------------------------

/** Marker for XREADGROUP's `>`: resolved to the group's last delivered ID when serving. */
const NEW_ENTRIES = Symbol('>');

interface ReadTarget {
  key: string;
  keyArg: Buffer;
  from: StreamId | typeof NEW_ENTRIES;
}

interface GroupRead {
  groupName: Buffer;
  consumerName: Buffer;
  noAck: boolean;
}

// Effects of the consumer-group commands, as Redis writes them: each delivery or claim becomes
// `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID last`, a NOACK read
// `XGROUP SETID key group last ENTRIESREAD n` (after CREATECONSUMER for a new consumer).
// One addition to Redis 7.0's: a read that delivers also ends with that XGROUP SETID, because
// XCLAIM ... LASTID moves the group's last ID but not its entries-read, and without it a restart
// from the log (in Tidings or in redis-server) shows the group's entries-read and lag as nil.
const b = (s: string) => Buffer.from(s, 'latin1');
const XCLAIM = b('XCLAIM');
const XGROUP = b('XGROUP');
const ZERO = b('0');

function claimEffect(keyArg: Buffer, group: ConsumerGroup, consumer: Buffer, id: StreamId, deliveryTime: number, deliveryCount: number): Buffer[] {
  return [
    XCLAIM,
    keyArg,
    group.name,
    consumer,
    ZERO,
    b(id.toString()),
    b('TIME'),
    b(String(deliveryTime)),
    b('RETRYCOUNT'),
    b(String(deliveryCount)),
    b('FORCE'),
    b('JUSTID'),
    b('LASTID'),
    b(group.lastId.toString()),
  ];
}

function setIdEffect(keyArg: Buffer, group: ConsumerGroup): Buffer[] {
  return [XGROUP, b('SETID'), keyArg, group.name, b(group.lastId.toString()), b('ENTRIESREAD'), b(group.entriesRead.toString())];
}

function consumerFor(ctx: CommandContext, key: string, group: ConsumerGroup, name: Buffer, now: number): Consumer {
  const { consumer, created } = group.ensureConsumer(latin1(name), now);
  if (created) ctx.notify('t', 'xgroup-createconsumer', key);
  return consumer;
}

/** Deliver new entries (after `from`) to a group's consumer, recording them as pending. */
function deliverNew(
  ctx: CommandContext,
  key: string,
  stream: Stream,
  group: ConsumerGroup,
  read: GroupRead,
  count: number,
  now: number,
  keyArg: Buffer,
  effects: Buffer[][] | undefined,
): Reply[] {
  const { consumer, created } = group.ensureConsumer(latin1(read.consumerName), now);
  if (created) ctx.notify('t', 'xgroup-createconsumer', key);
  consumer.seenTime = now;
  const start = group.lastId.next();
  const out: Reply[] = [];
  if (start === undefined) return out;
  stream.range(start, StreamId.MAX, count, false, (id, fields) => {
    stream.advanceGroup(group, id);
    if (!read.noAck) {
      const pending = group.deliver(id, consumer, now);
      effects?.push(claimEffect(keyArg, group, read.consumerName, id, pending.deliveryTime, pending.deliveryCount));
    }
    out.push(entryReply(id, fields));
  });
  if (out.length > 0) {
    consumer.activeTime = now;
    ctx.db.modified(key);
    if (effects !== undefined) {
      if (read.noAck && created) effects.push([XGROUP, b('CREATECONSUMER'), keyArg, group.name, read.consumerName]);
      effects.push(setIdEffect(keyArg, group));
    }
  }
  return out;
}

/** Re-deliver a consumer's own pending entries with ID > `after` (XREADGROUP with an ID). */
function deliverHistory(
  ctx: CommandContext,
  key: string,
  stream: Stream,
  group: ConsumerGroup,
  read: GroupRead,
  after: StreamId,
  count: number,
  now: number,
): Reply[] {
  const consumer = consumerFor(ctx, key, group, read.consumerName, now);
  consumer.seenTime = now;
  const out: Reply[] = [];
  const start = after.next();
  if (start === undefined) return out;
  consumer.pending.forEachFrom(start, (pending) => {
    const entry = stream.get(pending.id);
    if (entry === undefined) {
      // Deleted since delivery: reported with a null body, and not counted as a new delivery.
      out.push([pending.id.toString(), NULL_ARRAY]);
    } else {
      out.push(entryReply(entry.id, entry.fields));
      pending.deliveryTime = now;
      pending.deliveryCount++;
    }
    return count === 0 || out.length < count;
  });
  return out;
}

function xreadCommand(group: boolean) {
  return (ctx: CommandContext, argv: Buffer[]): HandlerResult => {
    let timeoutMs = -1;
    let count = 0;
    let streamsAt = 0;
    let groupRead: GroupRead | undefined;
    let noAck = false;
    for (let i = 1; i < argv.length; i++) {
      const more = argv.length - 1 - i;
      const opt = lower(argv[i]!);
      if (opt === 'block' && more > 0) {
        if (ctx.fromScript) {
          // As Redis: the command name as the script spelled it.
          throw Errors.custom(`ERR ${latin1(argv[0]!)} command is not allowed with BLOCK option from scripts`);
        }
        const t = tryParseBigInt(argv[++i]!);
        if (t === undefined) throw StreamErrors.timeoutNotInteger();
        if (t < 0n) throw Errors.timeoutNegative();
        timeoutMs = Number(t);
      } else if (opt === 'count' && more > 0) {
        count = parseInteger(argv[++i]!);
        if (count < 0) count = 0;
      } else if (opt === 'streams' && more > 0) {
        streamsAt = i + 1;
        if ((argv.length - streamsAt) % 2 !== 0) throw StreamErrors.unbalanced();
        break;
      } else if (opt === 'group' && more >= 2) {
        if (!group) throw StreamErrors.groupOnlyXreadgroup();
        groupRead = { groupName: argv[i + 1]!, consumerName: argv[i + 2]!, noAck: false };
        i += 2;
      } else if (opt === 'noack') {
        if (!group) throw StreamErrors.noackOnlyXreadgroup();
        noAck = true;
      } else {
        throw Errors.syntax();
      }
    }
    if (streamsAt === 0) throw Errors.syntax();
    if (group && groupRead === undefined) throw StreamErrors.missingGroup();
    if (groupRead !== undefined) groupRead.noAck = noAck;

    const n = (argv.length - streamsAt) / 2;
    const targets: ReadTarget[] = [];
    const groups: (ConsumerGroup | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      const keyArg = argv[streamsAt + i]!;
      const idArg = argv[streamsAt + n + i]!;
      const key = latin1(keyArg);
      const stream = readStream(ctx, key);
      let g: ConsumerGroup | undefined;
      if (groupRead !== undefined) {
        g = stream?.groups.get(latin1(groupRead.groupName));
        if (g === undefined) throw StreamErrors.noGroupXreadgroup(key, latin1(groupRead.groupName));
      }
      groups.push(g);
      const target: ReadTarget = { key, keyArg: Buffer.from(keyArg), from: StreamId.MIN };
      if (idArg.length === 1 && idArg[0] === 0x24 /* $ */) {
        if (groupRead !== undefined) throw StreamErrors.dollarInXreadgroup();
        target.from = stream?.lastId ?? StreamId.MIN;
      } else if (idArg.length === 1 && idArg[0] === 0x3e /* > */) {
        if (groupRead === undefined) throw StreamErrors.gtOnlyXreadgroup();
        target.from = NEW_ENTRIES;
      } else {
        target.from = parseId(idArg);
      }
      targets.push(target);
    }

    const now = Date.now();
    const pairs: Reply[] = [];
    const effects = groupRead !== undefined && ctx.propagating ? ([] as Buffer[][]) : undefined;
    for (let i = 0; i < n; i++) {
      const target = targets[i]!;
      const stream = readStream(ctx, target.key);
      if (stream === undefined) continue;
      const g = groups[i];
      if (g !== undefined && groupRead !== undefined) {
        if (target.from === NEW_ENTRIES) {
          // Compared with the last entry still there, not the stream's last ID: when the newest
          // entries were deleted there is nothing to serve, and the client blocks (as Redis).
          const lastEntry = stream.lastEntry();
          if (lastEntry === undefined || lastEntry.id.compare(g.lastId) <= 0) continue;
          pairs.push(target.keyArg, deliverNew(ctx, target.key, stream, g, groupRead, count, now, argv[streamsAt + i]!, effects));
        } else {
          pairs.push(target.keyArg, deliverHistory(ctx, target.key, stream, g, groupRead, target.from, count, now));
        }
        continue;
      }
      const from = target.from as StreamId;
      if (stream.length === 0) continue;
      const last = stream.lastEntry()!.id;
      if (last.compare(from) <= 0) continue;
      pairs.push(target.keyArg, rangeReply(stream, from.next()!, StreamId.MAX, count, false));
    }
    // XREADGROUP itself is never replayed: its deliveries are (a history read or a new consumer
    // with nothing to read records nothing, as in Redis).
    if (effects !== undefined) ctx.propagateAs(...effects);
    if (pairs.length > 0) return keyedReply(ctx, pairs);
    if (timeoutMs === -1) return NULL_ARRAY;

    return ctx.block({
      keys: targets.map((t) => t.key),
      timeoutMs,
      timeoutReply: NULL_ARRAY,
      retry: (rctx) => retryRead(rctx, targets, groupRead, count),
    });
  };
}

/** A blocked XREAD/XREADGROUP woken by one of its keys: serve the first stream with new data. */
function retryRead(
  ctx: CommandContext,
  targets: ReadTarget[],
  groupRead: GroupRead | undefined,
  count: number,
): Reply | undefined {
  const now = Date.now();
  for (const target of targets) {
    // A group read changes the stream (PEL, last ID): look it up for writing (copy-on-write).
    const entry = groupRead !== undefined ? ctx.db.lookupWrite(target.key) : ctx.db.peek(target.key);
    if (groupRead !== undefined) {
      if (entry === undefined || entry.type !== 'stream') return StreamErrors.unblockedKeyDeleted();
      const stream = entry.value;
      const g = stream.groups.get(latin1(groupRead.groupName));
      if (g === undefined) return StreamErrors.unblockedGroupDestroyed();
      if (stream.lastId.compare(g.lastId) <= 0) continue;
      const effects = ctx.propagating ? ([] as Buffer[][]) : undefined;
      const entries = deliverNew(ctx, target.key, stream, g, groupRead, count, now, target.keyArg, effects);
      if (effects !== undefined) ctx.propagateAs(...effects);
      return keyedReply(ctx, [target.keyArg, entries]);
    }
    if (entry === undefined || entry.type !== 'stream') continue;
    const stream = entry.value;
    const from = target.from as StreamId;
    if (stream.lastId.compare(from) <= 0) continue;
    const start = from.next();
    if (start === undefined) continue;
    return keyedReply(ctx, [target.keyArg, rangeReply(stream, start, StreamId.MAX, count, false)]);
  }
  return undefined;
}

// --- XSETID -------------------------------------------------------------------------------------

function xsetid(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[1]!);
  const id = parseId(argv[2]!);
  let entriesAdded = -1n;
  let maxDeleted = StreamId.MIN;
  for (let i = 3; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = lower(argv[i]!);
    if (opt === 'entriesadded' && more > 0) {
      const n = tryParseBigInt(argv[++i]!);
      if (n === undefined) throw Errors.notInteger();
      if (n < 0n) throw StreamErrors.entriesAddedNegative();
      entriesAdded = n;
    } else if (opt === 'maxdeletedid' && more > 0) {
      maxDeleted = parseId(argv[++i]!);
      if (id.compare(maxDeleted) < 0) throw StreamErrors.xsetidMaxDeleted();
    } else {
      throw Errors.syntax();
    }
  }
  const stream = writeStream(ctx, key);
  if (stream === undefined) throw Errors.noSuchKey();
  if (stream.length > 0) {
    if (id.compare(stream.lastEntry()!.id) < 0) throw StreamErrors.xsetidTooSmall();
    if (entriesAdded !== -1n && BigInt(stream.length) > entriesAdded) throw StreamErrors.xsetidEntriesAdded();
  }
  stream.lastId = id;
  if (entriesAdded !== -1n) stream.entriesAdded = entriesAdded;
  if (!maxDeleted.isZero()) stream.maxDeletedId = maxDeleted;
  ctx.db.modified(key);
  ctx.notify('t', 'xsetid', key);
  return OK;
}

// --- XGROUP -------------------------------------------------------------------------------------

function parseEntriesRead(arg: Buffer): bigint {
  const n = tryParseBigInt(arg);
  if (n === undefined) throw Errors.notInteger();
  if (n < -1n) throw StreamErrors.entriesReadRange();
  return n;
}

/** Parse CREATE/SETID trailing options. */
function groupOptions(argv: Buffer[], create: boolean): { mkStream: boolean; entriesRead: bigint } {
  const opts = { mkStream: false, entriesRead: ENTRIES_READ_INVALID };
  const bad = () => StreamErrors.unknownSubcommandOrArity(latin1(argv[1]!), 'XGROUP');
  for (let i = 5; i < argv.length; i++) {
    const opt = lower(argv[i]!);
    if (create && opt === 'mkstream') opts.mkStream = true;
    else if (opt === 'entriesread' && i + 1 < argv.length) opts.entriesRead = parseEntriesRead(argv[++i]!);
    else throw bad();
  }
  // As Redis: the options are parsed (and a bad ENTRIESREAD reported) before the count is checked.
  if (argv.length > (create ? 8 : 7)) throw bad();
  return opts;
}

/** The stream for an XGROUP subcommand, which requires the key to exist. */
function groupStream(ctx: CommandContext, key: string): Stream {
  const stream = writeStream(ctx, key);
  if (stream === undefined) throw StreamErrors.xgroupNeedsKey();
  return stream;
}

function requireGroup(stream: Stream, key: string, groupArg: Buffer): ConsumerGroup {
  const group = stream.groups.get(latin1(groupArg));
  if (group === undefined) throw StreamErrors.noGroupForKey(latin1(groupArg), key);
  return group;
}

function xgroupCreate(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[2]!);
  const opts = groupOptions(argv, true);
  let stream = writeStream(ctx, key);
  if (stream === undefined && !opts.mkStream) throw StreamErrors.xgroupNeedsKey();
  const idArg = argv[4]!;
  const isDollar = idArg.length === 1 && idArg[0] === 0x24;
  const id = isDollar ? (stream?.lastId ?? StreamId.MIN) : parseId(idArg);
  if (stream === undefined) {
    stream = new Stream(limitsOf(ctx));
    ctx.db.set(key, 'stream', stream, true);
  }
  if (stream.createGroup(argv[3]!, id, opts.entriesRead) === undefined) throw StreamErrors.busyGroup();
  ctx.db.modified(key);
  ctx.notify('t', 'xgroup-create', key);
  return OK;
}

function xgroupSetId(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[2]!);
  const opts = groupOptions(argv, false);
  const stream = groupStream(ctx, key);
  const group = requireGroup(stream, key, argv[3]!);
  const idArg = argv[4]!;
  // Unlike CREATE, SETID takes `-` (0-0) and `+` (the largest ID) too, as Redis 7.0 does.
  const id = idArg.length === 1 && idArg[0] === 0x24 ? stream.lastId : parseIdOrSpecial(idArg, 0);
  group.lastId = id;
  group.entriesRead = opts.entriesRead;
  ctx.db.modified(key);
  ctx.notify('t', 'xgroup-setid', key);
  return OK;
}

function xgroupDestroy(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[2]!);
  const stream = groupStream(ctx, key);
  if (!stream.groups.delete(latin1(argv[3]!))) return 0;
  ctx.db.modified(key);
  ctx.notify('t', 'xgroup-destroy', key);
  // Clients blocked in XREADGROUP on this group must be told it is gone.
  ctx.db.signalReady(key);
  return 1;
}

function xgroupCreateConsumer(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[2]!);
  const stream = groupStream(ctx, key);
  const group = requireGroup(stream, key, argv[3]!);
  const { created } = group.ensureConsumer(latin1(argv[4]!), Date.now());
  if (!created) return 0;
  ctx.db.modified(key);
  ctx.notify('t', 'xgroup-createconsumer', key);
  return 1;
}

function xgroupDelConsumer(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[2]!);
  const stream = groupStream(ctx, key);
  const group = requireGroup(stream, key, argv[3]!);
  const pending = group.deleteConsumer(latin1(argv[4]!));
  if (pending < 0) return 0;
  ctx.db.modified(key);
  ctx.notify('t', 'xgroup-delconsumer', key);
  return pending;
}

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

const helpReply = (lines: string[]): Reply => lines.map((l) => new Status(l));

// --- XACK / XPENDING ----------------------------------------------------------------------------

/** The stream and group for XPENDING/XCLAIM/XAUTOCLAIM, or NOGROUP. */
function claimTarget(stream: Stream | undefined, key: string, groupArg: Buffer): ConsumerGroup {
  const group = stream?.groups.get(latin1(groupArg));
  if (group === undefined) throw StreamErrors.noKeyOrGroup(key, latin1(groupArg));
  return group;
}

function xack(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[1]!);
  const stream = writeStream(ctx, key);
  const group = stream?.groups.get(latin1(argv[2]!));
  if (group === undefined) return 0;
  const ids = argv.slice(3).map((a) => parseId(a));
  let acked = 0;
  for (const id of ids) if (group.ack(id)) acked++;
  if (acked > 0) ctx.db.modified(key);
  return acked;
}

function xpending(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[1]!);
  let minIdle = 0;
  let start = StreamId.MIN;
  let end = StreamId.MAX;
  let count = -1;
  let consumerArg: Buffer | undefined;
  const summary = argv.length === 3;
  if (argv.length > 9) throw Errors.syntax();
  if (argv.length >= 6) {
    let at = 3;
    if (lower(argv[3]!) === 'idle') {
      minIdle = parseInteger(argv[4]!);
      if (argv.length < 8) throw Errors.syntax();
      at = 5;
    }
    count = parseInteger(argv[at + 2]!);
    if (count < 0) count = 0;
    start = parseRangeStart(argv[at]!);
    end = parseRangeEnd(argv[at + 1]!);
    if (argv.length > at + 3) consumerArg = argv[at + 3];
  } else if (!summary) {
    throw Errors.syntax();
  }
  const stream = readStream(ctx, key);
  const group = claimTarget(stream, key, argv[2]!);

  if (summary) {
    if (group.pending.size === 0) return [0, null, null, NULL_ARRAY];
    const perConsumer: Reply[] = [];
    for (const c of group.sortedConsumers()) {
      if (c.pending.size > 0) perConsumer.push([c.name, String(c.pending.size)]);
    }
    return [group.pending.size, group.pending.first()!.id.toString(), group.pending.last()!.id.toString(), perConsumer];
  }

  const out: Reply[] = [];
  if (count === 0) return out;
  let source = group.pending;
  if (consumerArg !== undefined) {
    const consumer = group.consumer(latin1(consumerArg));
    if (consumer === undefined) return out;
    source = consumer.pending;
  }
  const now = Date.now();
  source.forEachFrom(start, (p) => {
    if (p.id.compare(end) > 0) return false;
    const idle = now - p.deliveryTime;
    if (idle < minIdle) return true;
    out.push([p.id.toString(), p.consumer.name, idle, p.deliveryCount]);
    return out.length < count;
  });
  return out;
}

// --- XCLAIM / XAUTOCLAIM ------------------------------------------------------------------------

function xclaim(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[1]!);
  const stream = writeStream(ctx, key);
  const group = claimTarget(stream, key, argv[2]!);
  const s = stream!;
  const consumerName = argv[3]!;
  let minIdle = tryParseBigInt(argv[4]!);
  if (minIdle === undefined) throw StreamErrors.claimMinIdle('XCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  const minIdleMs = Number(minIdle);

  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = StreamId.parse(latin1(argv[j]!));
    if (id === undefined) break;
    ids.push(id);
  }
  const now = Date.now();
  let deliveryTime = -1;
  let retryCount = -1;
  let force = false;
  let justId = false;
  let lastId: StreamId | undefined;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = lower(argv[j]!);
    if (opt === 'force') force = true;
    else if (opt === 'justid') justId = true;
    else if (opt === 'idle' && more > 0) {
      const v = tryParseBigInt(argv[++j]!);
      if (v === undefined) throw StreamErrors.claimOption('IDLE');
      deliveryTime = now - Number(v);
    } else if (opt === 'time' && more > 0) {
      const v = tryParseBigInt(argv[++j]!);
      if (v === undefined) throw StreamErrors.claimOption('TIME');
      deliveryTime = Number(v);
    } else if (opt === 'retrycount' && more > 0) {
      const v = tryParseBigInt(argv[++j]!);
      if (v === undefined) throw StreamErrors.claimOption('RETRYCOUNT');
      retryCount = Number(v);
    } else if (opt === 'lastid' && more > 0) {
      lastId = parseId(argv[++j]!);
    } else {
      throw StreamErrors.claimUnknownOption(latin1(argv[j]!));
    }
  }
  if (deliveryTime === -1 || deliveryTime < 0 || deliveryTime > now) deliveryTime = now;

  let changed = false;
  if (lastId !== undefined && lastId.compare(group.lastId) > 0) {
    group.lastId = lastId;
    changed = true;
  }
  let consumer: Consumer | undefined = group.consumer(latin1(consumerName));
  const out: Reply[] = [];
  const effects = ctx.propagating ? ([] as Buffer[][]) : undefined;
  const lastIdChanged = changed;
  for (const id of ids) {
    let pending = group.pending.get(id);
    const entry = s.get(id);
    if (entry === undefined) {
      // The entry was deleted: it can never be processed, so it leaves the PEL (recorded as a
      // claim by its old owner, which a replay turns into the same removal).
      if (pending !== undefined) {
        effects?.push(claimEffect(argv[1]!, group, pending.consumer.name, id, pending.deliveryTime, pending.deliveryCount));
        group.ack(id);
        changed = true;
      }
      continue;
    }
    let forced = false;
    if (pending === undefined && force) {
      consumer ??= consumerFor(ctx, key, group, consumerName, now);
      pending = group.deliver(id, consumer, now);
      forced = true;
    }
    if (pending === undefined) continue;
    if (!forced && minIdleMs > 0 && now - pending.deliveryTime < minIdleMs) continue;
    consumer ??= consumerFor(ctx, key, group, consumerName, now);
    group.transfer(pending, consumer);
    pending.deliveryTime = deliveryTime;
    if (retryCount >= 0) pending.deliveryCount = retryCount;
    else if (!justId) pending.deliveryCount++;
    consumer.seenTime = now;
    consumer.activeTime = now;
    changed = true;
    effects?.push(claimEffect(argv[1]!, group, consumerName, id, pending.deliveryTime, pending.deliveryCount));
    out.push(justId ? id.toString() : entryReply(entry.id, entry.fields));
  }
  if (changed) ctx.db.modified(key);
  if (effects !== undefined) {
    if (effects.length === 0 && lastIdChanged) effects.push(setIdEffect(argv[1]!, group));
    ctx.propagateAs(...effects);
  }
  return out;
}

function xautoclaim(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[1]!);
  // As Redis: every argument is parsed before the key is looked up.
  let minIdle = tryParseBigInt(argv[4]!);
  if (minIdle === undefined) throw StreamErrors.claimMinIdle('XAUTOCLAIM');
  if (minIdle < 0n) minIdle = 0n;
  const minIdleMs = Number(minIdle);
  const start = parseRangeStart(argv[5]!);
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = lower(argv[j]!);
    if (opt === 'count' && more > 0) {
      const v = tryParseBigInt(argv[++j]!);
      if (v === undefined || v < 1n || v > 922337203685477580n) throw StreamErrors.countPositive();
      count = Number(v);
    } else if (opt === 'justid') {
      justId = true;
    } else {
      throw Errors.syntax();
    }
  }
  const stream = writeStream(ctx, key);
  const group = claimTarget(stream, key, argv[2]!);
  const s = stream!;
  const consumerName = argv[3]!;
  const now = Date.now();

  // Bounded work: at most count*10 PEL entries are examined per call.
  let attempts = count * 10;
  const claimed: Reply[] = [];
  const deleted: Reply[] = [];
  const examined: StreamId[] = [];
  let cursor = StreamId.MIN;
  let remaining = count;
  let reachedEnd = true;
  group.pending.forEachFrom(start, (p) => {
    if (attempts === 0 || remaining === 0) {
      cursor = p.id;
      reachedEnd = false;
      return false;
    }
    attempts--;
    examined.push(p.id);
    if (!s.has(p.id)) {
      // Reporting a deleted entry uses up the count like a claim does.
      remaining--;
      return true;
    }
    if (minIdleMs > 0 && now - p.deliveryTime < minIdleMs) return true;
    remaining--;
    return true;
  });
  if (reachedEnd) cursor = StreamId.MIN;

  let consumer: Consumer | undefined;
  let changed = false;
  const effects = ctx.propagating ? ([] as Buffer[][]) : undefined;
  remaining = count;
  for (const id of examined) {
    const entry = s.get(id);
    if (entry === undefined) {
      const gone = group.pending.get(id)!;
      effects?.push(claimEffect(argv[1]!, group, gone.consumer.name, id, gone.deliveryTime, gone.deliveryCount));
      group.ack(id);
      deleted.push(id.toString());
      changed = true;
      continue;
    }
    const p = group.pending.get(id)!;
    if (minIdleMs > 0 && now - p.deliveryTime < minIdleMs) continue;
    consumer ??= consumerFor(ctx, key, group, consumerName, now);
    group.transfer(p, consumer);
    p.deliveryTime = now;
    if (!justId) p.deliveryCount++;
    consumer.seenTime = now;
    consumer.activeTime = now;
    changed = true;
    effects?.push(claimEffect(argv[1]!, group, consumerName, id, p.deliveryTime, p.deliveryCount));
    claimed.push(justId ? id.toString() : entryReply(entry.id, entry.fields));
  }
  if (changed) ctx.db.modified(key);
  if (effects !== undefined) ctx.propagateAs(...effects);
  return [cursor.toString(), claimed, deleted];
}

// --- XINFO --------------------------------------------------------------------------------------

function infoStream(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[2]!);
  let full = false;
  let count = 10;
  const bad = () => StreamErrors.unknownSubcommandOrArity(latin1(argv[1]!), 'XINFO');
  // As Redis: the key is looked up before the options are parsed.
  const stream = readStream(ctx, key);
  if (stream === undefined) throw Errors.noSuchKey();
  if (argv.length > 3) {
    if (argv.length > 6 || lower(argv[3]!) !== 'full') throw bad();
    full = true;
    if (argv.length > 4) {
      if (argv.length !== 6 || lower(argv[4]!) !== 'count') throw bad();
      count = parseInteger(argv[5]!);
      if (count < 0) count = 10;
    }
  }
  const head: Reply[] = [
    'length',
    stream.length,
    'radix-tree-keys',
    stream.nodeCount,
    'radix-tree-nodes',
    stream.nodeCount + 1,
    'last-generated-id',
    stream.lastId.toString(),
    'max-deleted-entry-id',
    stream.maxDeletedId.toString(),
    'entries-added',
    bigReply(stream.entriesAdded),
    'recorded-first-entry-id',
    stream.firstId.toString(),
  ];
  if (!full) {
    const first = stream.firstEntry();
    const last = stream.lastEntry();
    head.push(
      'groups',
      stream.groups.size,
      'first-entry',
      first === undefined ? null : entryReply(first.id, first.fields),
      'last-entry',
      last === undefined ? null : entryReply(last.id, last.fields),
    );
    return new MapReply(head);
  }
  const groups: Reply[] = [];
  for (const g of stream.sortedGroups()) {
    const pel: Reply[] = [];
    for (const p of g.pending.values()) {
      if (count > 0 && pel.length >= count) break;
      pel.push([p.id.toString(), p.consumer.name, p.deliveryTime, p.deliveryCount]);
    }
    const consumers: Reply[] = [];
    for (const c of g.sortedConsumers()) {
      const cpel: Reply[] = [];
      for (const p of c.pending.values()) {
        if (count > 0 && cpel.length >= count) break;
        cpel.push([p.id.toString(), p.deliveryTime, p.deliveryCount]);
      }
      consumers.push(
        new MapReply(['name', c.name, 'seen-time', c.seenTime, 'pel-count', c.pending.size, 'pending', cpel]),
      );
    }
    groups.push(
      new MapReply([
        'name',
        g.name,
        'last-delivered-id',
        g.lastId.toString(),
        'entries-read',
        nullableInt(g.entriesRead),
        'lag',
        nullableInt(stream.lag(g)),
        'pel-count',
        g.pending.size,
        'pending',
        pel,
        'consumers',
        consumers,
      ]),
    );
  }
  head.push('entries', rangeReply(stream, StreamId.MIN, StreamId.MAX, count, false), 'groups', groups);
  return new MapReply(head);
}

function infoGroups(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const stream = readStream(ctx, latin1(argv[2]!));
  if (stream === undefined) throw Errors.noSuchKey();
  return stream.sortedGroups().map(
    (g) =>
      new MapReply([
        'name',
        g.name,
        'consumers',
        g.consumers.size,
        'pending',
        g.pending.size,
        'last-delivered-id',
        g.lastId.toString(),
        'entries-read',
        nullableInt(g.entriesRead),
        'lag',
        nullableInt(stream.lag(g)),
      ]),
  );
}

function infoConsumers(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const key = latin1(argv[2]!);
  const stream = readStream(ctx, key);
  if (stream === undefined) throw Errors.noSuchKey();
  const group = requireGroup(stream, key, argv[3]!);
  const now = Date.now();
  return group
    .sortedConsumers()
    .map((c) => new MapReply(['name', c.name, 'pending', c.pending.size, 'idle', Math.max(0, now - c.seenTime)]));
}

// --- specs --------------------------------------------------------------------------------------

const key1 = { firstKey: 1, lastKey: 1, step: 1 } as const;
const key2 = { firstKey: 2, lastKey: 2, step: 1 } as const;
const noKeys = { firstKey: 0, lastKey: 0, step: 0 } as const;

const container = (name: string) => (): HandlerResult => {
  throw Errors.unknownSubcommand('', name);
};

export const specs: CommandSpec[] = [
  { name: 'xadd', arity: -5, flags: ['write', 'denyoom', 'fast'], ...key1, categories: ['@write', '@stream', '@fast'], handler: xadd },
  { name: 'xlen', arity: 2, flags: ['readonly', 'fast'], ...key1, categories: ['@read', '@stream', '@fast'], handler: xlen },
  { name: 'xrange', arity: -4, flags: ['readonly'], ...key1, categories: ['@read', '@stream', '@slow'], handler: rangeCommand(false) },
  { name: 'xrevrange', arity: -4, flags: ['readonly'], ...key1, categories: ['@read', '@stream', '@slow'], handler: rangeCommand(true) },
  { name: 'xdel', arity: -3, flags: ['write', 'fast'], ...key1, categories: ['@write', '@stream', '@fast'], handler: xdel },
  { name: 'xtrim', arity: -4, flags: ['write'], ...key1, categories: ['@write', '@stream', '@slow'], handler: xtrim },
  {
    name: 'xread',
    arity: -4,
    flags: ['readonly', 'blocking', 'movablekeys'],
    ...noKeys,
    categories: ['@read', '@stream', '@slow', '@blocking'],
    handler: xreadCommand(false),
  },
  {
    name: 'xreadgroup',
    arity: -7,
    flags: ['write', 'blocking', 'movablekeys'],
    ...noKeys,
    categories: ['@write', '@stream', '@slow', '@blocking'],
    handler: xreadCommand(true),
  },
  { name: 'xsetid', arity: -3, flags: ['write', 'denyoom', 'fast'], ...key1, categories: ['@write', '@stream', '@fast'], handler: xsetid },
  { name: 'xack', arity: -4, flags: ['write', 'fast'], ...key1, categories: ['@write', '@stream', '@fast'], handler: xack },
  { name: 'xpending', arity: -3, flags: ['readonly'], ...key1, categories: ['@read', '@stream', '@slow'], handler: xpending },
  { name: 'xclaim', arity: -6, flags: ['write', 'fast'], ...key1, categories: ['@write', '@stream', '@fast'], handler: xclaim },
  { name: 'xautoclaim', arity: -6, flags: ['write', 'fast'], ...key1, categories: ['@write', '@stream', '@fast'], handler: xautoclaim },
  {
    name: 'xgroup',
    arity: -2,
    flags: [],
    ...noKeys,
    categories: ['@slow'],
    handler: container('xgroup'),
    subcommands: [
      { name: 'xgroup|create', arity: -5, flags: ['write', 'denyoom'], ...key2, categories: ['@write', '@stream', '@slow'], handler: xgroupCreate },
      { name: 'xgroup|createconsumer', arity: 5, flags: ['write', 'denyoom'], ...key2, categories: ['@write', '@stream', '@slow'], handler: xgroupCreateConsumer },
      { name: 'xgroup|delconsumer', arity: 5, flags: ['write'], ...key2, categories: ['@write', '@stream', '@slow'], handler: xgroupDelConsumer },
      { name: 'xgroup|destroy', arity: 4, flags: ['write'], ...key2, categories: ['@write', '@stream', '@slow'], handler: xgroupDestroy },
      { name: 'xgroup|setid', arity: -5, flags: ['write'], ...key2, categories: ['@write', '@stream', '@slow'], handler: xgroupSetId },
      { name: 'xgroup|help', arity: 2, flags: ['loading', 'stale'], ...noKeys, categories: ['@stream', '@slow'], handler: () => helpReply(XGROUP_HELP) },
    ],
  },
  {
    name: 'xinfo',
    arity: -2,
    flags: [],
    ...noKeys,
    categories: ['@slow'],
    handler: container('xinfo'),
    subcommands: [
      { name: 'xinfo|stream', arity: -3, flags: ['readonly'], ...key2, categories: ['@read', '@stream', '@slow'], handler: infoStream },
      { name: 'xinfo|groups', arity: 3, flags: ['readonly'], ...key2, categories: ['@read', '@stream', '@slow'], handler: infoGroups },
      { name: 'xinfo|consumers', arity: 4, flags: ['readonly'], ...key2, categories: ['@read', '@stream', '@slow'], handler: infoConsumers },
      { name: 'xinfo|help', arity: 2, flags: ['loading', 'stale'], ...noKeys, categories: ['@stream', '@slow'], handler: () => helpReply(XINFO_HELP) },
    ],
  },
];
