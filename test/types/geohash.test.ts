// Geohash helpers and the partial sort, in process. Expected strings were checked on redis-server
// 7.0.15 (GEOADD scores, GEOPOS/GEODIST output) and against C's printf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cellScoreRange,
  cellsToScan,
  decodeScore,
  formatDistance,
  formatFixed,
  formatHumanDouble,
  scoreOf,
  scoreToBits,
  standardGeohash,
} from '../../src/types/geohash.js';
import { partialSort } from '../../src/types/partial-sort.js';

test('scores, positions and standard geohashes', () => {
  assert.equal(scoreOf(13.361389, 38.115556), 3479099956230698);
  assert.equal(scoreOf(180, 85.05112878), 13510798882111488);
  assert.equal(scoreOf(0, 90), undefined);
  const [lon, lat] = decodeScore(3479099956230698);
  assert.equal(formatHumanDouble(lon), '13.36138933897018433');
  assert.equal(formatHumanDouble(lat), '38.11555639549629859');
  assert.equal(standardGeohash(3479099956230698), 'sqc8b49rny0');
  // Scores GEOADD never writes convert like C's (uint64_t) cast on x86-64.
  assert.equal(scoreToBits(-1), 2n ** 64n - 1n);
  assert.equal(scoreToBits(Infinity), 0n);
  assert.equal(scoreToBits(-Infinity), 2n ** 63n);
  assert.equal(scoreToBits(0.5), 0n);
});

test('number formats: %.Nf, human long doubles, distances', () => {
  assert.equal(formatFixed(200, 6), '200.000000');
  assert.equal(formatFixed(-0, 6), '-0.000000');
  assert.equal(formatFixed(1e30, 6), '1000000000000000019884624838656.000000');
  assert.equal(formatFixed(0.03125, 4), '0.0312'); // a tie: half to even
  assert.equal(formatFixed(Infinity, 6), 'inf');
  assert.equal(formatHumanDouble(180), '180');
  assert.equal(formatHumanDouble(-0), '0');
  assert.equal(formatHumanDouble(85.05112878), '85.0511287799999991');
  assert.equal(formatDistance(0), '0.0000');
  assert.equal(formatDistance(166274.15156960033), '166274.1516');
  // d × 10^4 is rounded half to even (llrint): 0.5 → 0, 2.5 → 2; 0.00015 × 10^4 is 1.4999999999999998.
  assert.equal(formatDistance(0.00005), '0.0000');
  assert.equal(formatDistance(0.00025), '0.0002');
  assert.equal(formatDistance(0.00015), '0.0001');
});

test('cells: the centre first, score ranges that cover every point of the shape', () => {
  const shape = { kind: 'radius' as const, lon: 15, lat: 37, toMeters: 1000, radius: 200 };
  const cells = cellsToScan(shape);
  assert.ok(cells.length >= 1 && cells.length <= 9);
  const [min, max] = cellScoreRange(cells[0]!);
  const centre = scoreOf(15, 37)!;
  assert.ok(min <= centre && centre < max);
  // Every point within the radius falls in one of the cells.
  fc.assert(
    fc.property(fc.double({ min: -1.5, max: 1.5, noNaN: true }), fc.double({ min: -1.5, max: 1.5, noNaN: true }), (dx, dy) => {
      const s = scoreOf(15 + dx, 37 + dy)!;
      const [lon, lat] = decodeScore(s);
      const d = 2 * 6372797.560856 * Math.asin(Math.sqrt(Math.sin(((lat - 37) * Math.PI) / 360) ** 2 + Math.cos((37 * Math.PI) / 180) * Math.cos((lat * Math.PI) / 180) * Math.sin(((lon - 15) * Math.PI) / 360) ** 2));
      if (d > 199_000) return;
      assert.ok(cells.some((c) => { const [a, b] = cellScoreRange(c); return a <= s && s < b; }), `${lon},${lat}`);
    }),
  );
});

test('partialSort puts the fully sorted values in the wanted positions', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 120 }), fc.nat(), fc.nat(), (values, a, b) => {
      const n = values.length;
      if (n === 0) return;
      const from = a % n;
      const to = from + (b % (n - from));
      const v = values.slice();
      partialSort(v, (x, y) => x - y, from, to);
      const sorted = values.slice().sort((x, y) => x - y);
      assert.deepEqual(v.slice(from, to + 1), sorted.slice(from, to + 1));
      assert.deepEqual(v.slice().sort((x, y) => x - y), sorted);
    }),
    { numRuns: 500 },
  );
});
