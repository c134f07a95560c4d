// Geohashes as Redis stores them: a point becomes a 52-bit integer (26 bits of latitude and 26 of
// longitude, interleaved, longitude in the odd bits) kept as the score of a sorted set member.
// Latitudes are limited to the Web Mercator range ±85.05112878. Searches cover the query shape
// with a box of geohash cells (the centre cell and its 8 neighbours) at a precision estimated
// from the radius, then filter the candidates by exact distance. Every step below follows the
// same arithmetic as Redis so that results, their order and their rounding match.

export const LON_MIN = -180;
export const LON_MAX = 180;
export const LAT_MIN = -85.05112878;
export const LAT_MAX = 85.05112878;
/** 26 steps × 2 bits = 52 bits, which a double holds exactly. */
export const STEP_MAX = 26;
/** The earth radius Redis uses for its haversine distances. */
export const EARTH_RADIUS_M = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const DEG_TO_RAD = Math.PI / 180.0;

export interface Range {
  min: number;
  max: number;
}

/** A geohash cell: `bits` holds 2 × step bits (lat in the even bits, lon in the odd ones). */
export interface Cell {
  bits: bigint;
  step: number;
}

export interface Area {
  lon: Range;
  lat: Range;
}

const LON_RANGE: Range = { min: LON_MIN, max: LON_MAX };
const LAT_RANGE: Range = { min: LAT_MIN, max: LAT_MAX };

// ---------------------------------------------------------------- bit interleaving

/** The 16 low bits of v spread to the even bit positions of a 32-bit result. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

/** The even bits of a 32-bit value gathered into its 16 low bits. */
function gather16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v >>> 0;
}

const TWO_32 = 4294967296;

/** x in the even bits, y in the odd bits (both unsigned 32-bit), as a number: exact below 2^53. */
function interleaveNumber(x: number, y: number): number {
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return hi * TWO_32 + lo;
}

