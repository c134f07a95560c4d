// Differential tests for string commands: the same commands go to Tidings and to redis-server 7.0
// (RESP2 and RESP3) and the replies are compared byte for byte.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { startDiffServers, type Arg, type CheckOptions, type DiffPair, type DiffServers } from './harness.js';

let servers: DiffServers | undefined;

before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(async () => {
  await servers?.close();
});

/** Commands as space-separated words; `\s` is a space inside a word and `\e` an empty argument. */
function parseCommands(lines: string): Arg[][] {
  return lines
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/ +/).map((w) => (w === '\\e' ? '' : w.replace(/\\s/g, ' '))));
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

const sequence = (text: string, options: CheckOptions = {}) => async (t: TestContext) => {
  await both(t, async (pair) => {
    // A key of another type for WRONGTYPE paths.
    await pair.check(['XADD', 'other', '1-1', 'f', 'v']);
    await pair.checkAll(parseCommands(text), options);
  });
};

test(
  'GET, SET and its options',
  sequence(`
    get nokey
    set k v
    get k
    set k v2 nx
    set k v3 xx
    get k
    set k2 v xx
    set k2 v nx
    set k v get
    set k v4 nx get
    set nokey2 v xx get
    set k v nx xx
    set k v xx nx
    set k v ex 10 px 10
    set k v px 10 exat 10
    set k v keepttl ex 10
    set k v ex 10 keepttl
    set k v ex
    set k v px
    set k v foo
    set k v persist
    set k v ex 0
    set k v ex -1
    set k v ex abc
    set k v px 0
    set k v px -5
    set k v ex 9999999999999999
    set k v px 9223372036854775807
    set k v exat 0
    set k v pxat -1
    set k v ex 100
    ttl k
    set k v2 keepttl
    ttl k
    set k v3
    ttl k
    set k v ex 10 ex 20
    ttl k
    set k v pxat 1
    get k
    exists k
    set k v exat 99999999999
    ttl k
    set other v get
    get other
    set \\e \\e
    get \\e
    set get get get
    get get
    set
    set k
  `),
);

test(
  'SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX',
  sequence(`
    setnx a 1
    setnx a 2
    get a
    setex b 100 v
    ttl b
    setex b 0 v
    setex b -1 v
    setex b abc v
    setex b 9999999999999999 v
    psetex c 100000 v
    ttl c
    psetex c 0 v
    psetex c abc v
    getset a 3
    getset nokey 1
    getset other x
    getdel a
    getdel a
    getdel other
    set e v
    getex e
    getex e ex 100
    ttl e
    getex e px 200000
    ttl e
    getex e exat 99999999999
    ttl e
    getex e persist
    ttl e
    getex e ex 0
    getex e ex -1
    getex e ex abc
    getex e persist ex 1
    getex e ex 1 persist
    getex e ex 1 px 1
    getex e foo
    getex e ex
    getex nokey ex 0
    getex nokey foo
    getex other
    getex other ex 1
    getex e pxat 1
    exists e
    setnx
    setex a 1
  `),
);

test(
  'MGET, MSET, MSETNX',
  sequence(`
    mset a 1 b 2 c 3
    mget a b c nokey other
    mset a
    mset a 1 b
    msetnx a 1 d 4
    get d
    msetnx d 4 e 5
    mget d e
    msetnx x
    msetnx x 1 y
    mset a 1 a 2
    get a
  `),
);

test(
  'APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE',
  sequence(`
    append s hello
    append s \\sworld
    get s
    strlen s
    strlen nokey
    strlen other
    append other x
    getrange s 0 4
    getrange s -5 -1
    getrange s 0 -1
    getrange s 5 3
    getrange s -1 -5
    getrange s 100 200
    getrange s -100 2
    getrange s 0 100
    getrange s a b
    getrange nokey 0 10
    getrange other 0 1
    substr s 1 3
    setrange s 6 WORLD
    get s
    setrange s 20 !
    get s
    strlen s
    setrange s -1 x
    setrange s 0 \\e
    setrange new 0 \\e
    exists new
    setrange new 3 abc
    get new
    setrange s 536870912 x
    setrange s 536870911 x
    setrange s 536870911 \\e
    setrange s 536870910 yz
    getrange s 536870905 -1
    getrange s 0 12
    append s !
    strlen s
    setrange other 0 x
    setrange s abc x
    set e \\e
    getrange e 0 -1
    getrange e -1 0
  `,
    // Growing s to 512 MB can take redis-server several seconds on a loaded machine: a longer wait
    // per reply (the replies are still compared byte for byte).
    { timeoutMs: 120_000 },
  ),
);

test(
  'INCR, DECR, INCRBY, DECRBY and overflow',
  sequence(`
    incr n
    incr n
    decr n
    incrby n 10
    decrby n 20
    incrby n abc
    incrby n 1.5
    incrby n 9223372036854775808
    set big 9223372036854775807
    incr big
    incrby big 0
    set small -9223372036854775808
    decr small
    decrby small 1
    decrby n -9223372036854775808
    incrby n -9223372036854775808
    set n 10
    incrby n 9223372036854775807
    set f 1.5
    incr f
    set sp \\s1
    incr sp
    set lead 01
    incr lead
    set plus +1
    incr plus
    set neg0 -0
    incr neg0
    set long 123456789012345678901
    incr long
    incr other
    set huge 4611686018427387904
    incrby huge 4611686018427387903
    incrby huge 1
    decr
  `),
);

