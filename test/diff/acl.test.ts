// Differential tests for ACL (RESP2 and RESP3): the SETUSER rule language and its error texts,
// GETUSER, LIST, CAT, DRYRUN, and NOPERM replies for commands, keys and channels.
// Users are deleted after each test so the two servers stay alike.
import { after, before, test, type TestContext } from 'node:test';
import { startDiffServers, render, type Arg, type DiffPair, type DiffServers } from './harness.js';
import type { RespValue } from '../helpers/resp.js';

let servers: DiffServers | undefined;

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
      await pair.tidings.call('ACL', 'DELUSER', 'u1', 'u2', 'u3');
      await pair.redis.call('ACL', 'DELUSER', 'u1', 'u2', 'u3');
      pair.close();
    }
  }
}

const w = (line: string): Arg[] => line.trim().split(/ +/);

/** ACL LIST lines and rule strings with the single-command rules sorted (Redis lists them in hash order). */
function normalizeRules(v: RespValue): unknown {
  const r = render(v);
  const fix = (x: unknown): unknown => {
    if (typeof x === 'string') return x.split(' ').sort().join(' ');
    if (Array.isArray(x)) return x.map(fix);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, fix(y)]));
    return x;
  };
  return fix(r);
}

test('SETUSER rules and their canonical ACL LIST form', async (t) => {
  await both(t, async (pair) => {
    const cases = [
      'u1',
      'u1 on nopass',
      'u1 reset',
      'u1 on >secret >other <other ~k* %R~r* %W~w* %RW~x &ch* +get +set',
      'u1 reset +@hash -@write',
      'u1 reset +@all -@admin',
      'u1 reset +@all -@dangerous',
      'u1 reset +@all -@dangerous -@admin',
      'u1 reset -@all +@admin +@dangerous',
      'u1 reset -@all +@read +@write',
      'u1 reset -@all +@hash +@read',
      'u1 reset -@all +@string +@hash',
      'u1 reset +@all -@fast',
      'u1 reset -@all +@slow',
      'u1 reset +@all -config|get',
      'u1 reset +config -config|get +config',
      'u1 reset +@read -get',
      'u1 reset +get -@read +@hash',
      'u1 reset +select|0 +select|1',
      'u1 reset +select|0 +select',
      'u1 reset +client|kill',
      'u1 reset allkeys allchannels allcommands',
      'u1 reset nocommands resetkeys resetchannels',
      'u1 reset ~a ~a &b &b',
      'u1 reset skip-sanitize-payload',
      'u1 reset >a nopass',
      'u1 reset nopass >a',
      'u1 reset nopass resetpass',
      'u1 reset #ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb',
      'u1 reset >a !ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb',
      'u1 reset %R %R~',
      'u2 on (~x* +get) (&y)',
      'u2 clearselectors',
    ];
    for (const c of cases) {
      await pair.check(['ACL', 'SETUSER', ...w(c)]);
      await pair.check(['ACL', 'LIST'], { normalize: normalizeRules });
      await pair.check(['ACL', 'GETUSER', w(c)[0]!], { normalize: normalizeRules });
    }
    await pair.check(['ACL', 'SETUSER', 'u3', 'reset', '(~x*', '+get)', '(&y)']);
    // The user name is checked before any rule (found by the command fuzzer).
    await pair.check(['ACL', 'SETUSER', 'a b', 'on']);
    await pair.check(['ACL', 'SETUSER', 'a\0b', '-2']);
    await pair.check(['ACL', 'DRYRUN', 'a b', 'get', 'x']);
    await pair.check(['ACL', 'SETUSER', 'a\rb']);
    await pair.check(['ACL', 'SETUSER', 'u4', '', 'bob']);
    await pair.check(['ACL', 'SETUSER', 'u4', '(a', '-2', '(', 'x']);
    await pair.check(['ACL', 'SETUSER', 'u4', Buffer.from([5, 98, 0, 109])]);
    await pair.check(['ACL', 'SETUSER', 'u4', Buffer.from('#ab\0cd', 'latin1')]);
    await pair.check(['ACL', 'DELUSER', 'u4']);
    await pair.check(['ACL', 'SETUSER', 'u5']);
    await pair.check(['ACL', 'DELUSER', 'u5', 'default']);
    await pair.check(['ACL', 'USERS']);
    await pair.check(['ACL', 'DELUSER', 'u5']);
    await pair.check(['ACL', 'LIST']);
    await pair.check(['ACL', 'SETUSER', 'u3', 'reset', '+get', '+set', '+hget']);
    await pair.check(['ACL', 'LIST'], { normalize: normalizeRules });
    await pair.check(['ACL', 'GETUSER', 'u3'], { normalize: normalizeRules });
    await pair.check(['ACL', 'USERS']);
    await pair.check(['ACL', 'GETUSER', 'nosuch']);
  });
});

