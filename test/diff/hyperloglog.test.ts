// Differential tests for HyperLogLog commands ('pfadd', 'pfcount', 'pfmerge', 'pfdebug',
// 'pfselftest') against redis-server 7.0 in RESP2 and RESP3: replies byte for byte, and the
// stored HLL strings byte for byte (GET) — sparse, dense, after PFMERGE and after corruption —
// including fast-check random sequences, and HLLs moved between the two servers with GET/SET and
// DUMP/RESTORE.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { startDiffServers, type Arg, type DiffPair, type DiffServers } from './harness.js';

let servers: DiffServers | undefined;

before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(async () => {
  await servers?.close();
});

function parseCommands(lines: string): Arg[][] {
  return lines
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/ +/).map((w) => (w === '\\e' ? '' : w)));
}

async function both(t: TestContext, run: (pair: DiffPair, proto: 2 | 3) => Promise<void>): Promise<void> {
  if (servers === undefined) {
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

const sequence = (text: string) => async (t: TestContext) => {
  await both(t, async (pair) => {
    await pair.check(['HSET', 'other', 'f', 'v']);
    await pair.checkAll(parseCommands(text));
  });
};

const elements = (prefix: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

async function getBytes(pair: DiffPair, key: string): Promise<void> {
  await pair.check(['GET', key]);
}

test(
  'PFADD, PFCOUNT and the cached cardinality',
  sequence(`
    pfadd h
    get h
    pfadd h
    pfcount h
    get h
    pfadd h a b c
    get h
    pfdebug decode h
    pfadd h a c
    pfcount h
    get h
    pfadd h \\e
    pfdebug decode h
    object encoding h
    pfcount h h
    pfcount h nokey
    pfcount nokey
    pfcount nokey nokey2
    pfadd other a
    pfcount other
    pfcount h other
    pfadd
    pfcount
  `),
);

test(
  'type checks on strings that are not HLLs',
  sequence(`
    set s hello
    pfadd s a
    pfcount s
    pfcount nokey s
    pfmerge d s
    pfdebug getreg s
    set n 1234567890123456789
    pfadd n a
    pfcount n
    set hyll HYLL
    pfadd hyll a
    set short HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00
    pfcount short
    pfmerge other h
    pfmerge h other
    pfdebug encoding other
  `),
);

test(
  'PFDEBUG subcommands and PFSELFTEST',
  sequence(`
    pfdebug getreg nokey
    pfdebug nosuch nokey
    pfadd x a b c
    pfdebug NoSuch x
    pfdebug encoding x
    pfdebug decode x
    pfcount x
    pfdebug todense x
    get x
    pfdebug todense x
    pfdebug encoding x
    pfdebug decode x
    pfcount x
    pfadd y a
    pfdebug getreg y
    get y
    pfdebug getreg other
    pfdebug getreg
    pfdebug getreg x extra
    pfselftest
    pfselftest x
  `),
);

test('PFADD in growing batches: identical bytes through sparse and dense', async (t) => {
  await both(t, async (pair) => {
    for (let i = 0; i < 6000; i += 250) {
      await pair.check(['PFADD', 'p', ...elements('e', 250, i)]);
      await getBytes(pair, 'p');
      await pair.check(['PFDEBUG', 'ENCODING', 'p']);
      if (i % 1000 === 0) await pair.check(['PFCOUNT', 'p']);
    }
    await getBytes(pair, 'p');
    // One element at a time around the promotion point.
    for (let i = 0; i < 1200; i++) {
      const reply = await pair.check(['PFADD', 'q', `one-${i}`]);
      assert.equal(reply.type, 'int');
      if (i % 20 === 0) await getBytes(pair, 'q');
    }
    await getBytes(pair, 'q');
    await pair.check(['PFCOUNT', 'q']);
    await getBytes(pair, 'q');
    await pair.check(['PFCOUNT', 'p', 'q']);
  });
});

test('PFMERGE: sparse and dense inputs and destinations', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['PFADD', 's1', ...elements('a', 40)]);
    await pair.check(['PFADD', 's2', ...elements('a', 60, 20)]);
    await pair.check(['PFADD', 'big', ...elements('b', 5000)]);
    for (const cmd of parseCommands(`
      pfmerge d s1 s2
      get d
      pfmerge d s1 nokey
      get d
      pfmerge s1 s2
      get s1
      pfmerge empty
      get empty
      pfmerge empty2 nokey
      get empty2
      pfmerge d2 s1 big
      get d2
      pfmerge s2 big
      get s2
      pfdebug encoding s2
      pfcount d d2 s1 s2 big
      pfcount d2
      get d2
      pfadd many x
    `)) {
      await pair.check(cmd);
    }
    // A merge result that outgrows the sparse limit becomes dense part way through.
    await pair.check(['PFADD', 'm1', ...elements('m', 1500)]);
    await pair.check(['PFADD', 'm2', ...elements('n', 1500)]);
    await pair.check(['PFDEBUG', 'ENCODING', 'm1']);
    await pair.check(['PFMERGE', 'm3', 'm1', 'm2']);
    await getBytes(pair, 'm3');
    await pair.check(['PFDEBUG', 'ENCODING', 'm3']);
    await pair.check(['PFMERGE', 'm1', 'm2']);
    await getBytes(pair, 'm1');
  });
});

