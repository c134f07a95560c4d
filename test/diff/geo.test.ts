// Differential tests for the geo commands: the same commands go to Tidings and to redis-server 7.0,
// in RESP2 and RESP3, and the replies are compared byte for byte — including the order of results
// that are not sorted (Redis's cell scan order) and the formatting of distances and coordinates.
// A fast-check property adds random points and runs random searches against both servers.
import { after, before, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { startDiffServers, type Arg, type DiffPair, type DiffServers } from './harness.js';

let servers: DiffServers | undefined;
let skipped = false;

before(async (t) => {
  servers = await startDiffServers(t as never);
  skipped = servers === undefined;
});
after(async () => {
  await servers?.close();
});

/** Commands written as space-separated words; `\e` is an empty argument. */
function parse(lines: string): Arg[][] {
  return lines
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(' ').map((w) => (w === '\\e' ? '' : w)));
}

async function both(t: TestContext, run: (pair: DiffPair, proto: 2 | 3) => Promise<void>): Promise<void> {
  if (skipped || servers === undefined) {
    t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    return;
  }
  for (const proto of [2, 3] as const) {
    const pair = await servers.pair(proto);
    try {
      await run(pair, proto);
    } finally {
      pair.close();
    }
  }
}

const SICILY = 'geoadd Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.583333 37.316667 Agrigento';

const sequence = (text: string) => async (t: TestContext) => {
  await both(t, async (pair) => {
    await pair.check(['SET', 'str', 'x']);
    await pair.checkAll(parse(`${SICILY}\n${text}`));
  });
};

test(
  "'geoadd': options, scores and errors",
  sequence(`
    zrange Sicily 0 -1 withscores
    geoadd Sicily nx 13 38 Palermo 14 37 Enna
    geoadd Sicily xx ch 13 38 Palermo 14 37 Ragusa
    geoadd Sicily ch 13 38 Palermo
    geoadd Sicily nx xx 1 1 a
    geoadd Sicily gt 1 a
    geoadd Sicily gt 1 1 a
    geoadd Sicily 1 1 a 2
    geoadd Sicily nx ch ch
    geoadd Sicily 1 1
    geoadd g 200 100 m
    geoadd g -180.000001 0 m
    geoadd g 0 85.05112879 m
    geoadd g inf 0 m
    geoadd g 0 -inf m
    geoadd g 1e30 -1e-30 m
    geoadd g x 0 m
    geoadd g 0 nan m
    geoadd g 1 1 a 1 100 b
    exists g
    geoadd g 180 85.05112878 ne -180 -85.05112878 sw 0 0 zero -0 -0 nzero
    zrange g 0 -1 withscores
    geoadd str 1 1 a
  `),
);

test(
  "'geodist', 'geohash' and 'geopos'",
  sequence(`
    geodist Sicily Palermo Catania
    geodist Sicily Palermo Catania km
    geodist Sicily Palermo Catania KM
    geodist Sicily Palermo Catania mi
    geodist Sicily Palermo Catania ft
    geodist Sicily Palermo Palermo
    geodist Sicily Palermo nope
    geodist nokey a b
    geodist Sicily Palermo Catania parsec
    geodist Sicily a b km x
    geodist str a b
    geodist str a b parsec
    geodist Sicily a
    geohash Sicily Palermo Catania Agrigento nope
    geohash nokey a
    geohash Sicily
    geohash str a
    geopos Sicily Palermo nope Catania Agrigento
    geopos nokey a b
    geopos Sicily
    geopos str a
    geoadd Sicily 180 85.05112878 edge -180 -85.05112878 edge2 0 0 origin
    zadd Sicily -5 neg 1e30 big 0.5 half inf pinf -inf ninf 4503599627370496 p52 9007199254740993 p53
    geopos Sicily edge edge2 origin neg big half pinf ninf p52 p53
    geohash Sicily edge edge2 origin neg big half pinf ninf p52 p53
    geodist Sicily edge edge2
    geodist Sicily neg half
    geodist Sicily origin edge mi
  `),
);