test('SETUSER errors', async (t) => {
  await both(t, async (pair) => {
    const errors = [
      'u1 foo',
      'u1 +nosuch',
      'u1 +@nosuch',
      'u1 -nosuch',
      'u1 +client|nosuch',
      'u1 +client|kill|x',
      'u1 +select|0|1',
      'u1 -select|0',
      'u1 +select|',
      'u1 allkeys ~a*',
      'u1 ~* ~a*',
      'u1 allchannels &x',
      'u1 <nopw',
      'u1 #abc',
      'u1 #ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789',
      'u1 !abc',
      'u1 %X~a',
      'u1 %~a',
      'u1 (',
      'u1 (~x',
      'u1 (~x +get',
      'u1 (foo)',
    ];
    for (const c of errors) {
      await pair.check(['ACL', 'SETUSER', ...w(c)]);
      await pair.check(['ACL', 'LIST']);
    }
    await pair.check(['ACL', 'SETUSER', 'u1']);
    await pair.check(['ACL', 'SETUSER', 'u1', 'allkeys', 'resetkeys', '~x']);
    await pair.check(['ACL', 'SETUSER', 'u1', 'allchannels', 'resetchannels', '&x']);
    await pair.check(['ACL', 'LIST']);
    await pair.check(['ACL', 'DELUSER', 'default']);
    await pair.check(['ACL', 'DELUSER', 'u1', 'nosuch']);
    await pair.check(['ACL', 'DELUSER', 'u1']);
  });
});

test('CAT, GENPASS, WHOAMI, HELP, LOG arguments, LOAD and SAVE without an aclfile', async (t) => {
  await both(t, async (pair) => {
    await pair.check(['ACL', 'CAT']);
    for (const c of ['hash', 'HASH', 'pubsub', 'nosuch']) await pair.check(['ACL', 'CAT', c], { unordered: true });
    await pair.check(['ACL', 'CAT', 'a', 'b']);
    for (const b of ['0', '-1', '4097', 'x']) await pair.check(['ACL', 'GENPASS', b]);
    await pair.check(['ACL', 'WHOAMI']);
    await pair.check(['ACL', 'HELP']);
    await pair.check(['ACL', 'NOSUCH']);
    await pair.check(['ACL', 'LOG', 'x']);
    await pair.check(['ACL', 'LOG', 'RESET']);
    await pair.check(['ACL', 'LOG']);
    await pair.check(['ACL', 'LOAD']);
    await pair.check(['ACL', 'SAVE']);
  });
});

test('DRYRUN', async (t) => {
  await both(t, async (pair) => {
    await pair.check(w("ACL SETUSER u1 on nopass ~k* %R~r* %W~w* &c* +get +set +publish +subscribe +psubscribe +client|id +eval +lmove"));
    for (const c of [
      'get k1', 'get x', 'del k1', 'publish c1 m', 'publish d m', 'client id', 'client info', 'subscribe c1 c2', 'subscribe c1 d',
      'psubscribe c*', 'psubscribe c1*', 'get r1', 'set r1 v', 'set w1 v', 'get w1', 'lmove k1 k2 left right', 'lmove k1 x left right',
      'eval x 1 k1', 'eval x 1 z', 'get', 'get a b', 'nocmd', 'client nosuch', 'object encoding', 'object',
    ]) {
      await pair.check(['ACL', 'DRYRUN', 'u1', ...w(c)]);
    }
    await pair.check(w('ACL DRYRUN nouser get a'));
    await pair.check(w('ACL SETUSER u3 reset on nopass %R~r* %W~w* +@all'));
    for (const c of [
      'get r', 'set r v', 'incr r', 'exists r', 'lpush r a', 'del r', 'lmove r r2 left right', 'type r', 'ttl r', 'expire r 1',
      'rename r r2', 'object encoding r', 'set r v get', 'sort r', 'sort r store w', 'sort w store r', 'getdel r', 'append r x',
      'touch r', 'copy r w', 'copy w r', 'mset r 1', 'pfadd r a', 'pfmerge w r', 'pfmerge r w', 'smove r w m', 'smove w r m',
      'zunionstore w 2 r r2', 'bitop and w r', 'georadius r 0 0 1 km store w', 'eval x 1 r', 'eval_ro x 1 r',
    ]) {
      await pair.check(['ACL', 'DRYRUN', 'u3', ...w(c)]);
      await pair.check(['ACL', 'DRYRUN', 'u3', ...w(c.replace(/\br\b/g, 'w').replace(/\bw\b(?=.*)/, 'w'))]);
    }
    await pair.check(w('ACL SETUSER u2 on nopass resetchannels -@all +get ~a (+set ~b) (+get ~c)'));
    for (const c of ['get a', 'get b', 'get c', 'set b v', 'set a v', 'set c v']) await pair.check(['ACL', 'DRYRUN', 'u2', ...w(c)]);
  });
});

