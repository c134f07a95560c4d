// Differential tests for keyspace and expiry commands against redis-server 7.0 (RESP2 and RESP3).
// KEYS and SCAN replies are compared unordered: their order is implementation-defined.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startDiffServers, render, type Arg, type DiffPair, type DiffServers } from './harness.js';
import { plain } from '../helpers/resp.js';
import { skipLoudly } from '../helpers/servers.js';

let servers: DiffServers | undefined;

/** Commands as space-separated words; `\s` is a space inside a word and `\e` an empty argument. */
function parseCommands(lines: string): Arg[][] {
  return lines
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/ +/).map((w) => (w === '\\e' ? '' : w.replace(/\\s/g, ' '))));
}

before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(async () => {
  await servers?.close();
});

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

const sequence = (text: string, unordered = false) => async (t: TestContext) => {
  await both(t, async (pair) => {
    await pair.checkAll(parseCommands(text), { unordered });
  });
};

test(
  'DEL, UNLINK, EXISTS, TYPE, TOUCH',
  sequence(`
    mset a 1 b 2 c 3
    zadd z 1 m
    xadd x 1-1 f v
    exists a b nokey a
    type a
    type z
    type x
    type nokey
    touch a b nokey
    del a nokey a
    unlink b c nokey
    exists a b c
    del z x
    del
    exists
    type
  `),
);

test(
  'RENAME and RENAMENX',
  sequence(`
    set a 1
    rename a b
    get a
    get b
    rename nokey x
    renamenx nokey x
    rename b b
    renamenx b b
    set c 3
    renamenx b c
    rename b c
    get c
    set t v ex 100
    rename t t2
    ttl t2
    set t3 v
    pexpire t3 100000
    renamenx t3 t4
    ttl t4
    zadd z 1 a
    rename z c
    type c
    rename a
  `),
);

test(
  'KEYS with patterns',
  sequence(
    `
    mset hello 1 hallo 2 hxllo 3 hllo 4 heeeello 5 h*llo 6 a[b 7 x\\sy 8
    keys *
    keys h?llo
    keys h*llo
    keys h[ae]llo
    keys h[^e]llo
    keys h[a-b]llo
    keys h\\*llo
    keys a[b
    keys nothing*
    keys x?y
    keys
  `,
    true,
  ),
);

test(
  'SCAN options and errors',
  sequence(
    `
    mset k1 1 k2 2 k3 3 other 4
    zadd z 1 a
    scan 0 count 1000
    scan 0 count 1000 match k*
    scan 0 count 1000 type string
    scan 0 count 1000 type STRING
    scan 0 count 1000 type zset
    scan 0 count 1000 type foo
    scan 0 count 1000 match k* type string
    scan abc
    scan \\s0
    scan 18446744073709551616
    scan 0 count 0
    scan 0 count -1
    scan 0 count abc
    scan 0 match
    scan 0 type
    scan 0 foo bar
    scan
  `,
    true,
  ),
);

test('SCAN iterates every key exactly as the key set on both servers', async (t) => {
  await both(t, async (pair) => {
    const keys: string[] = [];
    for (let i = 0; i < 300; i++) keys.push(`key:${i}`, String(i));
    await pair.check(['MSET', ...keys]);
    for (const [server, client] of [
      ['tidings', pair.tidings],
      ['redis', pair.redis],
    ] as const) {
      const seen = new Set<string>();
      let cursor = '0';
      do {
        const reply = plain(await client.callRaw('SCAN', cursor, 'COUNT', '17')) as [string, string[]];
        cursor = reply[0];
        for (const k of reply[1]) seen.add(k);
      } while (cursor !== '0');
      assert.equal(seen.size, 300, `${server} SCAN saw every key`);
    }
  });
});

test(
  'RANDOMKEY, MOVE, COPY',
  sequence(`
    randomkey
    set a 1
    randomkey
    move a 1
    exists a
    select 1
    get a
    move a 0
    select 0
    move a 0
    move a 99
    move a -1
    move a abc
    set b 2
    select 1
    set b other
    select 0
    move b 1
    get b
    move nokey 1
    set t v ex 100
    move t 2
    select 2
    ttl t
    select 0
    set src hello
    copy src dst
    get dst
    copy src dst
    copy src dst replace
    copy src src
    copy src src db 0
    copy src src db 1
    select 1
    get src
    select 0
    copy src x db 99
    copy src x db abc
    copy src x db
    copy src x foo
    copy nokey x
    set e v px 100000
    copy e e2
    ttl e2
    zadd z 1 a 2 b
    copy z z2
    zrange z2 0 -1 withscores
    xadd s 1-1 f v
    copy s s2
    xrange s2 - +
    xadd s2 2-1 f v
    xlen s
    xlen s2
    xgroup create s g 0
    xreadgroup group g c1 count 1 streams s >
    copy s s3
    xinfo groups s3
    xpending s3 g
    xack s3 g 1-1
    xpending s g
    copy src
  `),
);

