// Differential tests for sorted sets: the same commands go to Tidings and to redis-server 7.0, in
// RESP2 and RESP3, and the replies are compared byte for byte. Random replies (ZRANDMEMBER) and
// large-set ZSCAN (whose cursor is implementation-defined) are compared by their invariants.
// Two fast-check properties run random command sequences against both servers.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startDiffServers, type Arg, type DiffPair, type DiffServers } from './harness.js';
import { plain, type RespValue } from '../helpers/resp.js';

let servers: DiffServers | undefined;
let skipped = false;

before(async (t) => {
  servers = await startDiffServers(t as never);
  skipped = servers === undefined;
});
after(async () => {
  await servers?.close();
});

/** Commands written as space-separated words; `\s` is a space and `\e` an empty argument. */
function parse(lines: string): Arg[][] {
  return lines
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(' ').map((w) => (w === '\\e' ? '' : w.replace(/\\s/g, ' '))));
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

const sequence = (text: string) => async (t: TestContext) => {
  await both(t, async (pair) => {
    // A non-zset key for WRONGTYPE paths (XADD with an explicit ID replies the same everywhere).
    await pair.check(['XADD', 'str', '1-1', 'f', 'v']);
    await pair.checkAll(parse(text));
  });
};

test(
  'ZADD, ZINCRBY and score parsing',
  sequence(`
    zadd z 1 a 2 b 3 c
    zadd z nx xx 1 a
    zadd z gt lt 1 a
    zadd z gt nx 1 a
    zadd z lt nx 1 a
    zadd z incr 1 a 2 b
    zadd z 1
    zadd z 1 a 2
    zadd z foo a
    zadd z xx incr 1 nope
    zadd z gt xx ch 5 a
    zadd z ch ch 2 a 3 a
    zadd z 1 a nx 2 b
    zadd z nx 10 a 10 new
    zadd z xx 11 a 11 new2
    zadd z gt ch 1 a 100 b 4 c2
    zadd z lt ch 1 a 100 b
    zadd z lt incr 5 a
    zadd z gt incr -5 a
    zadd z incr 0 a
    zincrby z foo a
    zincrby z nx a
    zincrby z nan a
    zincrby z 0.1 a
    zincrby z 1e308 big
    zincrby z 1e308 big
    zadd z inf a
    zincrby z -inf a
    zadd z incr -inf a
    zscore z a
    zadd z 0.1 p -0 q 1e300 r 5e-324 s 123456789012345678 t 1e-300 u
    zadd z 1e400 x
    zadd z 1e-400 x
    zadd z \\s1 x
    zadd z 1\\s x
    zadd z \\e x
    zadd z 0x10 hx
    zadd z 0x1p3 hx2
    zadd z 0x1.8p1 hx3
    zadd z .5 d1
    zadd z 5. d2
    zadd z +5 d3
    zadd z 1e d4
    zadd z infinity d5
    zadd z -INF d6
    zadd z nan d7
    zadd z 1_000 d8
    zadd z 0x10p-1078 sub
    zadd z 0x1p-1075 sub2
    zadd z 0x1p1024 big
    zadd z 0x.8p1 half
    zrange z 0 -1 withscores
    zadd str 1 a
    zincrby str 1 a
    zadd nokey xx 1 a
    zadd nokey xx incr 1 a
    zcard nokey
  `),
);