test('corrupted HLLs: the same errors and the same bytes afterwards', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['PFADD', 'x', 'a', 'b', 'c']);
    await pair.check(['PFADD', 'big', ...elements('b', 5000)]);
    const sparse = (await pair.check(['GET', 'x'])) as { type: 'bulk'; value: Buffer };
    const dense = (await pair.check(['GET', 'big'])) as { type: 'bulk'; value: Buffer };
    const variants: Buffer[] = [
      Buffer.concat([sparse.value, Buffer.from([0x7f, 0xff])]),
      sparse.value.subarray(0, sparse.value.length - 1),
      sparse.value.subarray(0, sparse.value.length - 2),
      sparse.value.subarray(0, 16),
      Buffer.concat([sparse.value.subarray(0, 16), Buffer.from([0x80, 0x7f, 0xff])]),
      Buffer.concat([sparse.value.subarray(0, 16), Buffer.from([0xfc, 0x7f, 0xff])]),
      Buffer.concat([sparse.value.subarray(0, 16), Buffer.alloc(300, 0xff)]),
      Buffer.concat([dense.value.subarray(0, 16), Buffer.alloc(12288, 0xff)]),
      Buffer.concat([dense.value, Buffer.from('x')]),
    ];
    for (const [i, variant] of variants.entries()) {
      await pair.check(['SET', 'bad', variant]);
      await pair.check(['PFCOUNT', 'bad']);
      await pair.check(['PFCOUNT', 'bad', 'x']);
      await pair.check(['PFMERGE', `m${i}`, 'bad']);
      await pair.check(['PFADD', 'bad', ...elements('e', 40)]);
      await getBytes(pair, 'bad');
      await pair.check(['PFDEBUG', 'TODENSE', 'bad']);
      await getBytes(pair, 'bad');
    }
  });
});

test('OBJECT ENCODING: which commands rewrite an HLL string as raw', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['PFADD', 'src']);
    const empty = ((await pair.check(['GET', 'src'])) as { value: Buffer }).value;
    // A 18-byte value SET is embstr; commands that edit it (or refresh its cache) leave it raw.
    const commands: Arg[][] = [['PFCOUNT', 'e', 'src'], ['PFMERGE', 'd', 'e'], ['PFCOUNT', 'e'], ['PFADD', 'e'], ['PFDEBUG', 'ENCODING', 'e'], ['PFMERGE', 'e']];
    for (const cmd of commands) {
      await pair.check(['SET', 'e', empty]);
      await pair.check(['OBJECT', 'ENCODING', 'e']);
      await pair.check(cmd);
      await pair.check(['OBJECT', 'ENCODING', 'e']);
      await pair.check(['GET', 'e']);
    }
  });
});

test('HLLs move between the servers with GET and SET', async (t) => {
  await both(t, async (pair) => {
    for (const [key, n] of [
      ['sparse', 200],
      ['dense', 4000],
    ] as const) {
      await pair.check(['PFADD', key, ...elements(key, n)]);
      // Swap the values: each server continues with the other's bytes.
      const fromTidings = (await pair.tidings.callRaw('GET', key)) as { value: Buffer };
      const fromRedis = (await pair.redis.callRaw('GET', key)) as { value: Buffer };
      await pair.tidings.call('SET', key, fromRedis.value);
      await pair.redis.call('SET', key, fromTidings.value);
      await pair.check(['PFADD', key, ...elements('more', 100)]);
      await getBytes(pair, key);
      await pair.check(['PFCOUNT', key]);
      await getBytes(pair, key);
    }
  });
});