/** The same as a 64-bit integer. */
function interleave(x: number, y: number): bigint {
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The inverse of interleave, from the two 32-bit halves: [even bits, odd bits]. */
function deinterleaveParts(hi: number, lo: number): [number, number] {
  const x = (gather16(lo) | (gather16(hi) << 16)) >>> 0;
  const y = (gather16(lo >>> 1) | (gather16(hi >>> 1) << 16)) >>> 0;
  return [x, y];
}

function deinterleave(bits: bigint): [number, number] {
  return deinterleaveParts(Number((bits >> 32n) & 0xffffffffn), Number(bits & 0xffffffffn));
}

// ---------------------------------------------------------------- encode / decode

/** [lat offset, lon offset] of the cell holding the point, or undefined outside the ranges. */
function cellOffsets(lonRange: Range, latRange: Range, lon: number, lat: number, step: number): [number, number] | undefined {
  if (lon > LON_MAX || lon < LON_MIN || lat > LAT_MAX || lat < LAT_MIN) return undefined;
  if (lat < latRange.min || lat > latRange.max || lon < lonRange.min || lon > lonRange.max) return undefined;
  let latOffset = (lat - latRange.min) / (latRange.max - latRange.min);
  let lonOffset = (lon - lonRange.min) / (lonRange.max - lonRange.min);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  // C converts the offsets to uint32 by truncation.
  return [Math.trunc(latOffset) >>> 0, Math.trunc(lonOffset) >>> 0];
}

/** The cell of `step` precision holding the point, or undefined when outside the ranges. */
export function encode(lonRange: Range, latRange: Range, lon: number, lat: number, step: number): Cell | undefined {
  const offsets = cellOffsets(lonRange, latRange, lon, lat, step);
  return offsets === undefined ? undefined : { bits: interleave(offsets[0], offsets[1]), step };
}

export function encodeWGS84(lon: number, lat: number, step = STEP_MAX): Cell | undefined {
  return encode(LON_RANGE, LAT_RANGE, lon, lat, step);
}

export function decode(lonRange: Range, latRange: Range, cell: Cell): Area {
  return decodeParts(lonRange, latRange, deinterleave(cell.bits), cell.step);
}

function decodeParts(lonRange: Range, latRange: Range, [ilat, ilon]: [number, number], step: number): Area {
  const latScale = latRange.max - latRange.min;
  const lonScale = lonRange.max - lonRange.min;
  const div = 2 ** step;
  return {
    lat: { min: latRange.min + (ilat / div) * latScale, max: latRange.min + ((ilat + 1) / div) * latScale },
    lon: { min: lonRange.min + (ilon / div) * lonScale, max: lonRange.min + ((ilon + 1) / div) * lonScale },
  };
}

function decodeWGS84(cell: Cell): Area {
  return decode(LON_RANGE, LAT_RANGE, cell);
}

/** The centre of an area, clamped to the valid ranges: [lon, lat]. */
export function areaCenter(area: Area): [number, number] {
  let lon = (area.lon.min + area.lon.max) / 2;
  if (lon > LON_MAX) lon = LON_MAX;
  if (lon < LON_MIN) lon = LON_MIN;
  let lat = (area.lat.min + area.lat.max) / 2;
  if (lat > LAT_MAX) lat = LAT_MAX;
  if (lat < LAT_MIN) lat = LAT_MIN;
  return [lon, lat];
}

const TWO_63 = 2 ** 63;
const INT64_MIN_BITS = 1n << 63n;
const U64_MASK = (1n << 64n) - 1n;

/**
 * A score converted to uint64 the way C on x86-64 does it ((uint64_t)score): exact for the
 * integral scores GEOADD writes; fractions truncate; negative and huge values wrap as the
 * hardware conversion does. Any score therefore decodes to some point, as in Redis.
 */
export function scoreToBits(score: number): bigint {
  if (score >= 0 && score < 2 ** 53) return BigInt(Math.trunc(score));
  if (score < TWO_63) {
    if (!(score > -TWO_63 - 1) || !Number.isFinite(score)) return INT64_MIN_BITS;
    return BigInt(Math.trunc(score)) & U64_MASK;
  }
  const t = score - TWO_63;
  if (!Number.isFinite(t) || t >= TWO_63) return 0n;
  return BigInt(Math.trunc(t)) ^ INT64_MIN_BITS;
}

/** The point a sorted set score stands for: [lon, lat]. */
export function decodeScore(score: number): [number, number] {
  // The common case (an integral score below 2^53) without BigInt: searches decode every candidate.
  if (score >= 0 && score < 2 ** 53 && Number.isInteger(score)) {
    const hi = Math.floor(score / TWO_32);
    const parts = deinterleaveParts(hi, score - hi * TWO_32);
    return areaCenter(decodeParts(LON_RANGE, LAT_RANGE, parts, STEP_MAX));
  }
  return areaCenter(decodeWGS84({ bits: scoreToBits(score), step: STEP_MAX }));
}

/** The score GEOADD stores for a valid point (the 52-bit hash as a number). */
export function scoreOf(lon: number, lat: number): number | undefined {
  const offsets = cellOffsets(LON_RANGE, LAT_RANGE, lon, lat, STEP_MAX);
  // The hash of (180, 85.05112878) has 54 bits: as a number it rounds as Redis's ZADD parses it.
  return offsets === undefined ? undefined : interleaveNumber(offsets[0], offsets[1]);
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The standard 11-character geohash (latitude range ±90) of the point a score stands for. */
export function standardGeohash(score: number): string {
  const [lon, lat] = decodeScore(score);
  const cell = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, lon, lat, STEP_MAX);
  const bits = cell?.bits ?? 0n;
  let out = '';
  for (let i = 0; i < 11; i++) {
    // 52 bits make 10 characters and 2 bits; the 11th character is always '0', as in Redis.
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += GEOALPHABET[idx];
  }
  return out;
}

// ---------------------------------------------------------------- distances

function toRad(deg: number): number {
  return deg * DEG_TO_RAD;
}

function toDeg(rad: number): number {
  return rad / DEG_TO_RAD;
}

export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_M * Math.abs(toRad(lat2) - toRad(lat1));
}

/** Haversine great-circle distance in meters. */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = toRad(lon1);
  const lon2r = toRad(lon2);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = toRad(lat1);
  const lat2r = toRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a));
}

