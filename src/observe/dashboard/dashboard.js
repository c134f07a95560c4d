// Tidings dashboard: renders the snapshot pushed on /events once a second, and the message tap.
// Every name shown here is user data (channel names, keys, client names): always textContent.
'use strict';

(function () {
  const HISTORY = 300;
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- formatting
  const int = new Intl.NumberFormat('en-US');
  const dec = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  const num = (n) => (n === null || n === undefined ? '–' : Number.isInteger(n) ? int.format(n) : dec.format(n));
  function bytes(n) {
    if (n < 1024) return `${n} B`;
    const units = ['KB', 'MB', 'GB', 'TB'];
    let v = n / 1024;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${dec.format(v)} ${units[i]}`;
  }
  function ago(ms) {
    if (!ms) return 'never';
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 1) return 'now';
    if (s < 60) return `${s}s ago`;
    if (s < 3600) return `${Math.floor(s / 60)}m ago`;
    return `${Math.floor(s / 3600)}h ago`;
  }
  function duration(s) {
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
  }

  // ---------------------------------------------------------------- tables
  function cell(tr, text, cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    if (text instanceof Node) td.appendChild(text);
    else td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  /** Replace a table body's rows; `columns` are [text(row), class?]. */
  function fill(tableId, rows, columns, key) {
    const body = $(tableId).tBodies[0];
    const frag = document.createDocumentFragment();
    for (const row of rows) {
      const tr = document.createElement('tr');
      if (key) tr.dataset.name = key(row);
      for (const [get, cls] of columns) cell(tr, get(row), cls);
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
    const empty = $(`${tableId}-empty`);
    if (empty) empty.hidden = rows.length > 0;
  }
  function badge(text, cls) {
    const span = document.createElement('span');
    span.className = `badge ${cls || ''}`;
    span.textContent = text;
    return span;
  }

  // ---------------------------------------------------------------- charts
  const charts = [];
  function chart(id, series) {
    const el = $(id);
    const data = [[], ...series.map(() => [])];
    const opts = {
      width: Math.max(200, el.clientWidth),
      height: 180,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{ stroke: '#5c6577', grid: { stroke: '#eef0f4' } }, { stroke: '#5c6577', grid: { stroke: '#eef0f4' }, size: 56 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: s.fill, points: { show: false } }))],
    };
    const plot = new uPlot(opts, data, el);
    const c = { el, plot, data };
    charts.push(c);
    return c;
  }
  function push(c, t, values) {
    c.data[0].push(t);
    values.forEach((v, i) => c.data[i + 1].push(v));
    if (c.data[0].length > HISTORY) for (const arr of c.data) arr.shift();
    c.plot.setData(c.data);
  }
  const resize = () => { for (const c of charts) c.plot.setSize({ width: Math.max(200, c.el.clientWidth), height: 180 }); };
  new ResizeObserver(resize).observe(document.querySelector('main'));

  const cOps = chart('c-ops', [{ label: 'ops/s', color: '#2f6fde', fill: 'rgba(47,111,222,0.08)' }]);
  const cLatency = chart('c-latency', [{ label: 'µs/command', color: '#c2410c' }]);
  const cClients = chart('c-clients', [
    { label: 'connected', color: '#2f6fde' },
    { label: 'pub/sub', color: '#7c3aed' },
    { label: 'blocked', color: '#c2410c' },
  ]);
  const cMemory = chart('c-memory', [
    { label: 'RSS', color: '#1d2330' },
    { label: 'dataset', color: '#1f9d55' },
  ]);

  // ---------------------------------------------------------------- snapshot
  function render(s) {
    const t = s.t / 1000;
    $('uptime').textContent = `up ${duration(s.version.uptime)} · port ${s.version.port}`;
    $('t-clients').textContent = num(s.clients.connected);
    $('t-clients-hint').textContent = `${num(s.clients.pubsub)} pub/sub · ${num(s.clients.blocked)} blocked`;
    $('t-ops').textContent = num(Math.round(s.ops.perSec));
    $('t-latency').textContent = `${dec.format(s.ops.avgLatencyUs)} µs avg`;
    $('t-rss').textContent = bytes(s.memory.rss);
    $('t-dataset').textContent = `dataset ${bytes(s.memory.dataset)}${s.memory.max ? ` of ${bytes(s.memory.max)}` : ''}`;
    $('t-channels').textContent = num(s.pubsub.channels);
    const plural = (n, word) => (n === 1 ? word : `${word}s`);
    $('t-patterns').textContent =
      `${plural(s.pubsub.channels, 'channel')} · ${num(s.pubsub.patterns)} ${plural(s.pubsub.patterns, 'pattern')} · ${num(s.pubsub.shardChannels)} shard`;
    $('t-net-in').textContent = `${bytes(Math.round(s.net.inPerSec))}/s`;
    $('t-net-out').textContent = `received · ${bytes(Math.round(s.net.outPerSec))}/s sent`;

    push(cOps, t, [s.ops.perSec]);
    push(cLatency, t, [s.ops.avgLatencyUs]);
    push(cClients, t, [s.clients.connected, s.clients.pubsub, s.clients.blocked]);
    push(cMemory, t, [s.memory.rss / 1048576, s.memory.dataset / 1048576]);

    fill('channels', s.channels, [
      [(r) => r.name, 'name'],
      [(r) => badge(r.kind, r.kind)],
      [(r) => num(r.subscribers), 'n'],
      [(r) => num(r.perSec), 'n'],
      [(r) => num(r.ratePerMin), 'n'],
      [(r) => num(r.messages), 'n'],
      [(r) => num(r.deliveries), 'n'],
      [(r) => bytes(r.bytes), 'n'],
      [(r) => ago(r.lastPublishMs)],
    ], (r) => r.name);
    for (const tr of $('channels').tBodies[0].rows) tr.classList.toggle('hot', Number(tr.cells[3].textContent.replace(/,/g, '')) > 0);

    fill('patterns', s.patterns, [
      [(r) => r.name, 'name'],
      [(r) => num(r.subscribers), 'n'],
      [(r) => num(r.ratePerMin), 'n'],
      [(r) => num(r.messages), 'n'],
      [(r) => num(r.deliveries), 'n'],
    ], (r) => r.name);

    fill('slow', s.slow.subscribers, [
      [(r) => `#${r.id}${r.name ? ` ${r.name}` : ''}`, 'name'],
      [(r) => r.addr],
      [(r) => bytes(r.omem), 'n'],
      [(r) => num(r.queued), 'n'],
      [(r) => num(r.softLimitHits), 'n'],
    ], (r) => String(r.id));
    $('slow-total').textContent = `${num(s.slow.disconnectsTotal)} disconnected for output limits`;
    const events = document.createDocumentFragment();
    for (const d of s.slow.disconnects) {
      const li = document.createElement('li');
      const who = document.createElement('div');
      who.textContent = `#${d.id}${d.name ? ` ${d.name}` : ''} ${d.addr} — `;
      const reason = document.createElement('span');
      reason.className = 'reason';
      reason.textContent = d.reason;
      who.appendChild(reason);
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = `${new Date(d.at).toLocaleTimeString()} · ${bytes(d.pendingBytes)} pending · ${num(d.queuedMessages)} queued · ${d.subscriptions.join(', ')}`;
      li.append(who, meta);
      events.appendChild(li);
    }
    $('disconnects').replaceChildren(events);
    $('disconnects-empty').hidden = s.slow.disconnects.length > 0;

    fill('lists', s.queues.lists, [
      [(r) => (r.db ? `${r.db}:${r.key}` : r.key), 'name'],
      [(r) => num(r.length), 'n'],
      [(r) => num(r.consumers), 'n'],
    ], (r) => (r.db ? `${r.db}:${r.key}` : r.key));
    fill('blocked', s.queues.blocked, [
      [(r) => (r.db ? `${r.db}:${r.key}` : r.key), 'name'],
      [(r) => r.type],
      [(r) => num(r.length), 'n'],
      [(r) => r.waiters.map((w) => `#${w.id}${w.name ? ` ${w.name}` : ''} (${w.command})`).join(', ')],
    ], (r) => r.key);
    const groups = [];
    for (const st of s.queues.streams) for (const g of st.groups) groups.push({ stream: st, g });
    fill('streams', groups, [
      [(r) => (r.stream.db ? `${r.stream.db}:${r.stream.key}` : r.stream.key), 'name'],
      [(r) => r.g.name],
      [(r) => num(r.g.consumers), 'n'],
      [(r) => num(r.g.pending), 'n'],
      [(r) => (r.g.lag === null ? 'unknown' : num(r.g.lag)), 'n'],
      [(r) => r.g.lastDeliveredId],
    ], (r) => `${r.stream.key}/${r.g.name}`);

    const types = Object.entries(s.keyspace.types);
    const most = Math.max(1, ...types.map(([, n]) => n));
    const bars = document.createDocumentFragment();
    for (const [type, n] of types) {
      const li = document.createElement('li');
      li.dataset.type = type;
      const label = document.createElement('span');
      label.textContent = type;
      const track = document.createElement('span');
      track.className = 'track';
      const fillEl = document.createElement('span');
      fillEl.className = 'fill';
      fillEl.style.display = 'block';
      fillEl.style.width = `${(100 * n) / most}%`;
      track.appendChild(fillEl);
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = num(n);
      li.append(label, track, count);
      bars.appendChild(li);
    }
    $('types').replaceChildren(bars);
    $('keyspace-note').textContent = s.keyspace.sampled ? 'by type: estimated from a sample' : '';
    fill('dbs', s.keyspace.dbs, [
      [(r) => `db${r.db}`],
      [(r) => num(r.keys), 'n'],
      [(r) => num(r.expires), 'n'],
    ]);

    fill('slowlog', s.slowlog, [
      [(r) => String(r.id), 'n'],
      [(r) => new Date(r.time * 1000).toLocaleTimeString()],
      [(r) => num(r.durationUs), 'n'],
      [(r) => r.command, 'name'],
      [(r) => r.client],
    ]);
  }

  const status = $('status');
  const events = new EventSource('events');
  events.onopen = () => { status.dataset.state = 'live'; status.textContent = 'live'; };
  events.onerror = () => { status.dataset.state = 'lost'; status.textContent = 'reconnecting'; };
  events.onmessage = (e) => render(JSON.parse(e.data));

  // ---------------------------------------------------------------- message tap
  let tap;
  const log = $('tap-log');
  function stopTap() {
    if (tap) tap.close();
    tap = undefined;
    $('tap-stop').disabled = true;
    $('tap-state').textContent = 'Not watching.';
  }
  $('tap-form').addEventListener('submit', (e) => {
    e.preventDefault();
    stopTap();
    const name = $('tap-name').value;
    const pattern = $('tap-pattern').checked;
    if (!name) return;
    log.replaceChildren();
    tap = new EventSource(`tap?name=${encodeURIComponent(name)}&pattern=${pattern ? 1 : 0}`);
    $('tap-stop').disabled = false;
    $('tap-state').textContent = `Watching ${pattern ? 'pattern' : 'channel'} “${name}”…`;
    tap.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      const li = document.createElement('li');
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = `${new Date(m.t).toLocaleTimeString()} · ${m.channel}${m.shard ? ' (shard)' : ''} · ${bytes(m.size)}${m.binary ? ' · binary (hex)' : ''}${m.dropped ? ` · ${m.dropped} skipped` : ''}`;
      const payload = document.createElement('span');
      payload.className = 'payload';
      payload.textContent = m.preview + (m.size > m.preview.length && !m.binary ? ' …' : '');
      li.append(meta, payload);
      log.prepend(li);
      while (log.children.length > 200) log.lastChild.remove();
    };
  });
  $('tap-stop').addEventListener('click', stopTap);
})();
