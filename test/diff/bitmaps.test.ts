// Differential tests for bitmap commands: the same commands go to Tidings and to redis-server 7.0
// (RESP2 and RESP3) and the replies are compared byte for byte; then fast-check generates random
// sequences of 'setbit', 'getbit', 'bitcount', 'bitpos', 'bitop', 'bitfield' and 'bitfield_ro'
// and the replies and the resulting string bytes must match.
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

/** Commands as space-separated words; `\e` is an empty argument, `\xHH` a byte. */
function parseCommands(lines: string): Arg[][] {
  return lines
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) =>
      l.split(/ +/).map((w) => {
        if (w === '\\e') return '';
        if (!w.includes('\\x')) return w;
        return Buffer.from(w.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      }),
    );
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

test(
  'SETBIT and GETBIT',
  sequence(`
    setbit b 7 1
    setbit b 7 1
    setbit b 7 0
    setbit b 100 1
    get b
    getbit b 100
    getbit b 99
    getbit b 100000
    getbit nokey 3
    object encoding b
    setbit z 0 0
    get z
    set n 123
    object encoding n
    getbit n 2
    setbit n 0 0
    object encoding n
    get n
    set t x ex 100
    setbit t 50 1
    ttl t
    setbit b -1 1
    setbit b a 1
    setbit b 4294967296 1
    setbit b 1.5 1
    setbit b \\e 1
    getbit b -1
    getbit b 4294967296
    setbit b 1 2
    setbit b 1 -1
    setbit b 1 a
    setbit other 1 1
    setbit other x 1
    getbit other 1
    getbit other x
    setbit b 1
    getbit b
    setbit b 1 1 1
  `),
);

test(
  'BITCOUNT',
  sequence(`
    set s foobar
    bitcount s
    bitcount s 0 0
    bitcount s 1 1
    bitcount s 1 1 byte
    bitcount s 1 1 BYTE
    bitcount s 5 30 bit
    bitcount s 5 30 BIT
    bitcount s -2 -1
    bitcount s -1 -5
    bitcount s -1 -5 foo
    bitcount s -5 -1 bit
    bitcount s 100 200
    bitcount s -100 100
    bitcount s 0 -1 bit
    bitcount s 3 2 bit
    bitcount s -9223372036854775808 9223372036854775807
    bitcount s -9223372036854775808 9223372036854775807 bit
    bitcount nokey
    bitcount nokey a b
    bitcount nokey 1
    bitcount s 1
    bitcount s 0 1 bits
    bitcount s 0 1 bit x
    bitcount s a 1
    bitcount s 1 a
    bitcount s 9223372036854775808 1
    bitcount other
    bitcount other a b
    set e \\e
    bitcount e
    bitcount e 0 -1
    bitcount
  `),
);

test(
  'BITPOS',
  sequence(`
    set z \\xff\\xf0\\x00
    bitpos z 0
    bitpos z 1
    bitpos z 1 2
    bitpos z 0 1 1
    bitpos z 1 7 15 bit
    bitpos z 0 0 11 bit
    bitpos z 0 0 -1 bit
    bitpos z 1 -1 -1 bit
    bitpos z 0 3 100 bit
    bitpos z 1 100
    bitpos z 0 -100 -50
    set ones \\xff\\xff
    bitpos ones 0
    bitpos ones 0 0
    bitpos ones 0 1
    bitpos ones 0 0 -1
    bitpos ones 0 0 -1 byte
    bitpos ones 0 3 bit
    bitpos ones 0 3 15 bit
    bitpos ones 1 3 15 bit
    set zeros \\x00\\x00\\x00
    bitpos zeros 1
    bitpos zeros 0
    bitpos zeros 1 0 -1 bit
    bitpos zeros 0 9 bit
    bitpos nokey 0
    bitpos nokey 1
    bitpos nokey 1 a
    bitpos nokey 0 1 2 3 4
    set e \\e
    bitpos e 0
    bitpos e 1
    bitpos e 0 0 -1
    bitpos z 2
    bitpos z x
    bitpos nokey 2
    bitpos other 2
    bitpos z 1 a
    bitpos z 1 0 a
    bitpos z 1 0 1 nibble
    bitpos z 1 0 1 bit x
    bitpos z 0 a -1 foo
    bitpos other 1
    bitpos other 1 a
    bitpos z
  `),
);

test(
  'BITOP',
  sequence(`
    set a \\xf0\\x0f\\xff
    set b \\x3c
    bitop and d a b
    get d
    bitop or d a b nokey
    get d
    bitop xor d a b
    get d
    bitop XOR d a a
    get d
    bitop not d b
    get d
    bitop Not d a
    get d
    object encoding d
    expire d 100
    bitop and d d
    ttl d
    bitop and d nokey nokey2
    exists d
    bitop and d nokey
    bitop not d a b
    bitop not d
    bitop nand d a
    bitop and d a other
    bitop not d other
    bitop and other a
    type other
    bitop and d
    set e \\e
    bitop or d e
    exists d
  `),
);