// ---------------------------------------------------------------- search shapes

/** A search area; sizes are in the query's unit, `toMeters` converts them. */
export type Shape =
  | { kind: 'radius'; lon: number; lat: number; toMeters: number; radius: number }
  | { kind: 'box'; lon: number; lat: number; toMeters: number; width: number; height: number };

/** The distance (meters) of a point from the shape's centre, or undefined when outside it. */
export function distanceIfWithin(shape: Shape, lon: number, lat: number): number | undefined {
  if (shape.kind === 'radius') {
    const d = distance(shape.lon, shape.lat, lon, lat);
    return d > shape.radius * shape.toMeters ? undefined : d;
  }
  const width = shape.width * shape.toMeters;
  const height = shape.height * shape.toMeters;
  if (latDistance(lat, shape.lat) > height / 2) return undefined;
  if (distance(lon, lat, shape.lon, lat) > width / 2) return undefined;
  return distance(shape.lon, shape.lat, lon, lat);
}

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  // Cells are narrower towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** [minLon, minLat, maxLon, maxLat] of the shape. */
function boundingBox(shape: Shape): [number, number, number, number] {
  const { lon, lat } = shape;
  const height = shape.toMeters * (shape.kind === 'radius' ? shape.radius : shape.height / 2);
  const width = shape.toMeters * (shape.kind === 'radius' ? shape.radius : shape.width / 2);
  const latDelta = toDeg(height / EARTH_RADIUS_M);
  const lonDeltaTop = toDeg(width / EARTH_RADIUS_M / Math.cos(toRad(lat + latDelta)));
  const lonDeltaBottom = toDeg(width / EARTH_RADIUS_M / Math.cos(toRad(lat - latDelta)));
  // The wider edge is the one nearer the equator.
  const south = lat < 0;
  return [south ? lon - lonDeltaBottom : lon - lonDeltaTop, lat - latDelta, south ? lon + lonDeltaBottom : lon + lonDeltaTop, lat + latDelta];
}

const EVEN_BITS = 0x5555555555555555n;
const ODD_BITS = 0xaaaaaaaaaaaaaaaan;

/** Move a cell one step east (+1) or west (-1): the longitude bits. */
function moveX(cell: Cell, d: number): Cell {
  const shift = BigInt(64 - cell.step * 2);
  let x = cell.bits & ODD_BITS;
  const y = cell.bits & EVEN_BITS;
  const zz = EVEN_BITS >> shift;
  if (d > 0) x = x + (zz + 1n);
  else x = (x | zz) - (zz + 1n);
  x &= (ODD_BITS >> shift) & U64_MASK;
  return { bits: (x | y) & U64_MASK, step: cell.step };
}

/** Move a cell one step north (+1) or south (-1): the latitude bits. */
function moveY(cell: Cell, d: number): Cell {
  const shift = BigInt(64 - cell.step * 2);
  const x = cell.bits & ODD_BITS;
  let y = cell.bits & EVEN_BITS;
  const zz = ODD_BITS >> shift;
  if (d > 0) y = y + (zz + 1n);
  else y = (y | zz) - (zz + 1n);
  y &= (EVEN_BITS >> shift) & U64_MASK;
  return { bits: (x | y) & U64_MASK, step: cell.step };
}

interface Neighbours {
  north: Cell;
  south: Cell;
  east: Cell;
  west: Cell;
  northEast: Cell;
  northWest: Cell;
  southEast: Cell;
  southWest: Cell;
}

function neighbours(cell: Cell): Neighbours {
  return {
    east: moveX(cell, 1),
    west: moveX(cell, -1),
    south: moveY(cell, -1),
    north: moveY(cell, 1),
    northWest: moveY(moveX(cell, -1), 1),
    southWest: moveY(moveX(cell, -1), -1),
    northEast: moveY(moveX(cell, 1), 1),
    southEast: moveY(moveX(cell, 1), -1),
  };
}

const NO_CELL: Cell = { bits: 0n, step: 0 };

function isNoCell(cell: Cell): boolean {
  return cell.bits === 0n && cell.step === 0;
}

