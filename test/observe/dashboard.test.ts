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
    const res = await fetch(`${base}/events`);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    const [first] = (await readEvents(res, 1)) as {
      clients: { connected: number; pubsub: number };
      channels: { name: string; messages: number; deliveries: number; subscribers: number }[];
      queues: { streams: { key: string; groups: { name: string; pending: number }[] }[] };
      keyspace: { types: Record<string, number> };
    }[];
    assert.equal(first!.clients.connected, 2);
    assert.equal(first!.clients.pubsub, 1);
    const row = first!.channels.find((r) => r.name === 'dash:a')!;
    assert.deepEqual([row.messages, row.deliveries, row.subscribers], [4, 4, 1]);
    assert.deepEqual(first!.queues.streams.map((s) => [s.key, s.groups.map((g) => g.name)]), [['jobs-stream', ['g1']]]);
    assert.equal(first!.keyspace.types.stream, 1);
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
