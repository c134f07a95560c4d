// Geo commands: points are members of a sorted set whose score is the point's 52-bit geohash
// (src/types/geohash.ts). GEOADD is ZADD with computed scores; GEORADIUS*, GEOSEARCH and
// GEOSEARCHSTORE scan the geohash cells covering the query shape and filter by distance.
//
// Output follows Redis 7.0: distances with 4 decimals (bulk strings in both protocols),
// coordinates as "human" long doubles (bulk in RESP2, doubles in RESP3), hashes as integers.
import type { CommandContext, CommandSpec } from './types.js';
import { Errors, StreamErrors } from '../protocol/errors.js';
import { NULL_ARRAY, RawReply, ReplyError, type HandlerResult, type Reply } from '../protocol/reply.js';
import { parseBigInt } from '../protocol/numbers.js';
import { specs as zsetSpecs, tryParseScore } from './zsets.js';
import { SortedSet, type ListpackLimits } from '../types/zset.js';
import { partialSort } from '../types/partial-sort.js';
import {
  LAT_MAX,
  LAT_MIN,
  LON_MAX,
  LON_MIN,
  cellScoreRange,
  cellsToScan,
  decodeScore,
  distance,
  distanceIfWithin,
  formatDistance,
  formatFixed,
  formatHumanDouble,
  scoreOf,
  standardGeohash,
  type Shape,
} from '../types/geohash.js';

const err = (text: string) => () => new ReplyError(text);
const GeoErrors = {
  invalidPair: (lon: number, lat: number) =>
    new ReplyError(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`),
  memberNotFound: err('ERR could not decode requested zset member'),
  radiusNotNumber: err('ERR need numeric radius'),
  radiusNegative: err('ERR radius cannot be negative'),
  widthNotNumber: err('ERR need numeric width'),
  heightNotNumber: err('ERR need numeric height'),
  boxNegative: err('ERR height or width cannot be negative'),
  unit: err('ERR unsupported unit provided. please use M, KM, FT, MI'),
  storeWithOptions: (what: string) => new ReplyError(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`),
  fromOption: (command: string) => new ReplyError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${command}`),
  byOption: (command: string) => new ReplyError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${command}`),
  anyWithoutCount: err('ERR the ANY argument requires COUNT argument'),
};

const keyOf = (buf: Buffer): string => buf.toString('latin1');

/** Option words compared as C's strcasecmp does: the argument up to its first NUL byte. */
function word(buf: Buffer): string {
  const nul = buf.indexOf(0);
  const end = nul === -1 ? buf.length : nul;
  return end > 16 ? '' : buf.toString('latin1', 0, end).toLowerCase();
}

function parseDouble(buf: Buffer, error: () => ReplyError = Errors.notFloat): number {
  const value = tryParseScore(buf);
  if (value === undefined) throw error();
  return value;
}

/** A longitude, latitude pair from two arguments. */
function parseLonLat(lonArg: Buffer, latArg: Buffer): [number, number] {
  const lon = parseDouble(lonArg);
  const lat = parseDouble(latArg);
  if (lon < LON_MIN || lon > LON_MAX || lat < LAT_MIN || lat > LAT_MAX) throw GeoErrors.invalidPair(lon, lat);
  return [lon, lat];
}

/** Meters per unit. */
function parseUnit(buf: Buffer): number {
  switch (word(buf)) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
    default:
      throw GeoErrors.unit();
  }
}

/** A coordinate in Redis's human long double form: bulk in RESP2, a double in RESP3. */
function coordinateReply(ctx: CommandContext, value: number): Reply {
  const text = formatHumanDouble(value);
  return ctx.client.proto === 3 ? new RawReply(Buffer.from(`,${text}\r\n`, 'latin1')) : text;
}

/** (long long)score, as Redis replies WITHHASH. */
function hashReply(score: number): number | bigint {
  if (Number.isSafeInteger(score)) return score;
  const t = Math.trunc(score);
  if (Math.abs(t) >= 2 ** 63) return -(2n ** 63n);
  return BigInt(t);
}

function limitsOf(ctx: CommandContext): ListpackLimits {
  const config = ctx.server.config;
  return { maxEntries: config.number('zset-max-listpack-entries'), maxValue: config.number('zset-max-listpack-value') };
}

