// The dashboard's HTTP side without a browser: assets from the package, the snapshot stream, the
// message tap (not a client, not counted by PUBLISH), and Basic auth on every path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startTidings } from '../helpers/servers.js';

/** Read server-sent events from a fetch response until `want` of them arrived. */
async function readEvents(res: Response, want: number, onOpen?: () => void): Promise<unknown[]> {
  const reader = res.body!.getReader();
  const events: unknown[] = [];
  let text = '';
  onOpen?.();
  while (events.length < want) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
    let end: number;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (data !== '') events.push(JSON.parse(data));
    }
  }
  await reader.cancel();
  return events;
}

test('dashboard assets and the snapshot stream', async () => {
  const metricsPort = await freePort();
  const srv = await startTidings({ config: { 'metrics-port': metricsPort, dashboard: 'yes' } });
  const base = `http://127.0.0.1:${metricsPort}`;
  const c = await srv.connect();
  try {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
    const html = await page.text();
    assert.match(html, /<script src="assets\/uPlot\.iife\.min\.js"><\/script>/);
    assert.doesNotMatch(html, /https?:\/\//, 'no CDN: every asset is served from the package');
    for (const asset of ['assets/uPlot.iife.min.js', 'assets/uPlot.min.css', 'assets/dashboard.js', 'assets/dashboard.css']) {
      const res = await fetch(`${base}/${asset}`);
      assert.equal(res.status, 200, asset);
      assert.ok((await res.text()).length > 100, asset);
    }
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/`, { method: 'POST' })).status, 405);

    const sub = await srv.connect();
    sub.send('SUBSCRIBE', 'dash:a');
    await sub.read();
    for (let i = 0; i < 4; i++) await c.call('PUBLISH', 'dash:a', 'hi');
    await c.call('XGROUP', 'CREATE', 'jobs-stream', 'g1', '$', 'MKSTREAM');
    // Job queues as Celery, RQ and BullMQ keep them: lists, longest first, the 10 longest.
    await c.call('RPUSH', 'celery', ...Array.from({ length: 30 }, (_, i) => `job${i}`));
    await c.call('RPUSH', 'rq:queue:default', 'a', 'b');
    for (let i = 0; i < 12; i++) await c.call('RPUSH', `small:${i}`, 'x');
    await c.call('SELECT', 2);
    await c.call('RPUSH', 'bull:mail:wait', ...Array.from({ length: 5 }, (_, i) => `m${i}`));
    await c.call('SELECT', 0);
    const res = await fetch(`${base}/events`);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    const [first] = (await readEvents(res, 1)) as {
      clients: { connected: number; pubsub: number };
      channels: { name: string; messages: number; deliveries: number; subscribers: number }[];
      queues: { streams: { key: string; groups: { name: string; pending: number }[] }[]; lists: { db: number; key: string; length: number; consumers: number }[] };
      keyspace: { types: Record<string, number> };
    }[];
    assert.equal(first!.clients.connected, 2);
    assert.equal(first!.clients.pubsub, 1);
    const row = first!.channels.find((r) => r.name === 'dash:a')!;
    assert.deepEqual([row.messages, row.deliveries, row.subscribers], [4, 4, 1]);
    assert.deepEqual(first!.queues.streams.map((s) => [s.key, s.groups.map((g) => g.name)]), [['jobs-stream', ['g1']]]);
    assert.equal(first!.keyspace.types.stream, 1);
    const lists = first!.queues.lists;
    assert.equal(lists.length, 10);
    assert.deepEqual(lists.slice(0, 3).map((l) => [l.db, l.key, l.length, l.consumers]), [
      [0, 'celery', 30, 0],
      [2, 'bull:mail:wait', 5, 0],
      [0, 'rq:queue:default', 2, 0],
    ]);
    assert.ok(lists.slice(3).every((l) => l.key.startsWith('small:') && l.length === 1));
    sub.close();
  } finally {
    c.close();
    await srv.close();
  }
});

test('the message tap follows a pattern without being a subscriber', async () => {
  const metricsPort = await freePort();
  const srv = await startTidings({ config: { 'metrics-port': metricsPort, dashboard: 'yes' } });
  const base = `http://127.0.0.1:${metricsPort}`;
  const c = await srv.connect();
  try {
    assert.equal((await fetch(`${base}/tap`)).status, 400);
    const res = await fetch(`${base}/tap?name=${encodeURIComponent('tap:*')}&pattern=1`);
    assert.equal(res.status, 200);
    // The tap is registered once the response headers are out.
    assert.equal(srv.server!.hub.tapCount, 1);
    assert.equal(await c.call('PUBLISH', 'other', 'not this one'), 0);
    assert.equal(await c.call('PUBLISH', 'tap:x', 'hello tap'), 0, 'the tap is not a receiver');
    assert.equal(await c.call('PUBLISH', 'tap:bin', Buffer.from([0, 1, 2, 255])), 0);
    assert.equal(await c.call('PUBSUB', 'NUMPAT'), 0);
    const events = (await readEvents(res, 2)) as { channel: string; preview: string; binary: boolean; size: number }[];
    assert.deepEqual(
      events.map((e) => [e.channel, e.preview, e.binary, e.size]),
      [
        ['tap:x', 'hello tap', false, 9],
        ['tap:bin', '00 01 02 ff', true, 4],
      ],
    );
    // Closing the stream removes the tap.
    for (let i = 0; i < 50 && srv.server!.hub.tapCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(srv.server!.hub.tapCount, 0);
  } finally {
    c.close();
    await srv.close();
  }
});

test('a tap on a busy channel sends a bounded batch per interval and counts the messages it skipped', async () => {
  const metricsPort = await freePort();
  const srv = await startTidings({ config: { 'metrics-port': metricsPort, dashboard: 'yes' } });
  const c = await srv.connect();
  try {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/tap?name=busy`);
    assert.equal(res.status, 200);
    const events = readEvents(res, 11);
    // 100 messages at once: the first 10 are kept for the next flush, the other 90 only counted.
    await Promise.all(Array.from({ length: 100 }, (_, i) => c.call('PUBLISH', 'busy', `m${i} ${'x'.repeat(1000)}`)));
    // After a flush, one more message: it tells how many were skipped before it.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await c.call('PUBLISH', 'busy', 'last'), 0);
    const got = (await events) as { preview: string; size: number; dropped: number }[];
    assert.deepEqual(
      got.map((e) => [e.preview.split(' ')[0], e.dropped]),
      [...Array.from({ length: 10 }, (_, i) => [`m${i}`, 0]), ['last', 90]],
    );
    assert.equal(got[0]!.size, 1003);
    assert.equal(got[0]!.preview.length, 240, 'the preview is the head of the payload');
  } finally {
    c.close();
    await srv.close();
  }
});

test('with requirepass every dashboard path needs Basic auth', async () => {
  const metricsPort = await freePort();
  const srv = await startTidings({ password: 'pw', config: { 'metrics-port': metricsPort, dashboard: 'yes' } });
  const base = `http://127.0.0.1:${metricsPort}`;
  try {
    for (const p of ['/', '/events', '/tap?name=x', '/assets/dashboard.js', '/assets/uPlot.iife.min.js', '/metrics']) {
      assert.equal((await fetch(`${base}${p}`)).status, 401, p);
    }
    const auth = { headers: { authorization: `Basic ${Buffer.from('default:pw').toString('base64')}` } };
    assert.equal((await fetch(`${base}/`, auth)).status, 200);
    assert.equal((await fetch(`${base}/assets/dashboard.js`, auth)).status, 200);
    const events = await fetch(`${base}/events`, auth);
    assert.equal(events.status, 200);
    assert.equal((await readEvents(events, 1)).length, 1);
  } finally {
    await srv.close();
  }
});

test('ACL users: the listener asks for what AUTH asks, and each path for what it shows', async () => {
  const metricsPort = await freePort();
  const srv = await startTidings({ config: { 'metrics-port': metricsPort, dashboard: 'yes' } });
  const base = `http://127.0.0.1:${metricsPort}`;
  const as = (user: string, pass: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` } });
  const status = async (p: string, init?: RequestInit) => {
    const res = await fetch(`${base}${p}`, init);
    await res.body?.cancel();
    return res.status;
  };
  const c = await srv.connect();
  try {
    // No requirepass, but the default user given a password by ACL: connections must AUTH, so must HTTP.
    assert.equal(await status('/metrics'), 200, 'open while the default user is nopass');
    assert.equal(await c.call('ACL', 'SETUSER', 'default', 'resetpass', '>dpw'), 'OK');
    assert.equal(await c.call('AUTH', 'dpw'), 'OK');
    assert.equal(srv.server!.config.string('requirepass'), '', 'requirepass itself is still empty');
    for (const p of ['/', '/metrics', '/events', '/tap?name=x']) assert.equal(await status(p), 401, p);
    assert.equal(await status('/metrics', as('default', 'nope')), 401);
    assert.equal(await status('/metrics', as('default', 'dpw')), 200);
    assert.equal(await status('/metrics', as('scraper-job', 'dpw')), 200, 'an unknown name means the default user');

    // A scraper user: INFO only. /metrics yes, the dashboard no (403, not 401: the password is right).
    assert.equal(await c.call('ACL', 'SETUSER', 'prom', 'on', '>ppw', '+info'), 'OK');
    assert.equal(await status('/metrics', as('prom', 'ppw')), 200);
    assert.equal(await status('/metrics', as('prom', 'dpw')), 401, "the named user's password, not the default one");
    assert.equal(await status('/', as('prom', 'ppw')), 403);
    assert.equal(await status('/events', as('prom', 'ppw')), 403);

    // An operator allowed the dashboard and the orders:* channels: the tap follows only those.
    assert.equal(
      await c.call('ACL', 'SETUSER', 'ops', 'on', '>opw', '+info', '+slowlog|get', '+client|list', '+subscribe', '+psubscribe', 'resetchannels', '&orders:*'),
      'OK',
    );
    assert.equal(await status('/', as('ops', 'opw')), 200);
    assert.equal(await status('/events', as('ops', 'opw')), 200);
    assert.equal(await status('/tap?name=orders:new', as('ops', 'opw')), 200);
    assert.equal(await status('/tap?name=orders:*&pattern=1', as('ops', 'opw')), 200);
    assert.equal(await status('/tap?name=payroll', as('ops', 'opw')), 403);
    assert.equal(await status('/tap?name=*&pattern=1', as('ops', 'opw')), 403, 'a wider pattern than the user may subscribe');

    // A disabled user is refused even with the right password.
    assert.equal(await c.call('ACL', 'SETUSER', 'ops', 'off'), 'OK');
    assert.equal(await status('/', as('ops', 'opw')), 401);
  } finally {
    c.close();
    await srv.close();
  }
});