test(
  'ZRANGE and the legacy range commands',
  sequence(`
    zadd z 1 a 2 b 3 c 4 d 5 e
    zrange z 0 -1 withscores
    zrange z -2 100
    zrange z 3 1
    zrange z -100 -4
    zrange z 0 -1 bylex
    zrange z - + bylex withscores
    zrange z (1 3 byscore limit 1
    zrange z 0 -1 limit 0 1
    zrange z 0 -1 limit 5 -1
    zrange z 0 -1 byscore bylex
    zrange z 0 -1 rev rev
    zrange z 0 -1 foo
    zrange z a b
    zrange z 0 -1 rev withscores
    zrange z 3 1 byscore rev withscores
    zrange z + - bylex rev limit 1 2
    zrange z 0 1 byscore limit 0 -1
    zrange z 0 10 byscore limit -1 5
    zrange z 0 10 byscore limit 5 5
    zrange z 0 10 byscore limit 1 x
    zrange z 0 10 byscore limit 1 0
    zrange z 0 -1 withscores withscores
    zrange z 0 -1 limit
    zrange z 0 -1 limit 1
    zrangebyscore z a b
    zrangebyscore z 1 2 withscores limit 0
    zrangebyscore z -inf +inf limit 1 1 withscores
    zrangebyscore z 1 5 limit 0 1 limit 1 1
    zrangebyscore z 0 10 limit 1 1 rev
    zrangebyscore z \\e \\e
    zrangebyscore z \\s0 (2
    zrangebyscore z ( 2
    zrangebyscore z 1e400 inf
    zrangebyscore z -1e400 0x2
    zrangebyscore z (1 (1
    zrangebyscore z 5 1
    zrevrangebyscore z inf -inf withscores limit 2 3
    zrevrangebyscore z (3 (0 withscores
    zrevrangebyscore z 1 5
    zrangebylex z a b
    zrangebylex z - + withscores
    zrevrange z 0 -1 withscores
    zrevrange z 1 -2
    zrevrange z 0 -1 byscore
    zadd l 0 a 0 b 0 c 0 d 0 e
    zrangebylex l (a [c
    zrangebylex l [a (c limit 0 1
    zrangebylex l - + limit -1 1
    zrangebylex l - + limit 10 1
    zrangebylex l - + limit 2 -1
    zrangebylex l (b (b
    zrangebylex l [b [b
    zrangebylex l [c [b
    zrangebylex l - -
    zrangebylex l + +
    zrangebylex l + -
    zrangebylex l a +
    zrangebylex l ++ +
    zrangebylex l \\e +
    zrangebylex l ( +
    zrangebylex l [ (a
    zrevrangebylex l (c -
    zrevrangebylex l + - limit 1 2
    zrevrangebylex l [c [a withscores
    zrange nokey 0 1 bylex
    zrange nokey 0 1 byscore
    zrange nokey a b
    zrange str 0 1
    zrange str a b
    zrangebyscore str 0 1
    zrangebylex str - +
    zrevrange str 0 1
  `),
);

test(
  'lex ranges over members with different scores',
  sequence(`
    zadd t 1 c 2 a 3 b
    zrangebylex t [a [b
    zrangebylex t [b +
    zlexcount t [b +
    zlexcount t [a [b
    zrevrangebylex t [b [a
    zrevrangebylex t + [b
    zrangebylex t - + limit 1 1
    zrevrangebylex t + - limit 1 5
    zrange t [c [a bylex rev
    zremrangebylex t [b +
    zrange t 0 -1
    zadd m 5 m1 3 m2 8 m3 1 m4 9 m5 2 m6
    zrangebylex m [m2 [m5
    zrevrangebylex m [m5 [m2
    zlexcount m [m2 [m5
    zremrangebylex m [m2 [m5
    zrange m 0 -1
  `),
);

test(
  'ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT, ZREM',
  sequence(`
    zadd z 1 a 2 b 3 c -0 d
    zcard z
    zcard str
    zcard nokey
    zscore z d
    zscore z nope
    zscore nokey a
    zscore str a
    zmscore z a nope b
    zmscore nokey a
    zmscore str a
    zrank z a
    zrank z nope
    zrevrank z a
    zrank nokey a
    zrank str a
    zrank z a withscore
    zcount z -inf inf
    zcount z (1 (3
    zcount z x 1
    zcount str x 1
    zcount str 0 1
    zcount nokey 0 1
    zlexcount z - +
    zlexcount z x y
    zlexcount str - +
    zlexcount nokey [a [b
    zrem z nope a b
    zrem str a
    zrem nokey a
    zrem z c d
    zcard z
  `),
);

test(
  'ZRANGESTORE and ZREMRANGEBY*',
  sequence(`
    zadd z 1 a 2 b 3 c 4 d 5 e
    zrangestore d z 0 -1 withscores
    zrangestore d z 0 -1
    zrange d 0 -1 withscores
    zrangestore d z 0 -1 limit 0 1
    zrangestore d z (1 (1 byscore
    zcard d
    zrangestore d z 5 (2 byscore rev limit 1 2
    zrange d 0 -1 withscores
    zrangestore d z [c - bylex rev
    zrange d 0 -1
    zrangestore d nokey 0 0
    zcard d
    zrangestore str z 0 0
    zrange str 0 -1 withscores
    zrangestore d str 0 0
    zrangestore d z a b
    xadd stream 1-1 f v
    zrangestore d stream 0 1
    zremrangebyrank z x 1
    zremrangebyrank z 0 x
    zremrangebyrank nokey 0 1
    zremrangebyrank z 10 20
    zremrangebyrank z -2 -1
    zremrangebyrank z -100 0
    zrange z 0 -1 withscores
    zremrangebyscore z x 1
    zremrangebyscore z (2 (2
    zremrangebyscore z (2 3
    zremrangebyscore z -inf inf
    zcard z
    zremrangebyscore stream 0 1
    zadd l 0 a 0 b 0 c 0 d 0 e 0 f
    zremrangebylex l x y
    zremrangebylex l [b (d
    zrange l 0 -1
    zremrangebylex l - (a
    zremrangebylex l + -
    zremrangebylex l - +
    zcard l
  `),
);