test(
  'SWAPDB',
  sequence(`
    set a db0
    select 1
    set a db1
    set b only1
    select 0
    swapdb 0 1
    get a
    get b
    select 1
    get a
    select 0
    swapdb 0 0
    swapdb 0 99
    swapdb abc 0
    swapdb 0 abc
    swapdb -1 0
  `),
);

test(
  'EXPIRE family: options, errors and TTL replies',
  sequence(`
    set k v
    ttl k
    pttl k
    expiretime k
    pexpiretime k
    ttl nokey
    pttl nokey
    expiretime nokey
    pexpiretime nokey
    expire k 100
    ttl k
    expire k 200 nx
    expire k 200 xx
    ttl k
    expire k 100 gt
    expire k 300 gt
    ttl k
    expire k 400 lt
    expire k 50 lt
    ttl k
    persist k
    persist k
    persist nokey
    ttl k
    expire k 100 xx
    expire k 100 gt
    expire k 100 lt
    ttl k
    expire k 100 nx
    expire k 10 nx xx
    expire k 10 nx gt
    expire k 10 gt lt
    expire k 10 foo
    expire k abc
    expire k abc foo
    expire k 10 NX XX
    expire k 9223372036854775807
    expire k -9223372036854775808
    pexpire k 9223372036854775807
    expireat k 9223372036854775807
    pexpireat k 9223372036854775807
    pexpire k 100000
    expireat k 99999999999
    ttl k
    pexpireat k 99999999999000
    ttl k
    pexpireat k 99999999999499
    expiretime k
    pexpiretime k
    pexpireat k 99999999999500
    expiretime k
    expire nokey 10
    set d v
    expire d -1
    exists d
    set d v
    pexpire d 0
    exists d
    set d v
    expireat d 1
    exists d
    set d v
    pexpireat d 1
    exists d
    set d v
    expire d 0 gt
    exists d
    expire
    expire k
    ttl
  `),
);

test('OBJECT and MEMORY subcommands', async (t) => {
  await both(t, async (pair) => {
    await pair.checkAll(
      parseCommands(`
        set k v
        object encoding nokey
        object refcount nokey
        object idletime nokey
        object freq nokey
        object foo k
        object help
        object help extra
        object
        object encoding
        object freq k
        memory usage nokey
        memory usage k samples -1
        memory usage k samples abc
        memory usage k foo
        memory help
        memory foo
        memory purge
        zadd z 1 a
        object encoding z
        xadd x 1-1 f v
        object encoding x
      `),
    );
    // Values that depend on the machine: compare the reply types only.
    for (const cmd of [
      ['OBJECT', 'IDLETIME', 'k'],
      ['OBJECT', 'REFCOUNT', 'k'],
      ['MEMORY', 'USAGE', 'k'],
      ['MEMORY', 'USAGE', 'k', 'SAMPLES', '0'],
      ['MEMORY', 'STATS'],
      ['MEMORY', 'DOCTOR'],
    ]) {
      await pair.check(cmd, { normalize: (v) => v.type });
    }
    await pair.check(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu']);
    await pair.check(['OBJECT', 'IDLETIME', 'k']);
    await pair.check(['OBJECT', 'FREQ', 'k'], { normalize: (v) => v.type });
    await pair.check(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
  });
});

test('OBJECT ENCODING of hashes, sets and lists at the thresholds, and of their copies', async (t) => {
  if (servers === undefined) return t.skip('redis-server is not installed');
  const probe = await servers.tidings.connect();
  const available = plain(await probe.callRaw('COMMAND', 'INFO', 'hset', 'sadd', 'rpush')) as unknown[];
  probe.close();
  if (available.some((x) => x === null)) {
    skipLoudly(t, 'HSET/SADD/RPUSH are not in Tidings yet (hash, set, list groups)');
    return;
  }
  await both(t, async (pair) => {
    await pair.check(['CONFIG', 'SET', 'hash-max-listpack-entries', '4']);
    await pair.check(['CONFIG', 'SET', 'hash-max-listpack-value', '8']);
    await pair.check(['CONFIG', 'SET', 'set-max-intset-entries', '4']);
    await pair.checkAll(
      parseCommands(`
        hset h a 1 b 2 c 3 d 4
        object encoding h
        hset h e 5
        object encoding h
        hdel h e
        object encoding h
        hset h2 a 123456789
        object encoding h2
        hset h3 a 12345678
        object encoding h3
        sadd s 1 2 3 4
        object encoding s
        sadd s 5
        object encoding s
        srem s 5
        object encoding s
        sadd s2 1 a
        object encoding s2
        sadd s3 -5 9223372036854775807
        object encoding s3
        sadd s4 9223372036854775808
        object encoding s4
        rpush l a
        object encoding l
        # COPY duplicates the value as it is: a converted container stays converted in the copy.
        copy s s5
        object encoding s5
        scard s5
        copy h h4
        object encoding h4
        hlen h4
        sadd s6 1 x
        srem s6 x
        copy s6 s7
        object encoding s7
        copy h3 h5
        object encoding h5
      `),
    );
    await pair.check(['CONFIG', 'SET', 'hash-max-listpack-entries', '128']);
    await pair.check(['CONFIG', 'SET', 'hash-max-listpack-value', '64']);
    await pair.check(['CONFIG', 'SET', 'set-max-intset-entries', '512']);
  });
});

test('keyspace notifications of generic commands', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn']);
    const [subT, subR] = [await servers!.tidings.connect(), await servers!.redis.connect()];
    try {
      await subT.call('PSUBSCRIBE', '__key*__:*');
      await subR.call('PSUBSCRIBE', '__key*__:*');
      const commands = parseCommands(`
        set a 1
        expire a 100
        persist a
        rename a b
        copy b c
        move c 1
        incr n
        incrby n 2
        incrbyfloat n 1.5
        append b x
        setrange b 0 y
        getex b ex 100
        getex b persist
        setex e 100 v
        mset m1 1 m2 2
        getset m1 3
        getdel m1
        expire m2 0
        del b n nokey
        set z 1 px 100000
        unlink z
      `);
      for (const cmd of commands) await pair.check(cmd);
      await pair.check(['PING']);
      // Collect what arrived on each side, and compare the sequences.
      const drain = async (c: typeof subT) => {
        const out: unknown[] = [];
        while (!(await c.silentFor(100))) {
          const f = await c.read();
          out.push(render(f));
        }
        return out;
      };
      const [eventsT, eventsR] = await Promise.all([drain(subT), drain(subR)]);
      assert.deepEqual(eventsT, eventsR);
      assert.ok(eventsR.length > 40);
    } finally {
      subT.close();
      subR.close();
      await pair.check(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }
  });
});