/**
 * The cells to scan for a shape, in Redis's order: centre, N, S, E, W, NE, NW, SE, SW. Cells
 * that cannot hold matches are left out, and a cell equal to the one scanned before it (huge
 * radii) is skipped, so each candidate is seen once.
 */
export function cellsToScan(shape: Shape): Cell[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const radiusMeters =
    shape.kind === 'radius'
      ? shape.radius * shape.toMeters
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)) * shape.toMeters;
  let steps = estimateSteps(radiusMeters, shape.lat);
  let hash = encodeWGS84(shape.lon, shape.lat, steps)!;
  let near = neighbours(hash);
  let area = decodeWGS84(hash);
  // Near a cell edge the estimated precision may be too fine for the neighbours to cover the shape.
  const decrease =
    decodeWGS84(near.north).lat.max < maxLat ||
    decodeWGS84(near.south).lat.min > minLat ||
    decodeWGS84(near.east).lon.max < maxLon ||
    decodeWGS84(near.west).lon.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = encodeWGS84(shape.lon, shape.lat, steps)!;
    near = neighbours(hash);
    area = decodeWGS84(hash);
  }
  if (steps >= 2) {
    if (area.lat.min < minLat) near.south = near.southWest = near.southEast = NO_CELL;
    if (area.lat.max > maxLat) near.north = near.northEast = near.northWest = NO_CELL;
    if (area.lon.min < minLon) near.west = near.southWest = near.northWest = NO_CELL;
    if (area.lon.max > maxLon) near.east = near.southEast = near.northEast = NO_CELL;
  }
  const all = [hash, near.north, near.south, near.east, near.west, near.northEast, near.northWest, near.southEast, near.southWest];
  const out: Cell[] = [];
  // As in Redis, a cell is compared with the last neighbour scanned, never with the centre.
  let last = 0;
  for (let i = 0; i < all.length; i++) {
    const cell = all[i]!;
    if (isNoCell(cell)) continue;
    if (last !== 0 && cell.bits === all[last]!.bits && cell.step === all[last]!.step) continue;
    out.push(cell);
    last = i;
  }
  return out;
}

/** The score interval [min, max) holding every point of a cell. */
export function cellScoreRange(cell: Cell): [number, number] {
  const shift = BigInt(52 - cell.step * 2);
  return [Number((cell.bits << shift) & U64_MASK), Number(((cell.bits + 1n) << shift) & U64_MASK)];
}

// ---------------------------------------------------------------- number formatting

/**
 * printf's "%.Nf" of a double: exact decimal expansion, rounded half to even (glibc). Used for
 * coordinates in error messages and, with trailing zeros removed, for "%.17Lf" coordinates.
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return Math.sign(x) < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const negative = x < 0 || Object.is(x, -0);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (expBits === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = expBits - 1075;
  }
  const scale = 10n ** BigInt(digits);
  let fixed: bigint;
  if (exp >= 0) fixed = (mant << BigInt(exp)) * scale;
  else {
    const num = mant * scale;
    const den = 1n << BigInt(-exp);
    fixed = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && (fixed & 1n) === 1n)) fixed += 1n;
  }
  let text = fixed.toString();
  if (digits > 0) {
    text = text.padStart(digits + 1, '0');
    text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  }
  return negative ? `-${text}` : text;
}

/** Redis's human long double ("%.17Lf", trailing zeros and a bare '.' removed, "-0" → "0"). */
export function formatHumanDouble(x: number): string {
  let text = formatFixed(x, 17);
  if (text.includes('.')) {
    let end = text.length;
    while (text.charCodeAt(end - 1) === 48) end--;
    if (text.charCodeAt(end - 1) === 46) end--;
    text = text.slice(0, end);
  }
  return text === '-0' ? '0' : text;
}

/** Distances: the value × 10^4 rounded half to even (llrint), printed with 4 decimals. */
export function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  const scaled = d * 10000;
  let r = Math.round(scaled);
  if (r - scaled === 0.5 && r % 2 !== 0) r -= 1;
  const negative = r < 0;
  const digits = String(Math.abs(r)).padStart(5, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}