test(
  'ZPOPMIN, ZPOPMAX, ZMPOP',
  sequence(`
    zadd z 1 a 2 b 3 c 4 d
    zpopmin z -1
    zpopmin z 0
    zpopmin z x
    zpopmin z 1 2
    zpopmin nokey
    zpopmin nokey 2
    zpopmin z
    zpopmax z
    zpopmin z 1
    zadd z 1 a 2 b 3 c 4 d
    zpopmax z 2
    zpopmin z 10
    zcard z
    zpopmin str
    zpopmin str 0
    zpopmin str x
    zadd z 1 a 2 b 3 c 4 d
    zmpop 0 z min
    zmpop -1 z min
    zmpop x z min
    zmpop 2 z min
    zmpop 1 z foo
    zmpop 1 z min count 0
    zmpop 1 z min count -1
    zmpop 1 z min count x
    zmpop 1 z min count 1 count 2
    zmpop 1 z min foo
    zmpop 1 nokey min
    zmpop 2 nokey z max count 2
    zmpop 1 z min
    zmpop 1 z max count 10
    zmpop 1 z
    zmpop 1000000000000 z min
    zmpop 2 z x min
    zmpop 1 str min
  `),
);

test(
  'BZPOPMIN, BZPOPMAX, BZMPOP that do not block, and their errors',
  sequence(`
    zadd z 1 a 2 b 3 c 4 d 5 e
    bzpopmin nokey z 0
    bzpopmax nokey z 0
    bzmpop 0 2 nokey z min count 2
    bzmpop 0 1 z max
    bzpopmin z -1
    bzpopmin z x
    bzpopmin z 1e100
    bzpopmin z inf
    bzmpop x 1 z min
    bzmpop -1 1 z min
    bzmpop 0.01 0 z min
    bzmpop 0.01 1 z foo
    bzmpop 0 1 z min count 0
    bzpopmin nokey str 0
    bzmpop 0 2 nokey str min
    zadd w 1 a 2 b 3 c 4 d 5 e 6 f
    bzpopmin w 1e-400
    bzpopmin w 1e5000
    bzpopmin w 1e-5000
    bzpopmin w 1e4000
    bzpopmin w 0x1p-20000
    bzpopmin w 0x1p-16000
    bzpopmin w 0x1p16000
    bzpopmin w \\s1
    bzpopmin w 1\\s
    bzpopmin w 9.3e15
    bzpopmin w 9.2e15
    bzpopmin nokey 0.01
    bzpopmax nokey 0.01
    bzmpop 0.01 1 nokey min
    multi
    bzpopmin nokey 0
    bzmpop 0 1 nokey max
    zadd q 1 x
    bzpopmax q 0
    exec
  `),
);