test(
  'BITFIELD and BITFIELD_RO',
  sequence(`
    bitfield f set u8 0 255 get u8 0 get i8 0
    bitfield f incrby u8 0 10
    bitfield f overflow sat incrby u8 0 300 incrby u8 0 -1000
    bitfield f overflow fail incrby u8 0 256 get u8 0
    bitfield f set i4 #1 7 incrby i4 #1 1
    bitfield f overflow sat set i4 #1 100 set u4 #1 -1
    bitfield f get u4 #1
    bitfield f overflow wrap set u4 #1 -1 get u4 4
    bitfield f overflow SAT incrby i8 0 -200 incrby i8 0 400 OVERFLOW Wrap incrby i8 0 1
    bitfield f incrby u2 102 1
    strlen f
    get f
    bitfield g set i64 0 -2 get u63 0 incrby i64 0 9223372036854775807
    bitfield g overflow sat incrby i64 0 9223372036854775807 incrby i64 0 -9223372036854775808 incrby i64 0 -9223372036854775808
    bitfield h overflow sat set i1 0 -9223372036854775808 set i8 8 -9223372036854775800 set i8 16 -9223372036854775000 set i63 24 -9223372036854775808
    get h
    bitfield h overflow fail set i8 0 -9223372036854775808 set i8 0 -9223372036854775000
    bitfield h overflow wrap set i8 0 -9223372036854775808
    bitfield k overflow sat incrby i32 #0 -9223372036854775808 incrby i8 #8 -9223372036854775000 incrby i63 #0 -9223372036854775808
    bitfield k overflow sat incrby i32 #0 9223372036854775807 incrby i32 #0 -9223372036854775808 incrby u8 #4 -9223372036854775808
    bitfield k overflow fail incrby i16 #3 -9223372036854775808 overflow wrap incrby i16 #3 -9223372036854775808
    get k
    get h
    bitfield g overflow fail incrby i64 0 -1 set i64 0 9223372036854775807 incrby i64 0 1
    bitfield g set u63 1 9223372036854775807 get i64 0 get u63 1 get i1 0 get u1 63
    bitfield g overflow wrap incrby i64 0 9223372036854775807 incrby u63 0 -1
    bitfield g set i3 100 3 incrby i3 100 1 incrby u3 100 -9 overflow sat incrby i3 100 -9 incrby u3 100 -9
    get g
    object encoding g
    bitfield nokey get u8 100
    exists nokey
    bitfield nokey2 overflow fail incrby u2 0 5
    exists nokey2
    get nokey2
    bitfield f
    bitfield_ro f
    bitfield_ro f get u8 0 get i4 #1
    bitfield_ro nokey get i64 0
    bitfield f get x8 0
    bitfield f get i65 0
    bitfield f get u64 0
    bitfield f get i0 0
    bitfield f get I8 0
    bitfield f get U8 0
    bitfield f get i08 0
    bitfield f get i8 -1
    bitfield f get i8 #-1
    bitfield f get i8 #1000000000000000000
    bitfield f get i64 #288230376151711745
    bitfield f get i64 #9223372036854775807
    bitfield f get i8 4294967296
    bitfield f set i8 0 x
    bitfield f set i8 0 9223372036854775808
    bitfield f overflow maybe
    bitfield f overflow
    bitfield f get i8
    bitfield f set i8 0
    bitfield f incrby i8 0
    bitfield f foo
    bitfield f get i8 0 foo
    bitfield other get i8 0
    bitfield other set i8 0 1
    bitfield other get q8 0
    bitfield_ro f set u8 0 1
    bitfield_ro f incrby u8 0 1
    bitfield_ro f set u8 0 x
    bitfield_ro f get u99 0 set u8 0 1
    bitfield_ro f set i8 0 1 get u99 0
    bitfield_ro f get i8 0 overflow fail
    bitfield_ro other get u8 0
    bitfield_ro other set u8 0 1
    bitfield
    bitfield_ro
  `),
);

test(
  'offset limits follow proto-max-bulk-len',
  sequence(`
    config set proto-max-bulk-len 1mb
    setbit b 8388608 1
    setbit b 8388607 1
    strlen b
    bitfield b get u8 #1048576
    bitfield b get u8 #1048575 get u1 8388607
    bitfield b set u2 8388607 1
    bitpos b 1
    bitcount b
    config set proto-max-bulk-len 512mb
  `),
);