test(
  'INCRBYFLOAT with long double formatting',
  sequence(`
    incrbyfloat f 0.1
    incrbyfloat f 0.2
    incrbyfloat f 3.0
    incrbyfloat f -3.3
    incrbyfloat f 1e-17
    incrbyfloat f 5e-18
    incrbyfloat g 1.23456789012345678901
    incrbyfloat h 10
    incrbyfloat h 1.5e3
    incrbyfloat h -1500.5
    set big 1e308
    incrbyfloat big 1e308
    incrbyfloat z 1e4000
    incrbyfloat y 0x1p3
    set hex 0x10
    incrbyfloat hex 1
    incrbyfloat q 1.0e
    incrbyfloat q nan
    incrbyfloat q inf
    incrbyfloat q -inf
    incrbyfloat q abc
    incrbyfloat q \\e
    incrbyfloat q \\s1
    set bad abc
    incrbyfloat bad 1
    set ten 10.50
    incrbyfloat ten 0
    set neg0 -0
    incrbyfloat neg0 -0
    incrbyfloat w -1e-20
    incrbyfloat under 1e-99999
    incrbyfloat over 1e99999
    incrbyfloat other 1
    set i 5
    incrbyfloat i 2
    incr i
    incrbyfloat m 1e18
    incrbyfloat m 1
    incrbyfloat p 2.5e-17
    incrbyfloat p2 0.000000000000000015
    incrbyfloat r 123456789.123456789
    incrbyfloat r 0.000000001
    incrbyfloat t 7
    incrbyfloat t -7
  `),
);

test(
  'LCS',
  sequence(`
    mset k1 ohmytext k2 mynewtext
    lcs k1 k2
    lcs k1 k2 len
    lcs k1 k2 idx
    lcs k1 k2 idx minmatchlen 4
    lcs k1 k2 idx withmatchlen
    lcs k1 k2 idx minmatchlen 2 withmatchlen
    lcs k1 k2 len idx
    lcs k1 k2 foo
    lcs k1 k2 minmatchlen
    lcs k1 k2 minmatchlen abc
    lcs k1 nokey
    lcs nokey nokey2 idx
    lcs k1 other
    lcs k1
    mset a abcabcabc b bcaacbbc
    lcs a b idx withmatchlen
    mset c aaaa d aa
    lcs c d idx withmatchlen
    lcs d c idx withmatchlen
  `),
);

test('LCS on random strings matches', async (t) => {
  await both(t, async (pair) => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const word = () => {
      let s = '';
      const n = Math.floor(rand() * 12);
      for (let i = 0; i < n; i++) s += 'abc'[Math.floor(rand() * 3)];
      return s;
    };
    for (let i = 0; i < 30; i++) {
      await pair.check(['MSET', 'x', word(), 'y', word()]);
      await pair.check(['LCS', 'x', 'y']);
      await pair.check(['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN']);
    }
  });
});

test(
  'OBJECT ENCODING and REFCOUNT of strings',
  sequence(`
    set a 123
    object encoding a
    object refcount a
    set a 12345
    object refcount a
    set b 12345678901234567890
    object encoding b
    set c 9223372036854775807
    object encoding c
    append c 1
    object encoding c
    incr a
    object encoding a
    incrbyfloat a 1
    object encoding a
    setrange n 0 ab
    object encoding n
    set e \\e
    object encoding e
    set r 0123
    object encoding r
    set m -1
    object encoding m
    set s 1
    append s 2
    object encoding s
    incr s
    object encoding s
    append new 123
    object encoding new
    append new2 abc
    object encoding new2
    set long 123456789012345678901234567890123456789012345
    object encoding long
    set l44 12345678901234567890123456789012345678901234
    object encoding l44
    setrange l44 0 x
    object encoding l44
    getset g 7
    object encoding g
  `),
);

test('binary-safe values', async (t) => {
  await both(t, async (pair) => {
    const bin = Buffer.from([0, 1, 2, 255, 13, 10, 0x80, 0xc3]);
    await pair.check(['SET', bin, bin]);
    await pair.check(['GET', bin]);
    await pair.check(['APPEND', bin, bin]);
    await pair.check(['GETRANGE', bin, '2', '9']);
    await pair.check(['SETRANGE', bin, '3', Buffer.from([0xff, 0xfe])]);
    await pair.check(['GET', bin]);
    await pair.check(['STRLEN', bin]);
    await pair.check(['MGET', bin, 'x']);
  });
});

test('PSETEX and SUBSTR with deterministic replies', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['PSETEX', 'k', '100000', 'hello']);
    await pair.check(['TTL', 'k']);
    await pair.check(['PSETEX', 'k', '0', 'v']);
    await pair.check(['PSETEX', 'k', 'x', 'v']);
    await pair.check(['SUBSTR', 'k', '1', '3']);
    await pair.check(['SUBSTR', 'k', '-3', '-1']);
    await pair.check(['SUBSTR', 'nokey', '0', '1']);
    await pair.check(['SUBSTR', 'k', 'a', '1']);
  });
});

test('counters look their key up for writing: no keyspace hit or miss is counted', async (t) => {
  await both(t, async (pair) => {
    const stats = (v: unknown) => {
      const text = String((v as { value: Buffer | string }).value);
      const lines = text.split('\r\n').filter((l) => l.startsWith('keyspace_'));
      assert.equal(lines.length, 2, 'INFO stats has keyspace_hits and keyspace_misses');
      return lines;
    };
    await pair.check(['CONFIG', 'RESETSTAT']);
    await pair.checkAll(
      parseCommands(`
        incr n
        incr n
        decr n
        incrby n 10
        decrby n 3
        incrby missing 5
        incrbyfloat f 1.5
        incrbyfloat f 2
        incrby n 9223372036854775800
        set s abc
        incr s
        incr other
      `),
    );
    await pair.check(['INFO', 'stats'], { normalize: stats });
    // And a read still counts, for comparison.
    await pair.check(['GET', 'n']);
    await pair.check(['GET', 'nope']);
    await pair.check(['INFO', 'stats'], { normalize: stats });
  });
});