test(
  'ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD',
  sequence(`
    zadd z 1 a 2 b 3 c
    zadd y 10 b 20 c 30 d
    zunionstore d 0 z
    zunionstore d -1 z
    zunionstore d x z
    zunionstore d 3 z y
    zunionstore d 2 z y weights 1
    zunionstore d 2 z y weights 1 x
    zunionstore d 2 z y weights 1 nan
    zunionstore d 2 z y aggregate foo
    zunionstore d 2 z y withscores
    zunion 2 z y withscores
    zinter 2 z y withscores
    zdiff 2 z y withscores
    zdiff 2 y z
    zunion 2 z y weights 2 0.5 aggregate max withscores
    zunion 2 z y weights 2 0.5 aggregate min withscores
    zinter 2 z y weights 2 0.5 aggregate min withscores
    zinter 0 z
    zdiff 0 z
    zintercard 0 z
    zunionstore d 2 z y foo
    zunion 2 z y aggregate sum aggregate min withscores
    zunion 2 z y weights 1 1 weights 2 2 withscores
    zdiffstore d 2 z y weights 1 1
    zdiff 2 z y withscores aggregate min
    zunion 1 z weights inf withscores
    zunion 2 z y weights inf -inf withscores
    zunion 1 z weights -1 withscores
    zadd zero 0 a
    zunion 1 zero weights -1 withscores
    zunion 1 zero weights inf withscores
    zunionstore d 1 zero weights -1
    zrange d 0 -1 withscores
    zintercard 2 z y
    zintercard 2 z y limit 1
    zintercard 2 z y limit -1
    zintercard 2 z y limit x
    zintercard 2 z y limit 0
    zintercard 2 z y foo
    zintercard 3 z y
    zintercard x z y
    zintercard -1 z
    zintercard 2 z nokey
    zintercard 2 z str
    zunion 2 z str
    zunion 2 nokey str
    zinter 2 nokey str
    zinterstore d 2 nokey str
    zunion 2 nokey nokey2
    zinter 2 z nokey withscores
    zunionstore d 1 nokey
    zcard d
    zunionstore d 2 z y
    zrange d 0 -1 withscores
    zinterstore d 2 z y
    zrange d 0 -1 withscores
    zdiffstore d 2 z y
    zrange d 0 -1 withscores
    zunionstore str 1 z
    zrange str 0 -1 withscores
    zinterstore z 2 z y
    zrange z 0 -1 withscores
    zdiffstore z 2 y nokey
    zunion 1 z withscores withscores
    zinter 2 z y aggregate max withscores
    zunionstore d 2 z y weights 1 2 aggregate max
    zrange d 0 -1 withscores
    zinter 3 z y d weights 1 2 3 withscores
  `),
);

test(
  'ZRANDMEMBER errors and deterministic cases, ZSCAN on small sets',
  sequence(`
    zadd lx 0 a 0 b 0 c 0 d
    zrandmember nokey
    zrandmember nokey 5
    zrandmember nokey 5 withscores
    zrandmember lx x
    zrandmember lx 0
    zrandmember lx 1 foo
    zrandmember lx 1 withscores foo
    zrandmember lx -9223372036854775808
    zrandmember lx -9223372036854775807 withscores
    zrandmember lx -4611686018427387904 withscores
    zrandmember nokey -9223372036854775808 withscores
    zrandmember lx 99999999999999999999
    zrandmember lx 10
    zrandmember lx 4 withscores
    zrandmember str
    zrandmember str 0
    zadd one 7 only
    zrandmember one
    zrandmember one -3 withscores
    zrandmember one 1 withscores
    zadd r 3 c 1 a 2 b 5 e 4 d
    zrandmember r 5
    zrandmember r 10 withscores
    zscan lx x
    zscan lx -1
    zscan lx 0 count 0
    zscan lx 0 count x
    zscan lx 0 type string
    zscan lx 0 match
    zscan lx 0 foo bar
    zscan nokey 0
    zscan nokey 0 count 0
    zscan nokey x
    zscan str 0 count 0
    zscan str x
    zscan lx 18446744073709551615
    zscan lx 18446744073709551616
    zscan lx 0 novalues
    zscan lx 0 match *a* count 1
    zscan lx 1
    zscan lx \\e
    zscan lx \\s1
    zscan lx +1
    zadd lp 0.1 a 1e300 b 123456789012345678 c 1e15 d -0 e 1.5 f 3 g 1e-300 h 100000000000000000000 i 5e-324 j
    zadd lp 4611686018427387904 k 6917529027641081856 l -4611686018427387904 m 9007199254740993 n -6917529027641081856 o
    zscan lp 0
    zscan lp 0 match [a-c]
    zrange lp 0 -1 withscores
    zadd lp -0 e
    zincrby lp -0 e
    zscore lp e
    zadd neg 1 a
    zadd neg -0 a
    zscore neg a
  `),
);

