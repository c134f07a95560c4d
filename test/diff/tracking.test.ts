// Client-side caching, differential: the same multi-connection script runs against Tidings and
// redis-server, and every reply and invalidation message is compared byte for byte (client ids,
// which differ between the servers, are replaced by the connection's name).
// Covers 'client|tracking', 'client|caching', 'client|getredir', 'client|trackinginfo'.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDiffServers, type DiffServers } from './harness.js';
import type { RespClient } from '../helpers/resp.js';
import type { TestServer } from '../helpers/servers.js';

let servers: DiffServers | undefined;
before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(() => servers?.close());

type Arg = string | { id: string };

class Session {
  readonly log: string[] = [];
  private readonly conns = new Map<string, RespClient>();
  private readonly ids = new Map<string, number>();

  constructor(private readonly srv: TestServer) {}

  async open(name: string, proto: 2 | 3 = 2): Promise<void> {
    const c = await this.srv.connect();
    if (proto === 3) await c.call('HELLO', '3');
    this.ids.set(name, (await c.call('CLIENT', 'ID')) as number);
    this.conns.set(name, c);
  }

  /** Client ids appear only after `redirect`, in tracking-redir-broken and in GETREDIR. */
  private normalise(raw: string, args: Arg[] = []): string {
    const hasId = /redirect|tracking-redir-broken/.test(raw) || args.some((a) => typeof a === 'string' && a.toUpperCase() === 'GETREDIR');
    if (!hasId) return raw;
    for (const [name, id] of this.ids) raw = raw.replaceAll(`:${id}\r\n`, `:<${name}>\r\n`);
    return raw;
  }

  /** Send a command and log its reply. */
  async run(name: string, ...args: Arg[]): Promise<void> {
    const c = this.conns.get(name)!;
    c.send(...args.map((a) => (typeof a === 'string' ? a : String(this.ids.get(a.id)))));
    const f = await c.readFrame();
    this.log.push(`${name}> ${args.map((a) => (typeof a === 'string' ? a : `<${a.id}>`)).join(' ')} -> ${f ? this.normalise(f.raw.toString('latin1'), args) : 'closed'}`);
  }

  /** Send without waiting for the reply (a blocking command); read it later with next(). */
  send(name: string, ...args: string[]): void {
    this.conns.get(name)!.send(...args);
    this.log.push(`${name}> ${args.join(' ')} (sent)`);
  }

  /** Log the next message a connection receives (an invalidation). */
  async next(name: string): Promise<void> {
    const f = await this.conns.get(name)!.readFrame(2000);
    this.log.push(`${name} got ${f ? this.normalise(f.raw.toString('latin1')) : 'closed'}`);
  }

  /** Log whether nothing more arrives on a connection for a while. */
  async quiet(name: string): Promise<void> {
    this.log.push(`${name} quiet: ${await this.conns.get(name)!.silentFor(40)}`);
  }

  /** Log the tracking_* fields of INFO. */
  async info(name: string): Promise<void> {
    const text = String(await this.conns.get(name)!.call('INFO', 'everything'));
    this.log.push(text.split('\r\n').filter((l) => l.startsWith('tracking_')).join(' '));
  }

  close(name: string): void {
    this.conns.get(name)!.close();
    this.conns.delete(name);
  }

  closeAll(): void {
    for (const c of this.conns.values()) c.close();
  }
}

