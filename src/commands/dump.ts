// DUMP and RESTORE: a key's value as an RDB payload (type, value, RDB version, CRC-64) and back.
import { Errors } from '../protocol/errors.js';
import { parseBigInt } from '../protocol/numbers.js';
import { OK, ReplyError, type Reply } from '../protocol/reply.js';
import { lfuValue, newEntry } from '../store/database.js';
import { dumpValue, restoreValue } from '../persistence/rdb/index.js';
import type { CommandContext, CommandSpec } from './types.js';

const RestoreErrors = {
  busyKey: () => new ReplyError('BUSYKEY Target key name already exists.'),
  invalidTtl: () => new ReplyError('ERR Invalid TTL value, must be >= 0'),
  invalidIdle: () => new ReplyError('ERR Invalid IDLETIME value, must be >= 0'),
  invalidFreq: () => new ReplyError('ERR Invalid FREQ value, must be >= 0 and <= 255'),
};

const MAX_I64 = 2n ** 63n - 1n;

const keyOf = (argv: Buffer[], i: number) => argv[i]!.toString('latin1');
const lower = (argv: Buffer[], i: number) => argv[i]!.toString('latin1').toLowerCase();

function dump(ctx: CommandContext, argv: Buffer[]): Reply {
  const entry = ctx.db.lookupRead(keyOf(argv, 1));
  if (entry === undefined) return null;
  return dumpValue(entry, ctx.server.config);
}

function restore(ctx: CommandContext, argv: Buffer[]): Reply {
  let replace = false;
  let absttl = false;
  let idleSeconds: bigint | undefined;
  let freq: bigint | undefined;
  // Options first, in Redis's order of checks: options, existing key, TTL, payload.
  for (let j = 4; j < argv.length; j++) {
    const opt = lower(argv, j);
    const more = argv.length - j - 1;
    if (opt === 'replace') replace = true;
    else if (opt === 'absttl') absttl = true;
    else if (opt === 'idletime' && more >= 1 && freq === undefined) {
      idleSeconds = parseBigInt(argv[++j]!);
      if (idleSeconds < 0n) throw RestoreErrors.invalidIdle();
    } else if (opt === 'freq' && more >= 1 && idleSeconds === undefined) {
      freq = parseBigInt(argv[++j]!);
      if (freq < 0n || freq > 255n) throw RestoreErrors.invalidFreq();
    } else throw Errors.syntax();
  }
  const key = keyOf(argv, 1);
  if (!replace && ctx.db.lookupWrite(key) !== undefined) throw RestoreErrors.busyKey();
  const ttl = parseBigInt(argv[2]!);
  if (ttl < 0n) throw RestoreErrors.invalidTtl();
  const loaded = restoreValue(argv[3]!, ctx.server.config, {
    skipChecksum: ctx.server.skipDumpChecksum,
    report: (reason) => ctx.server.log('warning', `RESTORE of key '${key}' refused: bad DUMP payload: ${reason}`),
  });

  const deleted = replace && ctx.db.delete(key);
  let expireAt: number | undefined;
  if (ttl !== 0n) {
    const at = absttl ? ttl : ttl + BigInt(Date.now());
    // Redis adds in a signed 64-bit integer: an overflowing relative TTL wraps into the past.
    expireAt = at > MAX_I64 ? -1 : Number(at);
    if (expireAt <= Date.now()) {
      // Already expired: the key is not created (and REPLACE's deletion stands, recorded as a DEL).
      if (deleted) {
        ctx.notify('g', 'del', key);
        if (ctx.propagating) ctx.propagateAs([Buffer.from('DEL'), argv[1]!]);
      }
      return OK;
    }
  }
  const entry = newEntry(loaded.value, ctx.db.newAccessClock());
  // As Redis: FREQ counts under an LFU policy, IDLETIME under any other one.
  if (idleSeconds !== undefined && ctx.db.lfu === undefined) entry.lru = ctx.db.clock.now() - Number(idleSeconds) * 1000;
  if (freq !== undefined && ctx.db.lfu !== undefined) entry.lru = lfuValue(Number(freq));
  ctx.db.setEntry(key, entry, expireAt);
  ctx.db.signalReady(key);
  ctx.notify('g', 'restore', key);
  // As Redis: a relative TTL is recorded as the absolute time it meant (ABSTTL).
  if (ctx.propagating && expireAt !== undefined && !absttl) {
    const effect = argv.slice();
    effect[2] = Buffer.from(String(expireAt));
    effect.push(Buffer.from('ABSTTL'));
    ctx.propagateAs(effect);
  }
  return OK;
}

export const specs: CommandSpec[] = [
  {
    name: 'dump',
    arity: 2,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: ['@keyspace', '@read', '@slow'],
    handler: dump,
  },
  {
    name: 'restore',
    arity: -4,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: ['@keyspace', '@write', '@slow', '@dangerous'],
    handler: restore,
  },
];