test(
  'with other types: set inputs, WRONGTYPE, TTL, OBJECT ENCODING thresholds, COPY and RENAME',
  sequence(`
    set s1 x
    zadd s1 1 a
    zunion 2 s1 nokey
    bzpopmin s1 0
    sadd s a d e
    zadd z 1 a 2 b 3 c
    zunion 2 z s withscores
    zinter 2 z s withscores
    zdiff 2 s z withscores
    zintercard 2 s z
    zunionstore d 2 z s weights 2 3
    zrange d 0 -1 withscores
    zrandmember s
    zmpop 1 s min
    zrangestore dst s 0 -1
    zrange s 0 -1
    zscan s 0
    zremrangebyrank s 0 1
    object encoding d
    object encoding z
    expire d 100
    zunionstore d 1 z
    ttl d
    expire d 100
    zadd d 5 q
    ttl d
    zrangestore d z 0 0
    ttl d
    zadd big 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    object encoding big
    zrem big aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    exists big
    zadd big 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 2 b
    zrem big aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    object encoding big
    copy big big2
    object encoding big2
    zunionstore big3 1 big
    object encoding big3
    config set zset-max-listpack-entries 2
    zadd small 1 a 2 b
    object encoding small
    zadd small 3 c
    object encoding small
    zunionstore small2 1 small
    object encoding small2
    zrangestore small3 small 0 -1
    object encoding small3
    config set zset-max-listpack-entries 0
    zadd zero 1 a
    object encoding zero
    config set zset-max-listpack-entries 128
    config set zset-max-listpack-value 0
    zadd v0 1 a
    object encoding v0
    config set zset-max-listpack-value 64
    type z
    del z
    zcard z
    zadd z 1 a
    rename z z2
    zrange z2 0 -1 withscores
  `),
);

test(
  'from Lua scripts (RESP2 and RESP3 conversions, blocking pops answer at once)',
  sequence(`
    zadd z 1.5 a 2 b 0.1 c
    eval return\\sredis.call('zrange',KEYS[1],0,-1,'withscores') 1 z
    eval return\\sredis.call('zscore',KEYS[1],'a') 1 z
    eval redis.setresp(3);return\\sredis.call('zscore',KEYS[1],'a') 1 z
    eval redis.setresp(3);return\\sredis.call('zrange',KEYS[1],0,-1,'withscores') 1 z
    eval redis.setresp(3);return\\sredis.call('zpopmin',KEYS[1]) 1 z
    eval return\\sredis.call('bzpopmin',KEYS[1],0) 1 z
    eval return\\sredis.call('bzmpop',0,1,KEYS[1],'min') 1 z
    eval return\\sredis.call('bzmpop',0,1,'nokey','min') 1 z
    eval return\\sredis.pcall('zadd',KEYS[1],'nan','x') 1 z
    eval return\\sredis.call('zincrby',KEYS[1],1,'a') 1 z
  `),
);

test('ZRANDMEMBER random replies have the same shape', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['ZADD', 'r', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e']);
    const shape = (v: RespValue): unknown => {
      const p = plain(v);
      return Array.isArray(p) ? p.map((x) => (Array.isArray(x) ? ['pair', x.length] : typeof x)) : typeof p;
    };
    for (const args of [
      ['ZRANDMEMBER', 'r'],
      ['ZRANDMEMBER', 'r', '3'],
      ['ZRANDMEMBER', 'r', '3', 'WITHSCORES'],
      ['ZRANDMEMBER', 'r', '-7'],
      ['ZRANDMEMBER', 'r', '-7', 'WITHSCORES'],
    ]) {
      await pair.check(args, { normalize: shape });
    }
  });
});

/** 200 members, so both servers use the skip-list encoding. */
function bigArgs(key: string, uniform: boolean): string[] {
  const args = ['ZADD', key];
  const scores = ['0', '1', '2', '-0.5', '3.25', '-0', 'inf', '-inf'];
  for (let i = 0; i < 200; i++) args.push(uniform ? '0' : scores[(i * 7) % scores.length]!, `m${String(i).padStart(3, '0')}`);
  return args;
}

test(
  'large (skiplist-encoded) sets',
  async (t) => {
    await both(t, async (pair) => {
      await pair.check(bigArgs('big', false));
      await pair.check(bigArgs('lexbig', true));
      await pair.checkAll(
        parse(`
          zrange big 0 -1 withscores
          zrangebyscore big -inf inf withscores limit 10 20
          zrevrangebyscore big 2 (-0.5 withscores limit 3 50
          zrangebylex lexbig [m050 (m100
          zlexcount lexbig [m050 (m100
          zrevrangebylex lexbig (m150 [m140 limit 2 3
          zrangebylex lexbig (m199 +
          zrangebylex lexbig - [m000
          zlexcount lexbig (m100 [m100
          zremrangebylex lexbig [m010 [m020
          zcard lexbig
          zremrangebyrank lexbig 100 -50
          zrange lexbig 0 -1
          zadd big -0 neg
          zscore big neg
          zrank big neg
          zrevrank big neg
          zcount big 0 0
          zcount big -0 (0
          zmscore big neg m000 m001
          zpopmin big 3
          zpopmax big 3
          zunion 2 big lexbig withscores
          zinterstore dst 2 big big weights 1 -1
          zrange dst 0 -1 withscores
          zunionstore dst 2 big lexbig aggregate max
          zrange dst 0 5 withscores
          zrandmember big 1000 withscores
          zrangestore dst2 big 0 -1
          zrange dst2 -3 -1 withscores
          zrangestore dst2 big 0 10
          zrange dst2 0 -1 withscores
          zremrangebyscore big (0 (3.25
          zrange big 0 -1 withscores
        `),
      );
      // ZSCAN cursors differ by design; a full scan must see exactly the same members and scores.
      const scanAll = async (client: typeof pair.tidings) => {
        const seen = new Map<string, string>();
        let cursor = '0';
        for (let i = 0; i < 1000; i++) {
          const [next, items] = plain(await client.callRaw('ZSCAN', 'big', cursor, 'COUNT', '7')) as [string, string[]];
          for (let j = 0; j < items.length; j += 2) seen.set(items[j]!, items[j + 1]!);
          cursor = next;
          if (cursor === '0') break;
        }
        return [...seen].sort();
      };
      assert.deepEqual(await scanAll(pair.tidings), await scanAll(pair.redis));
    });
  },
);