test(
  "'georadius', 'georadius_ro', 'georadiusbymember' and 'georadiusbymember_ro'",
  sequence(`
    georadius Sicily 15 37 200 km
    georadius Sicily 15 37 200 km withdist withcoord withhash
    georadius Sicily 15 37 200 km WITHHASH WITHDIST asc
    georadius Sicily 15 37 200 km desc count 2
    georadius Sicily 15 37 200 km count 1
    georadius Sicily 15 37 200 km count 1 any
    georadius Sicily 15 37 200 km count 10 any desc withdist
    georadius Sicily 15 37 100 mi asc
    georadius Sicily 15 37 100000 ft
    georadius Sicily 15 37 0 m
    georadius Sicily 15 37 20000 km
    georadius nokey 15 37 200 km
    georadius_ro Sicily 15 37 200 km withdist asc
    georadius_ro Sicily 15 37 200 km store x
    georadiusbymember Sicily Palermo 200 km withdist
    georadiusbymember Sicily Agrigento 100 km withcoord desc
    georadiusbymember_ro Sicily Catania 100 km
    georadiusbymember_ro Sicily Catania 100 km storedist x
    georadiusbymember Sicily nope 1 m
    georadiusbymember nokey nope x zz
    georadiusbymember nokey nope 1 m withdist store x
    georadius str 0 0 x m
    georadius Sicily 0 0 -1 m
    georadius Sicily 0 0 x m
    georadius Sicily 0 0 1 zz
    georadius Sicily 0 99 1 m
    georadius Sicily x 0 1 m
    georadius Sicily 0 0 1 m count 0
    georadius Sicily 0 0 1 m count -3
    georadius Sicily 0 0 1 m count x
    georadius Sicily 0 0 1 m count
    georadius Sicily 0 0 1 m any
    georadius Sicily 0 0 1 m frommember x
    georadius Sicily 0 0 1 m bybox 1 1 m
    georadius Sicily 0 0 1 m store x withdist
    georadius Sicily 0 0 1 m withhash storedist x
    georadius Sicily 0 0 1
    georadiusbymember Sicily a 1
  `),
);

test(
  "store options: GEORADIUS STORE/STOREDIST and 'geosearchstore'",
  sequence(`
    georadius Sicily 15 37 200 km store d
    zrange d 0 -1 withscores
    object encoding d
    georadius Sicily 15 37 200 km storedist d desc
    zrange d 0 -1 withscores
    georadius Sicily 15 37 200 km store d1 storedist d2
    exists d1 d2
    georadiusbymember Sicily Catania 200 km storedist d count 2
    zrange d 0 -1 withscores
    geosearchstore d Sicily fromlonlat 15 37 byradius 200 km storedist
    zrange d 0 -1 withscores
    geosearchstore d Sicily frommember Palermo bybox 500 500 km count 2 desc
    zrange d 0 -1 withscores
    geosearchstore d Sicily fromlonlat 0 0 byradius 1 km
    exists d
    set d x
    georadius nokey 0 0 1 m store d
    exists d
    geosearchstore d Sicily fromlonlat 0 0 bybox 1 1 m withdist
    geosearchstore d Sicily fromlonlat 0 0 bybox 1 1 m store x
    geosearchstore d str fromlonlat 0 0 bybox 1 1 m
    geosearchstore d nokey frommember x bybox 1 1 m
    geosearchstore d Sicily fromlonlat 0 0
  `),
);

test(
  "'geosearch': FROMMEMBER, FROMLONLAT, BYRADIUS, BYBOX and errors",
  sequence(`
    geosearch Sicily frommember Palermo bybox 400 400 km withdist withcoord
    geosearch Sicily frommember Palermo bybox 400 100 km asc
    geosearch Sicily fromlonlat 15 37 byradius 200 km desc
    geosearch Sicily fromlonlat 15 37 bybox 200 200 km asc withhash
    geosearch Sicily fromlonlat 15 37 bybox 1000 1000 mi count 2 any
    geosearch Sicily frommember Agrigento frommember Catania byradius 100 km
    geosearch nokey frommember x bybox 1 1 m
    geosearch Sicily frommember nope bybox 1 1 m
    geosearch Sicily frommember Palermo bybox 1 x m
    geosearch Sicily frommember Palermo bybox x 1 m
    geosearch Sicily frommember Palermo bybox -1 1 m
    geosearch Sicily frommember Palermo bybox 1 1 au
    geosearch Sicily frommember Palermo byradius -1 m
    geosearch Sicily bybox 1 1 m asc
    geosearch Sicily fromlonlat 0 0 count 1
    geosearch Sicily fromlonlat 0 0 frommember Palermo bybox 1 1 m
    geosearch Sicily frommember Palermo fromlonlat 0 0 bybox 1 1 m
    geosearch Sicily fromlonlat 0 0 bybox 1 1 m byradius 1 m
    geosearch Sicily fromlonlat 0 0 byradius 1 m bybox 1 1 m
    geosearch Sicily fromlonlat 0 0 bybox 1 1 m storedist
    geosearch Sicily fromlonlat 0 0 bybox 1 1 m store x
    geosearch Sicily fromlonlat 0 0 bybox 1 1 m any
    geosearch Sicily fromlonlat 0 0 bybox 1 1 m count 0
    geosearch Sicily fromlonlat 0 100 bybox 1 1 m
    geosearch Sicily fromlonlat 0 0 bybox 1 1
    geosearch str fromlonlat 0 0 bybox 1 1 m
    geosearch Sicily fromlonlat 0 0
  `),
);