test('WATCH sees bit changes only when bits or lengths change', async (t) => {
  await both(t, async (pair) => {
    await pair.checkAll(
      parseCommands(`
        setbit b 0 1
        watch b
        setbit b 0 1
        bitfield b set u1 0 1 overflow fail incrby u1 0 1
        multi
        get b
        exec
        watch b
        bitfield b set u1 0 1 incrby u1 0 1
        multi
        get b
        exec
        watch b
        setbit b 30 0
        multi
        get b
        exec
      `),
    );
  });
});

// ------------------------------------------------------------------ property-based

const key = fc.constantFrom('a', 'b', 'c');
const offset = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.constantFrom(-1, 200, 1000));
const index = fc.oneof(fc.integer({ min: -12, max: 12 }), fc.constantFrom(-1000, 1000, 9223372036854775807n));
const unit = fc.constantFrom<string[]>([], ['BYTE'], ['BIT'], ['bit']);
const fieldType = fc.oneof(
  fc.tuple(fc.constantFrom('i', 'u'), fc.integer({ min: 1, max: 16 })).map(([s, n]) => `${s}${n}`),
  fc.constantFrom('i32', 'u31', 'i63', 'u63', 'i64', 'u64', 'i65'),
);
const fieldOffset = fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.integer({ min: 0, max: 5 }).map((n) => `#${n}`));
const fieldValue = fc.oneof(
  fc.integer({ min: -300, max: 300 }).map(String),
  fc.constantFrom('9223372036854775807', '-9223372036854775808', '4294967296', '-1'),
);
const fieldOp = fc.oneof(
  fc.tuple(fieldType, fieldOffset).map(([t, o]) => ['GET', t, o]),
  fc.tuple(fieldType, fieldOffset, fieldValue).map(([t, o, v]) => ['SET', t, o, v]),
  fc.tuple(fieldType, fieldOffset, fieldValue).map(([t, o, v]) => ['INCRBY', t, o, v]),
  fc.constantFrom(['OVERFLOW', 'WRAP'], ['OVERFLOW', 'SAT'], ['OVERFLOW', 'FAIL']),
);
const value = fc.oneof(
  fc.constantFrom('', 'foobar', '123', '\xff\x00\xf0'),
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
);

const bitCommand: fc.Arbitrary<Arg[]> = fc.oneof(
  fc.tuple(key, offset, fc.constantFrom('0', '1')).map(([k, o, v]) => ['SETBIT', k, o, v]),
  fc.tuple(key, offset).map(([k, o]) => ['GETBIT', k, o]),
  key.map((k) => ['BITCOUNT', k]),
  fc.tuple(key, index, index, unit).map(([k, s, e, u]) => ['BITCOUNT', k, String(s), String(e), ...u]),
  fc.tuple(key, fc.constantFrom('0', '1')).map(([k, b]) => ['BITPOS', k, b]),
  fc.tuple(key, fc.constantFrom('0', '1'), index).map(([k, b, s]) => ['BITPOS', k, b, String(s)]),
  fc.tuple(key, fc.constantFrom('0', '1'), index, index, unit).map(([k, b, s, e, u]) => ['BITPOS', k, b, String(s), String(e), ...u]),
  fc.tuple(fc.constantFrom('AND', 'OR', 'XOR'), key, fc.array(key, { minLength: 1, maxLength: 3 })).map(([op, d, src]) => ['BITOP', op, d, ...src]),
  fc.tuple(key, key).map(([d, s]) => ['BITOP', 'NOT', d, s]),
  fc.tuple(key, fc.array(fieldOp, { minLength: 0, maxLength: 4 })).map(([k, ops]) => ['BITFIELD', k, ...ops.flat()]),
  fc.tuple(key, fc.array(fc.tuple(fieldType, fieldOffset), { maxLength: 3 })).map(([k, ops]) => ['BITFIELD_RO', k, ...ops.flatMap(([t, o]) => ['GET', t, o])]),
  fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, fc.integer({ min: 0, max: 10 }), value).map(([k, o, v]) => ['SETRANGE', k, String(o), v]),
  key.map((k) => ['DEL', k]),
  key.map((k) => ['OBJECT', 'ENCODING', k]),
  key.map((k) => ['HSET', k, 'f', 'v']),
);

for (const [proto, runs] of [
  [2, 60],
  [3, 25],
] as const) {
  test(`random bitmap command sequences reply like redis-server and leave the same bytes (RESP${proto})`, async (t) => {
    if (servers === undefined) return t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    const pair = await servers.pair(proto);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(bitCommand, { minLength: 1, maxLength: 25 }), async (sequence) => {
          await pair.tidings.call('FLUSHALL');
          await pair.redis.call('FLUSHALL');
          for (const cmd of sequence) {
            await pair.check(cmd);
            for (const k of ['a', 'b', 'c']) await pair.check(['GET', k]);
          }
        }),
        { numRuns: runs },
      );
    } finally {
      pair.close();
    }
  });
}