test(
  'store commands from a skiplist-encoded source: encodings and -0',
  sequence(
    [
      `zadd src ${Array.from({ length: 200 }, (_, i) => `${i} m${String(i).padStart(3, '0')}`).join(' ')}`,
      'zadd src -0 neg',
      'zscore src neg',
      'zrangestore d src 0 -1',
      'object encoding d',
      'zscore d neg',
      'zrangestore d2 src 0 100',
      'zrangestore rev src +inf -inf byscore rev',
      'zrange rev 0 -1 withscores',
      'zrangestore rev2 src 0 150 rev',
      'zrange rev2 0 -1 withscores',
      'zrank rev2 m100',
      'object encoding d2',
      'zscore d2 neg',
      'zunionstore d3 1 src',
      'zscore d3 neg',
      'zunionstore d4 1 src weights 1',
      'zremrangebyrank d4 10 -1',
      'object encoding d4',
      'zadd lp 1 a',
      'zunionstore lp2 2 lp src',
      'zscore lp2 neg',
      'object encoding lp2',
      'copy src srccopy',
      'zscore srccopy neg',
      'object encoding srccopy',
    ].join('\n'),
  ),
);

test('blocking pops served by another client', async (t) => {
  if (skipped || servers === undefined) {
    t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    return;
  }
  for (const proto of [2, 3] as const) {
    const waiter = await servers.pair(proto);
    const writer = await servers.pair(proto);
    const second = await servers.pair(proto);
    const blockedOn = async (count: number) => {
      for (let i = 0; i < 400; i++) {
        const a = plain(await writer.tidings.callRaw('INFO', 'clients')) as string;
        const b = plain(await writer.redis.callRaw('INFO', 'clients')) as string;
        const n = (s: string) => Number(/blocked_clients:(\d+)/.exec(s)?.[1] ?? -1);
        if (n(a) === count && n(b) === count) return;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`not ${count} blocked clients on both servers`);
    };
    for (const c of [waiter.tidings, waiter.redis]) c.send('BZPOPMIN', 'k1', 'k2', '0');
    await blockedOn(1);
    for (const c of [second.tidings, second.redis]) c.send('BZMPOP', '0', '1', 'k2', 'MAX', 'COUNT', '2');
    await blockedOn(2);
    await writer.check(['ZADD', 'k2', '1', 'a', '2', 'b', '3', 'c']);
    await waiter.checkNext('BZPOPMIN served');
    await second.checkNext('BZMPOP served');
    await writer.check(['ZRANGE', 'k2', '0', '-1', 'WITHSCORES']);
    for (const c of [waiter.tidings, waiter.redis]) c.send('BZPOPMAX', 'k3', '0.05');
    await waiter.checkNext('BZPOPMAX timeout');
    for (const p of [waiter, writer, second]) p.close();
  }
});

// ---------------------------------------------------------------- properties

const SCORES = ['0', '1', '-1', '2.5', '-0', 'inf', '-inf', '0.1', '1e300', '3', '1e-5', '7', '+inf', '2'];
const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', 'aa', 'ab', 'b\x00', '\xff', ''];
const KEYS = ['k1', 'k2', 'k3'];