test('searches near the poles, the antimeridian and with huge radii', async (t) => {
  await both(t, async (pair) => {
    const points: Arg[] = ['GEOADD', 'w'];
    for (const [lon, lat] of [
      [179.9, 0], [-179.9, 0], [180, 10], [-180, -10], [0, 84.9], [90, 85], [-90, -85], [45, 66.5], [-45, -80.5], [1, 1], [-1, -1], [0, 0],
    ]) points.push(String(lon), String(lat), `p${lon}_${lat}`);
    await pair.check(points);
    const searches: string[] = [
      'georadius w 179.95 0 50 km withdist',
      'georadius w 180 0 500 km withdist',
      'georadius w -180 0 20000 km withdist',
      'georadius w 0 85 1000 km withdist',
      'georadius w 0 -85 2000 km withdist',
      'georadius w 45 70 3000 km',
      'georadius w 0 0 6000 km',
      'georadius w 0 0 15000 km desc withdist',
      'georadius w 0 0 200 km count 2 any',
      'geosearch w fromlonlat 179 0 bybox 500 500 km withdist',
      'geosearch w fromlonlat 0 80 bybox 3000 1000 km withcoord',
      'geosearch w fromlonlat 0 -80 bybox 3000 1000 km withcoord',
      'geosearch w fromlonlat 0 0 bybox 40000 40000 km',
      'geosearch w frommember p1_1 byradius 500 km asc withdist withhash',
    ];
    for (const s of searches) await pair.check(s.split(' '));
  });
});

// ---------------------------------------------------------------- property

/** Places where cells and their neighbours behave specially, and an ordinary one. */
const REGIONS: [number, number][] = [[13, 38], [179.5, 0], [-179.5, 45], [0, 84], [20, -83], [100, 66], [-70, -67], [0, 0]];

const point = fc
  .tuple(fc.constantFrom(...REGIONS), fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.integer({ min: -1_000_000, max: 1_000_000 }))
  .map(([[lon, lat], dx, dy]) => {
    const x = Math.min(180, Math.max(-180, lon + dx / 1e6));
    const y = Math.min(85.05112878, Math.max(-85.05112878, lat + dy / 1e6));
    return [x.toFixed(6), y.toFixed(6)] as [string, string];
  });
const member = fc.integer({ min: 0, max: 40 }).map((i) => `m${i}`);
const unit = fc.constantFrom('m', 'km', 'mi', 'ft');
const size = fc.constantFrom('0', '1', '500', '20000', '80000', '150000', '400000', '2000000');
const sizeIn = (s: string, u: string): string => (u === 'km' ? String(Number(s) / 1000) : u === 'mi' ? String(Number(s) / 1600) : u === 'ft' ? String(Number(s) * 3) : s);
const options = fc
  .tuple(
    fc.subarray(['WITHDIST', 'WITHCOORD', 'WITHHASH']),
    fc.constantFrom<string[]>([], ['ASC'], ['DESC']),
    fc.constantFrom<string[]>([], ['COUNT', '1'], ['COUNT', '3'], ['COUNT', '2', 'ANY'], ['COUNT', '50']),
  )
  .map(([w, s, c]) => [...w, ...s, ...c]);