test('DUMP payloads of HLLs are identical and RESTORE across the servers', async (t) => {
  await both(t, async (pair) => {
    for (const [key, n] of [
      ['sparse', 150],
      ['dense', 3500],
    ] as const) {
      await pair.check(['PFADD', key, ...elements(key, n)]);
      await pair.check(['DUMP', key]);
      const fromTidings = (await pair.tidings.callRaw('DUMP', key)) as { value: Buffer };
      const fromRedis = (await pair.redis.callRaw('DUMP', key)) as { value: Buffer };
      assert.equal((await pair.tidings.callRaw('RESTORE', `${key}-r`, '0', fromRedis.value)).type, 'simple');
      assert.equal((await pair.redis.callRaw('RESTORE', `${key}-r`, '0', fromTidings.value)).type, 'simple');
      await pair.check(['GET', `${key}-r`]);
      await pair.check(['PFADD', `${key}-r`, ...elements('after', 50)]);
      await pair.check(['PFCOUNT', `${key}-r`]);
      await pair.check(['DUMP', `${key}-r`]);
    }
  });
});

test('events and WATCH around the cached cardinality', async (t) => {
  await both(t, async (pair) => {
    await pair.checkAll(
      parseCommands(`
        pfadd x a
        watch x
        pfcount x
        multi
        ping
        exec
        watch x
        pfcount x
        pfadd x a
        pfdebug encoding x
        multi
        ping
        exec
        watch x
        pfmerge x nokey
        multi
        ping
        exec
        pfadd y a
        watch y
        pfdebug todense y
        pfdebug getreg y
        multi
        ping
        exec
      `),
    );
  });
});

// ------------------------------------------------------------------ property-based

const key = fc.constantFrom('h1', 'h2', 'h3');
const element = fc.oneof(
  fc.integer({ min: 0, max: 3000 }).map((n) => `e${n}`),
  fc.constantFrom('', 'a', 'b', 'c'),
  fc.uint8Array({ minLength: 0, maxLength: 20 }).map((a) => Buffer.from(a)),
);
const hllCommand: fc.Arbitrary<Arg[]> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, fc.array(element, { maxLength: 8 })).map(([k, els]) => ['PFADD', k, ...els]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(50, 300, 1200)).map(([k, base, n]) => ['PFADD', k, ...elements(`r${base}-`, n)]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.array(key, { maxLength: 3 })).map(([d, src]) => ['PFMERGE', d, ...src]) },
  { weight: 2, arbitrary: key.map((k) => ['PFCOUNT', k]) },
  { weight: 1, arbitrary: fc.array(key, { minLength: 2, maxLength: 3 }).map((ks) => ['PFCOUNT', ...ks]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('ENCODING', 'DECODE', 'TODENSE'), key).map(([s, k]) => ['PFDEBUG', s, k]) },
  { weight: 1, arbitrary: key.map((k) => ['DEL', k]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('x', 'HYLL')).map(([k, v]) => ['SET', k, v]) },
);

for (const [proto, runs] of [
  [2, 40],
  [3, 15],
] as const) {
  test(`random HyperLogLog sequences: same replies and same bytes (RESP${proto})`, async (t) => {
    if (servers === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    const pair = await servers.pair(proto);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(hllCommand, { minLength: 1, maxLength: 15 }), async (sequence) => {
          await pair.tidings.call('FLUSHALL');
          await pair.redis.call('FLUSHALL');
          for (const cmd of sequence) {
            await pair.check(cmd);
            for (const k of ['h1', 'h2', 'h3']) await pair.check(['GET', k]);
          }
        }),
        { numRuns: runs },
      );
    } finally {
      pair.close();
    }
  });
}

test('randomly corrupted HLLs: same errors, counts and bytes as Redis', async (t) => {
  if (servers === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
  const pair = await servers.pair(2);
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3000 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<Arg[]>(['PFCOUNT', 'bad'], ['PFCOUNT', 'bad', 'ok'], ['PFMERGE', 'ok', 'bad'], ['PFADD', 'bad', 'a', 'b', 'c', 'd'], ['PFDEBUG', 'GETREG', 'bad']),
        async (n, edits, probe) => {
          await pair.tidings.call('FLUSHALL');
          await pair.redis.call('FLUSHALL');
          await pair.check(['PFADD', 'ok', 'x', 'y']);
          await pair.check(['PFADD', 'bad', ...elements('f', n)]);
          const value = ((await pair.check(['GET', 'bad'])) as { value: Buffer }).value;
          const corrupt = Buffer.from(value);
          for (const [pos, byte] of edits) corrupt[pos % corrupt.length] = byte;
          await pair.check(['SET', 'bad', corrupt]);
          await pair.check(probe);
          await pair.check(['GET', 'bad']);
          await pair.check(['GET', 'ok']);
        },
      ),
      { numRuns: 100 },
    );
  } finally {
    pair.close();
  }
});