const score = fc.constantFrom(...SCORES);
const member = fc.constantFrom(...MEMBERS);
const key = fc.constantFrom(...KEYS);
const scoreBound = fc.oneof(
  fc.constantFrom('-inf', '+inf', 'inf', '(-inf', '(inf'),
  fc.tuple(fc.constantFrom('', '('), score).map(([p, s]) => p + s),
);
const lexBound = fc.oneof(fc.constantFrom('-', '+'), fc.tuple(fc.constantFrom('[', '('), member).map(([p, m]) => p + m));
const rank = fc.integer({ min: -8, max: 8 }).map(String);
const limit = fc.option(fc.tuple(fc.integer({ min: -1, max: 4 }), fc.integer({ min: -1, max: 4 })), { nil: undefined });
const flag = (word: string) => fc.boolean().map((b) => (b ? [word] : []));

const zaddCommand = fc
  .tuple(
    key,
    fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']),
    fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 4 }),
  )
  .map(([k, opts, pairs]) => ['ZADD', k, ...opts, ...pairs.flat()]);

const rangeCommand = fc.oneof(
  fc.tuple(key, rank, rank, flag('REV'), flag('WITHSCORES')).map(([k, a, b, rev, ws]) => ['ZRANGE', k, a, b, ...rev, ...ws]),
  fc
    .tuple(key, scoreBound, scoreBound, flag('REV'), limit, flag('WITHSCORES'))
    .map(([k, a, b, rev, l, ws]) => ['ZRANGE', k, a, b, 'BYSCORE', ...rev, ...(l ? ['LIMIT', String(l[0]), String(l[1])] : []), ...ws]),
  fc
    .tuple(key, lexBound, lexBound, flag('REV'), limit)
    .map(([k, a, b, rev, l]) => ['ZRANGE', k, a, b, 'BYLEX', ...rev, ...(l ? ['LIMIT', String(l[0]), String(l[1])] : [])]),
  fc
    .tuple(fc.constantFrom('ZRANGEBYSCORE', 'ZREVRANGEBYSCORE'), key, scoreBound, scoreBound, flag('WITHSCORES'), limit)
    .map(([c, k, a, b, ws, l]) => [c, k, a, b, ...ws, ...(l ? ['LIMIT', String(l[0]), String(l[1])] : [])]),
  fc
    .tuple(fc.constantFrom('ZRANGEBYLEX', 'ZREVRANGEBYLEX'), key, lexBound, lexBound, limit)
    .map(([c, k, a, b, l]) => [c, k, a, b, ...(l ? ['LIMIT', String(l[0]), String(l[1])] : [])]),
  fc.tuple(key, rank, rank, flag('WITHSCORES')).map(([k, a, b, ws]) => ['ZREVRANGE', k, a, b, ...ws]),
);

const otherCommand = fc.oneof(
  fc.tuple(key, score, member).map(([k, s, m]) => ['ZINCRBY', k, s, m]),
  fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['ZREM', k, ...ms]),
  fc.tuple(key, member).map(([k, m]) => ['ZSCORE', k, m]),
  fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['ZMSCORE', k, ...ms]),
  fc.tuple(fc.constantFrom('ZRANK', 'ZREVRANK'), key, member).map(([c, k, m]) => [c, k, m]),
  key.map((k) => ['ZCARD', k]),
  fc.tuple(key, scoreBound, scoreBound).map(([k, a, b]) => ['ZCOUNT', k, a, b]),
  fc.tuple(key, lexBound, lexBound).map(([k, a, b]) => ['ZLEXCOUNT', k, a, b]),
  fc.tuple(key, scoreBound, scoreBound).map(([k, a, b]) => ['ZREMRANGEBYSCORE', k, a, b]),
  fc.tuple(key, rank, rank).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]),
  fc.tuple(key, lexBound, lexBound).map(([k, a, b]) => ['ZREMRANGEBYLEX', k, a, b]),
  fc
    .tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), key, fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }))
    .map(([c, k, n]) => (n === undefined ? [c, k] : [c, k, String(n)])),
  fc
    .tuple(fc.subarray(KEYS, { minLength: 1 }), fc.constantFrom('MIN', 'MAX'), fc.integer({ min: 1, max: 3 }))
    .map(([ks, where, n]) => ['ZMPOP', String(ks.length), ...ks, where, 'COUNT', String(n)]),
  fc
    .tuple(
      fc.constantFrom('ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE', 'ZUNION', 'ZINTER', 'ZDIFF'),
      key,
      fc.array(key, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.constantFrom('SUM', 'MIN', 'MAX', undefined),
    )
    .map(([c, dst, srcs, weights, agg]) => {
      const args = [c, ...(c.endsWith('STORE') ? [dst] : []), String(srcs.length), ...srcs];
      if (!c.startsWith('ZDIFF')) {
        if (weights) args.push('WEIGHTS', ...srcs.map((_, i) => ['2', '-1', '0.5'][i]!));
        if (agg !== undefined) args.push('AGGREGATE', agg);
      }
      if (!c.endsWith('STORE')) args.push('WITHSCORES');
      return args;
    }),
  fc.tuple(fc.array(key, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 3 })).map(([ks, l]) => ['ZINTERCARD', String(ks.length), ...ks, 'LIMIT', String(l)]),
  fc.tuple(key, key, rank, rank).map(([d, s, a, b]) => ['ZRANGESTORE', d, s, a, b]),
  fc.tuple(key, key, scoreBound, scoreBound).map(([d, s, a, b]) => ['ZRANGESTORE', d, s, a, b, 'BYSCORE']),
  key.map((k) => ['ZSCAN', k, '0']),
  key.map((k) => ['ZRANDMEMBER', k, '50', 'WITHSCORES']),
);