test('NOPERM replies for commands, keys and channels', async (t) => {
  await both(t, async (pair) => {
    await pair.check(w('ACL SETUSER u1 on >pw ~k* &c* +get +publish +subscribe +psubscribe +multi +exec +discard +client|id'));
    await pair.check(w('AUTH u1 wrong'));
    await pair.check(w('AUTH nosuch pw'));
    await pair.check(w('AUTH u1 pw'));
    await pair.check(w('ACL WHOAMI'));
    await pair.check(w('GET x'));
    await pair.check(w('GET k1'));
    await pair.check(w('SET k1 v'));
    await pair.check(w('CLIENT INFO'));
    await pair.check(w('CLIENT ID'), { normalize: (v) => v.type });
    await pair.check(w('PUBLISH d m'));
    await pair.check(w('PUBLISH c1 m'));
    await pair.check(w('MULTI'));
    await pair.check(w('SET k v'));
    await pair.check(w('GET x'));
    await pair.check(w('GET k'));
    await pair.check(w('EXEC'));
    await pair.check(w('PSUBSCRIBE c1*'));
    await pair.check(w('SUBSCRIBE d'));
    await pair.check(w('AUTH default x'));
  });
});

/** ACL LOG entries with the time- and connection-dependent values blanked. */
function normalizeLog(v: RespValue): unknown {
  const blank = (x: RespValue): unknown => {
    if (x.type !== 'array' && x.type !== 'map') return render(x);
    const items = x.value;
    const out: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      const prev = i > 0 ? items[i - 1]! : undefined;
      const key = prev && prev.type === 'bulk' ? prev.value.toString('latin1') : '';
      if (key === 'age-seconds' || key === 'client-info') out.push(`<${items[i]!.type}>`);
      else out.push(blank(items[i]!));
    }
    return { [x.type]: out };
  };
  return blank(v);
}

test('ACL LOG entries: fields, types, grouping of repeats, AUTH failures', async (t) => {
  await both(t, async (pair) => {
    await pair.check(w('ACL LOG RESET'));
    await pair.check(w('ACL SETUSER u1 on nopass ~k* &c* +acl|log +get +publish +multi +exec +discard'));
    await pair.check(w('AUTH u1 x'));
    await pair.check(w('GET x'));
    await pair.check(w('GET x'));
    await pair.check(w('SET k v'));
    await pair.check(w('PUBLISH d m'));
    await pair.check(w('MULTI'));
    await pair.check(w('DEL k'));
    await pair.check(w('DISCARD'));
    await pair.check(w('AUTH nouser x'));
    await pair.check(w('ACL LOG'), { normalize: normalizeLog });
    await pair.check(w('ACL LOG 2'), { normalize: normalizeLog });
    await pair.check(w('ACL LOG 0'), { normalize: normalizeLog });
    await pair.check(w('AUTH default x'));
    await pair.check(w('ACL LOG RESET'));
  });
});

test('permissions revoked between MULTI and EXEC are checked again at EXEC', async (t) => {
  await both(t, async (pair) => {
    const adminT = await servers!.tidings.connect();
    const adminR = await servers!.redis.connect();
    try {
      const admin = async (...args: string[]) => {
        await adminT.call(...args);
        await adminR.call(...args);
      };
      await admin('ACL', 'LOG', 'RESET');
      await pair.check(w('ACL SETUSER u1 on nopass ~* +@all'));
      await pair.check(w('AUTH u1 x'));
      await pair.check(w('MULTI'));
      await pair.check(w('SET k v'));
      await pair.check(w('GET k'));
      await admin('ACL', 'SETUSER', 'u1', '-get');
      await pair.check(w('EXEC'));
      await admin('ACL', 'SETUSER', 'u1', 'resetkeys', '~a*');
      await pair.check(w('MULTI'));
      await pair.check(w('SET a v'));
      await admin('ACL', 'SETUSER', 'u1', 'resetkeys');
      await pair.check(w('EXEC'));
      await pair.check(w('ACL LOG'), { normalize: normalizeLog });
      await pair.check(w('AUTH default x'));
    } finally {
      adminT.close();
      adminR.close();
    }
  });
});