// ---------------------------------------------------------------- GEOADD, GEODIST, GEOHASH, GEOPOS

const zaddHandler = zsetSpecs.find((s) => s.name === 'zadd')!.handler;

function geoadd(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  let nx = false;
  let xx = false;
  let at = 2;
  for (; at < argv.length; at++) {
    const opt = word(argv[at]!);
    if (opt === 'nx') nx = true;
    else if (opt === 'xx') xx = true;
    else if (opt !== 'ch') break;
  }
  if ((argv.length - at) % 3 !== 0 || (nx && xx)) throw Errors.syntax();
  // Redis turns the command into ZADD key [options] score member ...; so do we.
  const zaddArgv: Buffer[] = [Buffer.from('zadd'), ...argv.slice(1, at)];
  for (let i = at; i < argv.length; i += 3) {
    const [lon, lat] = parseLonLat(argv[i]!, argv[i + 1]!);
    zaddArgv.push(Buffer.from(String(scoreOf(lon, lat)!)), argv[i + 2]!);
  }
  return zaddHandler(ctx, zaddArgv);
}

function geodist(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  let toMeters = 1;
  if (argv.length === 5) toMeters = parseUnit(argv[4]!);
  else if (argv.length > 5) throw Errors.syntax();
  const z = ctx.db.getRead(keyOf(argv[1]!), 'zset');
  if (z === undefined) return null;
  const s1 = z.score(keyOf(argv[2]!));
  const s2 = z.score(keyOf(argv[3]!));
  if (s1 === undefined || s2 === undefined) return null;
  const [lon1, lat1] = decodeScore(s1);
  const [lon2, lat2] = decodeScore(s2);
  return formatDistance(distance(lon1, lat1, lon2, lat2) / toMeters);
}

function geohash(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const z = ctx.db.getRead(keyOf(argv[1]!), 'zset');
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(keyOf(argv[i]!));
    out.push(score === undefined ? null : standardGeohash(score));
  }
  return out;
}

function geopos(ctx: CommandContext, argv: Buffer[]): HandlerResult {
  const z = ctx.db.getRead(keyOf(argv[1]!), 'zset');
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const score = z?.score(keyOf(argv[i]!));
    if (score === undefined) {
      out.push(NULL_ARRAY);
      continue;
    }
    const [lon, lat] = decodeScore(score);
    out.push([coordinateReply(ctx, lon), coordinateReply(ctx, lat)]);
  }
  return out;
}

// ---------------------------------------------------------------- searches

/** GEORADIUS lon lat radius unit ... */
const BY_COORDS = 1;
/** GEORADIUSBYMEMBER member radius unit ... */
const BY_MEMBER = 2;
/** The _RO variants: no STORE / STOREDIST. */
const NO_STORE = 4;
/** GEOSEARCH / GEOSEARCHSTORE: FROM* and BY* options. */
const SEARCH = 8;
const SEARCH_STORE = 16;

interface Found {
  member: string;
  score: number;
  lon: number;
  lat: number;
  /** Meters. */
  dist: number;
}

/** The position of a member, or the "could not decode" error. */
function memberPosition(z: SortedSet, member: Buffer): [number, number] {
  const score = z.score(keyOf(member));
  if (score === undefined) throw GeoErrors.memberNotFound();
  return decodeScore(score);
}

function parseRadius(radiusArg: Buffer, unitArg: Buffer): { radius: number; toMeters: number } {
  const radius = parseDouble(radiusArg, GeoErrors.radiusNotNumber);
  if (radius < 0) throw GeoErrors.radiusNegative();
  return { radius, toMeters: parseUnit(unitArg) };
}

function parseBox(widthArg: Buffer, heightArg: Buffer, unitArg: Buffer): { width: number; height: number; toMeters: number } {
  const width = parseDouble(widthArg, GeoErrors.widthNotNumber);
  const height = parseDouble(heightArg, GeoErrors.heightNotNumber);
  if (height < 0 || width < 0) throw GeoErrors.boxNegative();
  return { width, height, toMeters: parseUnit(unitArg) };
}

/**
 * The points inside the shape, in Redis's scan order (cell by cell, score order within a cell).
 * With `limit` (COUNT ... ANY) the scan stops as soon as that many were found.
 */