test('keymiss notifications (the m class) follow the same reads as Redis', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['CONFIG', 'SET', 'notify-keyspace-events', 'KEm']);
    const [subT, subR] = [await servers!.tidings.connect(), await servers!.redis.connect()];
    try {
      await subT.call('PSUBSCRIBE', '__key*__:*');
      await subR.call('PSUBSCRIBE', '__key*__:*');
      const commands = parseCommands(`
        get nokey1
        set k v
        get k
        strlen nokey2
        hget nohash f
        hgetall nohash2
        lrange nolist 0 -1
        llen nolist2
        smembers noset
        zrange nozset 0 -1
        xrange nostream - +
        exists nokey3
        type nokey4
        ttl nokey5
        mget k nokey6 nokey7
        getrange nokey8 0 1
        object encoding nokey9
        pttl nokey10
        expiretime nokey11
        touch nokey12
        memory usage nokey13
        getex nokey14
        getdel nokey15
        scard noset2
        zscore noz m
        hexists noh f
        sismember nos m
        lindex nol 0
        xlen nox
        zcard noz2
        hlen noh2
        lpos nol2 a
        zrank noz3 m
        hstrlen noh3 f
        srandmember nos2
        hrandfield noh4
        zrandmember noz4
        smismember nos3 a
        zmscore noz5 a
        sintercard 1 nos4
        sunion nos5
        lcs nok16 nok17
        copy nokey18 x
        rename nokey19 y
      `);
      for (const cmd of commands) await pair.check(cmd, { normalize: (v) => (v.type === 'error' ? 'error' : render(v)) });
      await pair.check(['PING']);
      const drain = async (c: typeof subT) => {
        const out: unknown[] = [];
        while (!(await c.silentFor(100))) out.push(render(await c.read()));
        return out;
      };
      const [eventsT, eventsR] = await Promise.all([drain(subT), drain(subR)]);
      assert.deepEqual(eventsT, eventsR);
      assert.ok(eventsR.length > 10);
    } finally {
      subT.close();
      subR.close();
      await pair.check(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }
  });
});

test('maxmemory below what the server needs: OOM for writes that may grow memory, under every policy', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['SET', 'a', '1']);
    try {
      for (const policy of ['noeviction', 'allkeys-lru', 'volatile-ttl']) {
        await pair.checkAll(
          parseCommands(`
            config set maxmemory-policy ${policy}
            config set maxmemory 1
            set b 2
            append a x
            incr n
            config set maxmemory 0
            get b
          `),
        );
      }
      await pair.checkAll(
        parseCommands(`
          config set maxmemory-policy noeviction
          set a 1
          config set maxmemory 1
          get a
          exists a
          expire a 100
          persist a
          del a
          config set maxmemory 0
        `),
      );
    } finally {
      await pair.check(['CONFIG', 'SET', 'maxmemory', '0']);
      await pair.check(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    }
  });
});

test('RANDOMKEY, PEXPIRE and PTTL with deterministic replies', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['RANDOMKEY']);
    await pair.check(['SET', 'only', 'v']);
    await pair.check(['RANDOMKEY']);
    await pair.check(['PTTL', 'only']);
    await pair.check(['PTTL', 'nokey']);
    await pair.check(['PEXPIRE', 'nokey', '100']);
    await pair.check(['PEXPIRE', 'only', '100000', 'NX']);
    await pair.check(['PEXPIRE', 'only', '100000', 'NX']);
    await pair.check(['PEXPIRE', 'only', 'abc']);
    await pair.check(['PEXPIRE', 'only', '-1']);
    await pair.check(['PTTL', 'only']);
  });
});