const command = fc.oneof({ arbitrary: zaddCommand, weight: 4 }, { arbitrary: rangeCommand, weight: 3 }, { arbitrary: otherCommand, weight: 4 });

test('property: random sorted set command sequences match redis-server', async (t) => {
  if (skipped || servers === undefined) {
    t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    return;
  }
  const s = servers;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(2 as const, 3 as const), fc.array(command, { minLength: 5, maxLength: 40 }), async (proto, commands) => {
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

test('property: skiplist-encoded sets match redis-server', async (t) => {
  if (skipped || servers === undefined) {
    t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    return;
  }
  const s = servers;
  // Lex commands are left out: with mixed scores their result is undefined in Redis (it depends
  // on the skip list's random levels). ZSCAN is left out: its cursor is implementation-defined.
  const bigMember = fc.integer({ min: 0, max: 260 }).map((i) => `m${String(i).padStart(3, '0')}`);
  const bigCommand = fc.oneof(
    fc.tuple(fc.array(fc.tuple(score, bigMember), { minLength: 1, maxLength: 4 }), fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH'])).map(([pairs, opts]) => ['ZADD', 'big', ...opts, ...pairs.flat()]),
    fc.tuple(score, bigMember).map(([sc, m]) => ['ZINCRBY', 'big', sc, m]),
    fc.array(bigMember, { minLength: 1, maxLength: 5 }).map((ms) => ['ZREM', 'big', ...ms]),
    fc.tuple(fc.constantFrom('ZRANK', 'ZREVRANK', 'ZSCORE'), bigMember).map(([c, m]) => [c, 'big', m]),
    fc.tuple(fc.integer({ min: -250, max: 250 }), fc.integer({ min: -250, max: 250 }), flag('REV'), flag('WITHSCORES')).map(([a, b, rev, ws]) => ['ZRANGE', 'big', String(a), String(b), ...rev, ...ws]),
    fc.tuple(scoreBound, scoreBound, flag('REV'), limit, flag('WITHSCORES')).map(([a, b, rev, l, ws]) => ['ZRANGE', 'big', a, b, 'BYSCORE', ...rev, ...(l ? ['LIMIT', String(l[0]), String(l[1] * 20)] : []), ...ws]),
    fc.tuple(scoreBound, scoreBound).map(([a, b]) => ['ZCOUNT', 'big', a, b]),
    fc.tuple(scoreBound, scoreBound).map(([a, b]) => ['ZREMRANGEBYSCORE', 'big', a, b]),
    fc.tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: -30, max: 30 })).map(([a, b]) => ['ZREMRANGEBYRANK', 'big', String(a), String(b)]),
    fc.tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), fc.integer({ min: 1, max: 5 })).map(([c, n]) => [c, 'big', String(n)]),
    fc.constant<Arg[]>(['ZCARD', 'big']),
    fc.constant<Arg[]>(['ZUNIONSTORE', 'copy', '1', 'big', 'WEIGHTS', '-1']),
    fc.constant<Arg[]>(['ZRANGE', 'copy', '0', '-1', 'WITHSCORES']),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(2 as const, 3 as const), fc.array(bigCommand, { minLength: 5, maxLength: 40 }), async (proto, commands) => {
      const pair = await s.pair(proto);
      try {
        await pair.check(bigArgs('big', false));
        for (const args of commands) await pair.check(args);
        await pair.check(['ZRANGE', 'big', '0', '-1', 'WITHSCORES']);
      } finally {
        pair.close();
      }
    }),
    { numRuns: 25 },
  );
});