const center = fc.oneof(
  point.map(([x, y]) => ['FROMLONLAT', x, y]),
  member.map((m) => ['FROMMEMBER', m]),
);
const shape = fc.oneof(
  fc.tuple(size, unit).map(([s, u]) => ['BYRADIUS', sizeIn(s, u), u]),
  fc.tuple(size, size, unit).map(([w, h, u]) => ['BYBOX', sizeIn(w, u), sizeIn(h, u), u]),
);

const geoCommand: fc.Arbitrary<Arg[]> = fc.oneof(
  { arbitrary: fc.array(fc.tuple(point, member), { minLength: 1, maxLength: 5 }).map((ps) => ['GEOADD', 'g', ...ps.flatMap(([[x, y], m]) => [x, y, m])]), weight: 4 },
  { arbitrary: fc.tuple(point, size, unit, options).map(([[x, y], s, u, o]) => ['GEORADIUS', 'g', x, y, sizeIn(s, u), u, ...o]), weight: 3 },
  { arbitrary: fc.tuple(member, size, unit, options).map(([m, s, u, o]) => ['GEORADIUSBYMEMBER_RO', 'g', m, sizeIn(s, u), u, ...o]), weight: 2 },
  { arbitrary: fc.tuple(center, shape, options).map(([c, s, o]) => ['GEOSEARCH', 'g', ...c, ...s, ...o]), weight: 3 },
  {
    arbitrary: fc
      .tuple(center, shape, fc.constantFrom<string[]>([], ['STOREDIST']), fc.constantFrom<string[]>([], ['COUNT', '2'], ['DESC', 'COUNT', '3']))
      .map(([c, s, d, o]) => ['GEOSEARCHSTORE', 'dst', 'g', ...c, ...s, ...d, ...o]),
    weight: 1,
  },
  { arbitrary: fc.constant<Arg[]>(['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']), weight: 1 },
  { arbitrary: fc.tuple(member, member, fc.constantFrom('m', 'km', 'mi', 'ft')).map(([a, b, u]) => ['GEODIST', 'g', a, b, u]), weight: 1 },
  { arbitrary: fc.array(member, { minLength: 1, maxLength: 4 }).map((ms) => ['GEOPOS', 'g', ...ms]), weight: 1 },
  { arbitrary: fc.array(member, { minLength: 1, maxLength: 4 }).map((ms) => ['GEOHASH', 'g', ...ms]), weight: 1 },
  { arbitrary: fc.array(member, { minLength: 1, maxLength: 3 }).map((ms) => ['ZREM', 'g', ...ms]), weight: 1 },
);

test('property: random points and searches match redis-server', async (t) => {
  if (skipped || servers === undefined) {
    t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    return;
  }
  const s = servers;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(2 as const, 3 as const), fc.array(geoCommand, { minLength: 5, maxLength: 40 }), async (proto, commands) => {
      const pair = await s.pair(proto);
      try {
        for (const args of commands) await pair.check(args);
      } finally {
        pair.close();
      }
    }),
    { numRuns: 60 },
  );
});

test('property: large sets (skip list encoded) searched at many scales', async (t) => {
  if (skipped || servers === undefined) {
    t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    return;
  }
  const s = servers;
  // Repeated points make ties in distance: with COUNT, Redis sorts partially and orders them its own way.
  const repeated = fc.constantFrom<[string, string]>(['13.000000', '38.000000'], ['13.010000', '38.000000'], ['179.500000', '0.000000']);
  const many = fc.array(fc.oneof(point, repeated), { minLength: 150, maxLength: 300 });
  const query = fc.oneof(
    fc.tuple(point, size, unit, options).map(([[x, y], sz, u, o]) => ['GEORADIUS_RO', 'big', x, y, sizeIn(sz, u), u, ...o]),
    fc.tuple(point, shape, options).map(([[x, y], sh, o]) => ['GEOSEARCH', 'big', 'FROMLONLAT', x, y, ...sh, ...o]),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(2 as const, 3 as const), many, fc.array(query, { minLength: 5, maxLength: 20 }), async (proto, points, queries) => {
      const pair = await s.pair(proto);
      try {
        await pair.check(['GEOADD', 'big', ...points.flatMap(([x, y], i) => [x, y, `p${i}`])]);
        for (const args of queries) await pair.check(args);
      } finally {
        pair.close();
      }
    }),
    { numRuns: 15 },
  );
});