async function compare(script: (s: Session) => Promise<void>): Promise<void> {
  const logs: string[][] = [];
  for (const srv of [servers!.tidings, servers!.redis]) {
    const s = new Session(srv);
    try {
      await script(s);
    } finally {
      s.closeAll();
    }
    logs.push(s.log);
  }
  assert.deepEqual(logs[0], logs[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('RESP2: REDIRECT to a client subscribed to __redis__:invalidate, every write path, flushes', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  await compare(async (s) => {
    await s.open('sub');
    await s.open('reader');
    await s.open('writer');
    await s.run('writer', 'FLUSHALL');
    await s.run('sub', 'SUBSCRIBE', '__redis__:invalidate');
    await s.run('reader', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', { id: 'sub' });
    await s.run('reader', 'CLIENT', 'GETREDIR');
    await s.run('reader', 'CLIENT', 'TRACKINGINFO');
    await s.info('writer');
    // Reads of many kinds, then writes of many kinds by another connection.
    await s.run('reader', 'GET', 'str');
    await s.run('reader', 'MGET', 'm1', 'm2');
    await s.run('reader', 'HGET', 'h', 'f');
    await s.run('reader', 'LRANGE', 'l', '0', '-1');
    await s.run('reader', 'ZUNION', '2', 'z1', 'z2');
    await s.run('reader', 'SINTERCARD', '1', 'set');
    await s.run('reader', 'XREAD', 'STREAMS', 'x', '0');
    await s.run('reader', 'EXISTS', 'ex');
    await s.run('reader', 'STRLEN', 'str2');
    await s.info('writer');
    await s.run('writer', 'SET', 'str', 'v');
    await s.next('sub');
    await s.run('writer', 'SET', 'str', 'again');
    await s.run('writer', 'MSET', 'm2', 'a', 'm1', 'b');
    await s.next('sub');
    await s.next('sub');
    await s.run('writer', 'HSET', 'h', 'f', 'v');
    await s.next('sub');
    await s.run('writer', 'RPUSH', 'l', 'a');
    await s.next('sub');
    await s.run('writer', 'ZADD', 'z2', '1', 'a');
    await s.next('sub');
    await s.run('writer', 'SADD', 'set', 'a');
    await s.next('sub');
    await s.run('writer', 'XADD', 'x', '1-1', 'f', 'v');
    await s.next('sub');
    await s.run('writer', 'MULTI');
    await s.run('writer', 'SET', 'ex', '1');
    await s.run('writer', 'INCR', 'z1');
    await s.run('writer', 'EXEC');
    await s.next('sub');
    await s.next('sub');
    await s.run('writer', 'EVAL', "redis.call('set', KEYS[1], 'x') return redis.call('append', KEYS[1], 'y')", '1', 'str2');
    await s.next('sub');
    await s.quiet('sub');
    // Expiry (lazy, on access by another client) and keys that change name.
    await s.run('reader', 'GET', 'ttl');
    await s.run('writer', 'SET', 'ttl', 'v', 'PX', '30');
    await s.next('sub');
    await s.run('reader', 'GET', 'ttl');
    await sleep(60);
    await s.run('writer', 'GET', 'ttl');
    await s.next('sub');
    await s.run('reader', 'GET', 'src');
    await s.run('reader', 'GET', 'dst');
    await s.run('writer', 'SET', 'src', '1');
    await s.next('sub');
    await s.run('reader', 'GET', 'src');
    await s.run('writer', 'RENAME', 'src', 'dst');
    await s.next('sub');
    await s.next('sub');
    await s.run('reader', 'GET', 'dst');
    await s.run('writer', 'EXPIRE', 'dst', '100');
    await s.next('sub');
    await s.run('reader', 'GET', 'dst');
    await s.run('writer', 'PERSIST', 'dst');
    await s.next('sub');
    await s.quiet('sub');
    // FLUSHDB and FLUSHALL: the null invalidation, from another client and from the reader itself.
    await s.run('reader', 'GET', 'f1');
    await s.run('writer', 'FLUSHDB');
    await s.next('sub');
    await s.run('writer', 'FLUSHALL');
    await s.next('sub');
    await s.run('reader', 'FLUSHALL');
    await s.next('sub');
    await s.info('writer');
    await s.quiet('sub');
    // SWAPDB sends no invalidations in Redis 7.0; MOVE and COPY do, for the key they write.
    await s.run('writer', 'SET', 'sw', '1');
    await s.run('reader', 'GET', 'sw');
    await s.run('writer', 'SWAPDB', '0', '9');
    await s.quiet('sub');
    await s.run('writer', 'SWAPDB', '0', '9');
    await s.run('writer', 'MOVE', 'sw', '9');
    await s.next('sub');
    await s.run('reader', 'GET', 'cp');
    await s.run('writer', 'SET', 'src2', 'x');
    await s.run('writer', 'COPY', 'src2', 'cp');
    await s.next('sub');
    await s.quiet('sub');
    await s.run('reader', 'CLIENT', 'TRACKING', 'off');
    await s.run('reader', 'CLIENT', 'GETREDIR');
    await s.run('reader', 'CLIENT', 'TRACKINGINFO');
    await s.run('writer', 'FLUSHALL');
    await s.quiet('sub');
    // A RESP2 client may redirect to itself, and subscribe to get the messages.
    await s.open('self');
    await s.run('self', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', { id: 'self' });
    await s.run('self', 'GET', 'selfie');
    await s.run('self', 'SUBSCRIBE', '__redis__:invalidate');
    await s.run('writer', 'SET', 'selfie', '1');
    await s.next('self');
    await s.quiet('self');
  });
});

for (const proto of [2, 3] as const) {
  test(`RESP${proto} reader: own writes after the reply, NOLOOP, OPTIN/OPTOUT, scripts`, async (t) => {
    if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
    await compare(async (s) => {
      await s.open('sub', 3);
      await s.open('reader', proto);
      await s.open('writer');
      await s.run('writer', 'FLUSHALL');
      // A RESP3 redirect target needs no subscription; a RESP3 reader gets pushes itself.
      const redirect = proto === 2 ? ['REDIRECT', { id: 'sub' }] : [];
      const to = proto === 2 ? 'sub' : 'reader';
      await s.run('reader', 'CLIENT', 'TRACKING', 'on', ...redirect);
      await s.run('reader', 'GET', 'a');
      await s.run('reader', 'GET', 'b');
      await s.run('reader', 'MSET', 'a', '1', 'b', '2');
      await s.next(to);
      await s.next(to);
      await s.run('reader', 'GET', 'a');
      await s.run('reader', 'MULTI');
      await s.run('reader', 'SET', 'a', '2');
      await s.run('reader', 'GET', 'c');
      await s.run('reader', 'SET', 'c', '3');
      await s.run('reader', 'EXEC');
      await s.next(to);
      await s.next(to);
      await s.run('reader', 'GET', 'a');
      await s.run('reader', 'FLUSHDB');
      await s.next(to);
      await s.quiet(to);
      // NOLOOP: own writes are not reported (and forget the key); other clients' writes are.
      await s.run('reader', 'CLIENT', 'TRACKING', 'on', 'NOLOOP', ...redirect);
      await s.run('reader', 'CLIENT', 'TRACKINGINFO');
      await s.run('reader', 'GET', 'n');
      await s.run('reader', 'SET', 'n', '1');
      await s.run('writer', 'SET', 'n', '2');
      await s.run('reader', 'GET', 'n');
      await s.run('writer', 'SET', 'n', '3');
      await s.next(to);
      // Reads inside scripts track the keys the script declares.
      await s.run('reader', 'EVAL', "return redis.call('get', 'hidden')", '1', 'declared');
      await s.run('reader', 'EVAL_RO', "return redis.call('get', 'hidden')", '1', 'declared2');
      await s.run('writer', 'MSET', 'hidden', '1', 'declared', '2', 'declared2', '3');
      await s.next(to);
      await s.next(to);
      await s.quiet(to);
      await s.run('reader', 'CLIENT', 'TRACKING', 'off');
      // OPTIN: CLIENT CACHING yes covers the next command, or a whole transaction.
      await s.run('reader', 'CLIENT', 'TRACKING', 'on', 'OPTIN', ...redirect);
      await s.run('reader', 'GET', 'o1');
      await s.run('reader', 'CLIENT', 'CACHING', 'yes');
      await s.run('reader', 'CLIENT', 'TRACKINGINFO');
      await s.run('reader', 'GET', 'o2');
      await s.run('reader', 'GET', 'o3');
      await s.run('reader', 'CLIENT', 'CACHING', 'yes');
      await s.run('reader', 'MULTI');
      await s.run('reader', 'GET', 'o4');
      await s.run('reader', 'GET', 'o5');
      await s.run('reader', 'EXEC');
      await s.run('writer', 'MSET', 'o1', '1', 'o2', '2', 'o3', '3', 'o4', '4', 'o5', '5');
      await s.next(to);
      await s.next(to);
      await s.next(to);
      await s.quiet(to);
      await s.run('reader', 'CLIENT', 'TRACKING', 'on', 'OPTOUT');
      await s.run('reader', 'CLIENT', 'CACHING', 'no');
      await s.run('reader', 'CLIENT', 'TRACKING', 'off');
      await s.run('reader', 'CLIENT', 'TRACKING', 'on', 'OPTOUT', ...redirect);
      await s.run('reader', 'CLIENT', 'CACHING', 'yes');
      await s.run('reader', 'CLIENT', 'CACHING', 'no');
      await s.run('reader', 'CLIENT', 'TRACKINGINFO');
      await s.run('reader', 'GET', 'p1');
      await s.run('reader', 'GET', 'p2');
      await s.run('writer', 'MSET', 'p1', '1', 'p2', '2');
      await s.next(to);
      await s.quiet(to);
      await s.info('writer');
      await s.run('reader', 'CLIENT', 'TRACKING', 'off');
    });
  });
}

test('RESP3 BCAST: prefixes, one message per prefix with sorted keys, NOLOOP, TRACKINGINFO', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  await compare(async (s) => {
    await s.open('bc', 3);
    await s.open('all', 3);
    await s.open('writer');
    await s.run('writer', 'FLUSHALL');
    await s.run('bc', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'user:', 'PREFIX', 'obj:', 'NOLOOP');
    // Enabling again adds prefixes and resets the options: NOLOOP is off after this.
    await s.run('bc', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'cfg');
    await s.run('all', 'CLIENT', 'TRACKING', 'on', 'BCAST');
    await s.run('bc', 'CLIENT', 'TRACKINGINFO');
    await s.run('all', 'CLIENT', 'TRACKINGINFO');
    await s.info('writer');
    await s.run('writer', 'MSET', 'user:2', 'a', 'user:1', 'b', 'obj:9', 'c', 'zzz', 'd');
    await s.next('bc');
    await s.next('bc');
    await s.next('all');
    await s.quiet('bc');
    await s.run('bc', 'MSET', 'user:3', 'x', 'cfg1', 'y');
    await s.next('bc');
    await s.next('bc');
    await s.next('all');
    await s.run('bc', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP');
    await s.run('bc', 'MSET', 'user:4', 'x', 'cfg2', 'y');
    await s.next('all');
    await s.run('all', 'MSET', 'user:5', 'x', 'cfg2', 'y', 'user:4', 'z');
    await s.next('bc');
    await s.next('bc');
    await s.next('all');
    await s.quiet('bc');
    // An expiry is nobody's write: NOLOOP does not hide it.
    await s.run('bc', 'SET', 'user:ttl', 'v', 'PX', '20');
    await s.next('all');
    await s.quiet('bc');
    await sleep(40);
    await s.run('writer', 'GET', 'user:ttl');
    await s.next('bc');
    await s.next('all');
    await s.run('writer', 'DEL', 'user:1', 'nothing');
    await s.next('bc');
    await s.next('all');
    await s.run('writer', 'FLUSHALL');
    await s.next('bc');
    await s.next('all');
    await s.run('bc', 'CLIENT', 'TRACKING', 'off');
    await s.run('all', 'CLIENT', 'TRACKING', 'off');
    await s.info('writer');
  });
});

test('a blocked client served by a write of another client gets its reply first, then the invalidation', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  await compare(async (s) => {
    await s.open('bl', 3);
    await s.open('writer');
    await s.run('writer', 'FLUSHALL');
    await s.run('writer', 'RPUSH', 'list2', 'a');
    await s.run('bl', 'CLIENT', 'TRACKING', 'on');
    await s.run('bl', 'LRANGE', 'list2', '0', '-1');
    s.send('bl', 'BLMOVE', 'list1', 'list2', 'LEFT', 'LEFT', '0');
    await sleep(50);
    await s.run('writer', 'RPUSH', 'list1', 'foo');
    await s.next('bl');
    await s.next('bl');
    await s.quiet('bl');
    await s.run('bl', 'CLIENT', 'TRACKING', 'off');
  });
});

test('a closed redirect client: tracking-redir-broken for RESP3 readers, broken_redirect in TRACKINGINFO', async (t) => {
  if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
  await compare(async (s) => {
    await s.open('target');
    await s.open('reader', 3);
    await s.open('writer');
    await s.run('writer', 'FLUSHALL');
    await s.run('reader', 'CLIENT', 'TRACKING', 'on', 'REDIRECT', { id: 'target' });
    await s.run('reader', 'GET', 'k');
    s.close('target');
    await sleep(50);
    await s.run('writer', 'SET', 'k', '1');
    await s.next('reader');
    await s.run('reader', 'CLIENT', 'TRACKINGINFO');
    await s.run('reader', 'GET', 'k');
    await s.run('writer', 'FLUSHALL');
    await s.next('reader');
    await s.run('reader', 'CLIENT', 'TRACKING', 'on');
    await s.run('reader', 'CLIENT', 'TRACKINGINFO');
    await s.run('reader', 'CLIENT', 'TRACKING', 'off');
  });
});

for (const proto of [2, 3] as const) {
  test(`CLIENT TRACKING/CACHING errors match redis-server (RESP${proto})`, async (t) => {
    if (!servers) return t.skip('redis-server missing (see SKIPPED summary)');
    await compare(async (s) => {
      await s.open('c', proto);
      const cases: Arg[][] = [
        ['CLIENT', 'TRACKING'],
        ['CLIENT', 'TRACKING', 'maybe'],
        ['CLIENT', 'TRACKING', 'on', 'FOO'],
        ['CLIENT', 'TRACKING', 'on', 'PREFIX'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT'],
        ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab', 'PREFIX', 'a'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'bc', 'PREFIX', 'x'],
        ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTOUT'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '99999999'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'],
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', { id: 'c' }, 'REDIRECT', { id: 'c' }],
        ['CLIENT', 'TRACKING', 'off', 'BCAST', 'PREFIX', 'a'],
        ['CLIENT', 'CACHING', 'yes'],
        ['CLIENT', 'CACHING', 'maybe'],
        ['CLIENT', 'CACHING'],
        ['CLIENT', 'GETREDIR', 'x'],
        ['CLIENT', 'TRACKINGINFO', 'x'],
        ['CLIENT', 'GETREDIR'],
        ['CLIENT', 'TRACKINGINFO'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'abc'],
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b'],
        ['CLIENT', 'TRACKING', 'on'],
        ['CLIENT', 'CACHING', 'yes'],
        ['CLIENT', 'TRACKINGINFO'],
        ['CLIENT', 'TRACKING', 'off'],
        ['CLIENT', 'TRACKING', 'on', 'optin'],
        ['CLIENT', 'TRACKING', 'on', 'optout'],
        ['CLIENT', 'CACHING', 'no'],
        ['CLIENT', 'TRACKING', 'on', 'bcast'],
        ['CLIENT', 'TRACKING', 'off'],
        ['CLIENT', 'TRACKING', 'OFF'],
      ];
      for (const args of cases) await s.run('c', ...args);
      // Redis 7.0: an overlap among the new prefixes after the first one is answered with the
      // error and then +OK, and tracking is on with all of them.
      await s.run('c', 'CLIENT', 'TRACKING', 'off');
      await s.run('c', 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'b', 'PREFIX', 'bc');
      await s.next('c');
      await s.run('c', 'CLIENT', 'TRACKINGINFO');
      await s.run('c', 'CLIENT', 'TRACKING', 'off');
    });
  });
}