test('scripts run redis.call with the caller\'s permissions; channel rules for every pub/sub command', async (t) => {
  await both(t, async (pair) => {
    await pair.check(w('ACL LOG RESET'));
    await pair.check(w('ACL SETUSER u1 on nopass ~k* &c* &p* +@scripting +get +publish +spublish +subscribe +ssubscribe +psubscribe +acl|log'));
    await pair.check(w('AUTH u1 x'));
    await pair.check(['EVAL', "return redis.call('get', 'k1')", '0']);
    await pair.check(['EVAL', "return redis.call('get', 'x')", '0']);
    await pair.check(['EVAL', "return redis.pcall('get', 'x')", '0']);
    await pair.check(['EVAL', "return redis.pcall('set', 'k1', 'v')", '0']);
    await pair.check(['EVAL', "return redis.pcall('publish', 'd', 'm')", '0']);
    await pair.check(['EVAL', "return redis.pcall('publish', 'c1', 'm')", '0']);
    await pair.check(['EVAL', "return redis.call('get', KEYS[1])", '1', 'x']);
    await pair.check(w('ACL LOG'), { normalize: normalizeLog });
    for (const c of ['PUBLISH d m', 'PUBLISH c1 m', 'SPUBLISH d m', 'SPUBLISH c1 m', 'SSUBSCRIBE d', 'SUBSCRIBE c1 d', 'PSUBSCRIBE c*1', 'PSUBSCRIBE p*']) {
      await pair.check(w(c));
    }
    await pair.check(w('SUBSCRIBE c1 c2'));
    await pair.checkNext('second subscribe reply');
  });
});

test('selectors: the ACL LOG names the item of the selector that got furthest; BITFIELD GET only reads; SORT BY/GET need every key readable', async (t) => {
  await both(t, async (pair) => {
    await pair.check(w('ACL LOG RESET'));
    await pair.check(w('DEL mylist v1 readstr'));
    await pair.check(w('LPUSH mylist 1'));
    await pair.check(w('SET v1 1'));
    await pair.check(w('ACL SETUSER u1 on nopass +mget ~key (+mget ~key ~otherkey)'));
    await pair.check(w('ACL SETUSER u2 on nopass +bitfield %R~read*'));
    await pair.check(w('ACL SETUSER u3 on nopass (+sort +sort_ro ~mylist ~v*)'));
    await pair.check(w('AUTH u1 x'));
    await pair.check(w('MGET otherkey someotherkey'));
    await pair.check(w('MGET key otherkey someotherkey'));
    await pair.check(w('GET key'));
    await pair.check(w('AUTH u2 x'));
    for (const line of ['BITFIELD readstr GET u4 0', 'BITFIELD readstr GET u4 0 OVERFLOW WRAP GET i8 4', 'BITFIELD readstr GET u4 0 SET u4 0 1',
      'BITFIELD readstr INCRBY u4 0 1', 'BITFIELD readstr GET u4', 'BITFIELD readstr']) {
      await pair.check(w(line));
    }
    await pair.check(w('AUTH u3 x'));
    for (const line of ['SORT mylist', 'SORT mylist BY v*', 'SORT mylist BY nosort', 'SORT mylist GET #', 'SORT_RO mylist BY v* GET v*']) {
      await pair.check(w(line));
    }
    await pair.check(w('AUTH default x'));
    await pair.check(w('ACL SETUSER u3 reset on nopass (+sort ~mylist %W~*)'));
    await pair.check(w('ACL DRYRUN u3 SORT mylist BY v*'));
    await pair.check(w('ACL SETUSER u3 reset on nopass (+sort ~mylist %R~*)'));
    await pair.check(w('AUTH u3 x'));
    await pair.check(w('SORT mylist BY v*'));
    await pair.check(w('SORT mylist BY v* GET v*'));
    await pair.check(w('AUTH default x'));
    await pair.check(w('ACL LOG'), { normalize: normalizeLog });
    await pair.check(w('ACL LOG RESET'));
    await pair.check(w('DEL mylist v1 readstr'));
  });
});