function searchShape(z: SortedSet, shape: Shape, limit: number): Found[] {
  const found: Found[] = [];
  for (const cell of cellsToScan(shape)) {
    if (limit !== 0 && found.length >= limit) break;
    const [min, max] = cellScoreRange(cell);
    const first = z.firstInScoreRange({ min, max, minExclusive: false, maxExclusive: true });
    if (first === -1) continue;
    z.walk(first, false, (member, score) => {
      if (score >= max) return false;
      const [lon, lat] = decodeScore(score);
      const dist = distanceIfWithin(shape, lon, lat);
      if (dist !== undefined) found.push({ member, score, lon, lat, dist });
      return limit === 0 || found.length < limit;
    });
  }
  return found;
}

function searchGeneric(ctx: CommandContext, argv: Buffer[], srcIndex: number, flags: number): HandlerResult {
  const command = argv[0]!.toString('latin1');
  const z = ctx.db.getRead(keyOf(argv[srcIndex]!), 'zset');
  let storeKey: string | undefined;
  let storeDist = false;
  let base: number;
  let lon = 0;
  let lat = 0;
  let radius: { radius: number; toMeters: number } | undefined;
  let box: { width: number; height: number; toMeters: number } | undefined;
  if (flags & BY_COORDS) {
    base = 6;
    [lon, lat] = parseLonLat(argv[2]!, argv[3]!);
    radius = parseRadius(argv[4]!, argv[5]!);
  } else if (flags & BY_MEMBER) {
    base = 5;
    // Without the key, Redis checks neither the member nor the radius: the reply is empty anyway.
    if (z !== undefined) {
      [lon, lat] = memberPosition(z, argv[2]!);
      radius = parseRadius(argv[3]!, argv[4]!);
    }
  } else {
    base = 2;
    if (flags & SEARCH_STORE) {
      base = 3;
      storeKey = keyOf(argv[1]!);
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoord = false;
  let fromMember = false;
  let fromLonLat = false;
  let sort: 'none' | 'asc' | 'desc' = 'none';
  let any = false;
  let count = 0;
  for (let i = base; i < argv.length; i++) {
    const opt = word(argv[i]!);
    const left = argv.length - i - 1;
    if (opt === 'withdist') withDist = true;
    else if (opt === 'withhash') withHash = true;
    else if (opt === 'withcoord') withCoord = true;
    else if (opt === 'any') any = true;
    else if (opt === 'asc') sort = 'asc';
    else if (opt === 'desc') sort = 'desc';
    else if (opt === 'count' && left >= 1) {
      const n = parseBigInt(argv[++i]!);
      if (n <= 0n) throw StreamErrors.countPositive();
      count = Number(n);
    } else if ((opt === 'store' || opt === 'storedist') && left >= 1 && !(flags & NO_STORE) && !(flags & SEARCH)) {
      storeKey = keyOf(argv[++i]!);
      storeDist = opt === 'storedist';
    } else if (opt === 'storedist' && flags & SEARCH_STORE) {
      storeDist = true;
    } else if (opt === 'frommember' && left >= 1 && flags & SEARCH && !fromLonLat) {
      i++;
      if (z !== undefined) [lon, lat] = memberPosition(z, argv[i]!);
      fromMember = true;
    } else if (opt === 'fromlonlat' && left >= 2 && flags & SEARCH && !fromMember) {
      [lon, lat] = parseLonLat(argv[i + 1]!, argv[i + 2]!);
      fromLonLat = true;
      i += 2;
    } else if (opt === 'byradius' && left >= 2 && flags & SEARCH && box === undefined) {
      radius = parseRadius(argv[i + 1]!, argv[i + 2]!);
      i += 2;
    } else if (opt === 'bybox' && left >= 3 && flags & SEARCH && radius === undefined) {
      box = parseBox(argv[i + 1]!, argv[i + 2]!, argv[i + 3]!);
      i += 3;
    } else {
      throw Errors.syntax();
    }
  }
  if (storeKey !== undefined && (withDist || withHash || withCoord)) {
    throw GeoErrors.storeWithOptions(flags & SEARCH_STORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS');
  }
  if (flags & SEARCH && !fromMember && !fromLonLat) throw GeoErrors.fromOption(command);
  if (flags & SEARCH && radius === undefined && box === undefined) throw GeoErrors.byOption(command);
  if (any && count === 0) throw GeoErrors.anyWithoutCount();

  if (z === undefined) {
    if (storeKey === undefined) return [];
    if (ctx.db.delete(storeKey)) ctx.notify('g', 'del', storeKey);
    return 0;
  }
  // COUNT means "the nearest N", so it implies ASC unless ANY asks for whichever come first.
  if (count !== 0 && sort === 'none' && !any) sort = 'asc';
  const shape: Shape =
    box !== undefined
      ? { kind: 'box', lon, lat, toMeters: box.toMeters, width: box.width, height: box.height }
      : { kind: 'radius', lon, lat, toMeters: radius!.toMeters, radius: radius!.radius };
  const found = searchShape(z, shape, any ? count : 0);
  if (found.length === 0 && storeKey === undefined) return [];
  const returned = count === 0 || found.length < count ? found.length : count;
  if (sort !== 'none') {
    const sign = sort === 'asc' ? 1 : -1;
    const byDistance = (a: Found, b: Found): number => sign * (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
    // A full sort is stable (glibc's qsort is a merge sort); a partial one orders ties as Redis's does.
    if (returned === found.length) found.sort(byDistance);
    else partialSort(found, byDistance, 0, returned - 1);
  }

  if (storeKey === undefined) {
    const out: Reply[] = [];
    const withAny = withDist || withHash || withCoord;
    for (let i = 0; i < returned; i++) {
      const p = found[i]!;
      const member = Buffer.from(p.member, 'latin1');
      if (!withAny) {
        out.push(member);
        continue;
      }
      const item: Reply[] = [member];
      if (withDist) item.push(formatDistance(p.dist / shape.toMeters));
      if (withHash) item.push(hashReply(p.score));
      if (withCoord) item.push([coordinateReply(ctx, p.lon), coordinateReply(ctx, p.lat)]);
      out.push(item);
    }
    return out;
  }

  if (returned === 0) {
    if (ctx.db.delete(storeKey)) ctx.notify('g', 'del', storeKey);
    return 0;
  }
  const scores = new Map<string, number>();
  for (let i = 0; i < returned; i++) {
    const p = found[i]!;
    scores.set(p.member, storeDist ? p.dist / shape.toMeters : p.score);
  }
  const result = SortedSet.fromMap(scores);
  result.compactIfFits(limitsOf(ctx));
  ctx.db.set(storeKey, 'zset', result);
  ctx.notify('z', flags & SEARCH ? 'geosearchstore' : 'georadiusstore', storeKey);
  ctx.db.signalReady(storeKey);
  return returned;
}

// ---------------------------------------------------------------- command table

const READ = ['@read', '@geo', '@slow'] as const;
const WRITE = ['@write', '@geo', '@slow'] as const;

export const specs: CommandSpec[] = [
  { name: 'geoadd', arity: -5, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, step: 1, categories: WRITE, handler: geoadd },
  { name: 'geodist', arity: -4, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ, handler: geodist },
  { name: 'geohash', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ, handler: geohash },
  { name: 'geopos', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1, categories: READ, handler: geopos },
  {
    name: 'georadius',
    arity: -6,
    flags: ['write', 'denyoom', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE,
    handler: (ctx, argv) => searchGeneric(ctx, argv, 1, BY_COORDS),
  },
  {
    name: 'georadius_ro',
    arity: -6,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ,
    handler: (ctx, argv) => searchGeneric(ctx, argv, 1, BY_COORDS | NO_STORE),
  },
  {
    name: 'georadiusbymember',
    arity: -5,
    flags: ['write', 'denyoom', 'movablekeys'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: WRITE,
    handler: (ctx, argv) => searchGeneric(ctx, argv, 1, BY_MEMBER),
  },
  {
    name: 'georadiusbymember_ro',
    arity: -5,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ,
    handler: (ctx, argv) => searchGeneric(ctx, argv, 1, BY_MEMBER | NO_STORE),
  },
  {
    name: 'geosearch',
    arity: -7,
    flags: ['readonly'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    categories: READ,
    handler: (ctx, argv) => searchGeneric(ctx, argv, 1, SEARCH),
  },
  {
    name: 'geosearchstore',
    arity: -8,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    categories: WRITE,
    handler: (ctx, argv) => searchGeneric(ctx, argv, 2, SEARCH | SEARCH_STORE),
  },
];
