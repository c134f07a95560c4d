// The live dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// loads with no console errors; a burst of PUBLISH moves the channel's counters; the message tap
// shows a published message; a BLPOP consumer and a stream group show up under queues; a subscriber
// that stops reading is listed as disconnected with its reason; the page
// fits a 390 px phone. Screenshots at desktop and phone sizes go to test-artifacts/; the first screen
// at desktop size is the README's picture (docs/dashboard.png, refreshed with UPDATE_DOCS_SCREENSHOT=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, freePort, skipLoudly, startTidings } from '../helpers/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const WAIT_MS = 15000;

function watchConsole(page: Page, errors: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // EventSource requests are aborted when the page closes; anything else is a broken asset.
    if (!/\/(events|tap)/.test(r.url())) errors.push(`requestfailed: ${r.url()}`);
  });
}

/** The number in a table cell ("1,234" → 1234). */
async function cellNumber(page: Page, selector: string): Promise<number> {
  const text = (await page.locator(selector).textContent({ timeout: WAIT_MS })) ?? '';
  return Number(text.replace(/,/g, ''));
}

test('dashboard: live counters, message tap, queues; desktop and phone', async (t) => {
  if (!fs.existsSync(CHROMIUM)) return skipLoudly(t, `${CHROMIUM} is missing (apt-get install chromium)`);
  const metricsPort = await freePort();
  const srv = await startTidings({
    config: {
      'metrics-port': metricsPort,
      dashboard: 'yes',
      'slowlog-log-slower-than': 0,
      'slowlog-max-len': 32,
      'client-output-buffer-limit': 'normal 0 0 0 replica 0 0 0 pubsub 256kb 0 0',
    },
  });
  const base = `http://127.0.0.1:${metricsPort}/`;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-dashboard-chromium-'));
  const c = await srv.connect();
  const sub = await srv.connect();
  const psub = await srv.connect();
  const consumer = await srv.connect();
  let context: BrowserContext | undefined;
  try {
    // Traffic the page should show: subscribers, a blocked BLPOP consumer, a stream group with a pending entry.
    sub.send('SUBSCRIBE', 'orders:new');
    await sub.read();
    psub.send('PSUBSCRIBE', 'orders:*');
    await psub.read();
    await c.call('CLIENT', 'SETNAME', 'producer');
    await consumer.call('CLIENT', 'SETNAME', 'job-worker');
    consumer.send('BLPOP', 'jobs', 0);
    await c.call('XGROUP', 'CREATE', 'events', 'workers', '$', 'MKSTREAM');
    for (let i = 0; i < 3; i++) await c.call('XADD', 'events', '*', 'n', i);
    await c.call('XREADGROUP', 'GROUP', 'workers', 'alice', 'COUNT', 1, 'STREAMS', 'events', '>');
    await c.call('RPUSH', 'celery', 'job-1', 'job-2', 'job-3');
    await c.call('SET', 'greeting', 'hello');
    await c.call('HSET', 'user:1', 'name', 'ann');

    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await context.newPage();
    const errors: string[] = [];
    watchConsole(page, errors);
    await page.goto(base);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live', null, { timeout: WAIT_MS });

    // Queues: the BLPOP waiter under its key, the group with its pending entry and lag.
    const blocked = page.locator('#blocked tr[data-name="jobs"]');
    await blocked.waitFor({ timeout: WAIT_MS });
    assert.match(await blocked.innerText(), /job-worker \(blpop\)/i);
    const group = page.locator('#streams tr[data-name="events/workers"]');
    await group.waitFor({ timeout: WAIT_MS });
    const groupCells = await group.locator('td').allInnerTexts();
    assert.deepEqual(groupCells.slice(1, 5), ['workers', '1', '1', '2'], 'group, consumers, pending, lag');

    // Jobs waiting in a list queue (Celery's default queue), longest first.
    const waiting = page.locator('#lists tr[data-name="celery"]');
    await waiting.waitFor({ timeout: WAIT_MS });
    assert.deepEqual((await waiting.locator('td').allInnerTexts()).slice(0, 3), ['celery', '3', '0']);

    // A burst of PUBLISH moves the channel's counters.
    const row = '#channels tr[data-name="orders:new"]';
    await page.locator(row).waitFor({ timeout: WAIT_MS });
    const before = await cellNumber(page, `${row} td:nth-child(6)`);
    for (let i = 0; i < 300; i++) c.send('PUBLISH', 'orders:new', `order ${i}`);
    for (let i = 0; i < 300; i++) assert.deepEqual(await c.read(), { type: 'int', value: 2n });
    await page.waitForFunction(
      ([sel, want]) => Number(document.querySelector(sel as string)?.textContent?.replace(/,/g, '')) >= (want as number),
      [`${row} td:nth-child(6)`, before + 300] as const,
      { timeout: WAIT_MS },
    );
    assert.equal(await cellNumber(page, `${row} td:nth-child(7)`), (before + 300) * 2, 'deliveries: channel + pattern subscriber');
    assert.equal(await cellNumber(page, `${row} td:nth-child(3)`), 1);
    await page.locator('#patterns tr[data-name="orders:*"]').waitFor({ timeout: WAIT_MS });

    // The message tap: watch a pattern, publish until a message shows (the tap's stream may take a moment to open).
    await page.fill('#tap-name', 'orders:*');
    await page.check('#tap-pattern');
    await page.click('#tap-start');
    const tapped = page.locator('#tap-log li', { hasText: 'tap probe' });
    let shown = false;
    for (let i = 0; i < 50 && !shown; i++) {
      // The tap is not a subscriber: PUBLISH still counts two receivers.
      assert.equal(await c.call('PUBLISH', 'orders:tap', `tap probe ${i} {"sku": 42}`), 1);
      shown = await tapped
        .first()
        .waitFor({ timeout: 200 })
        .then(() => true)
        .catch(() => false);
    }
    assert.ok(shown, 'the tap shows a published message');
    assert.match(await tapped.first().innerText(), /orders:tap[\s\S]*tap probe \d+ \{"sku": 42\}/);
    // A subscriber that stops reading is disconnected for its output limit and listed with the reason.
    const slow = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => slow.once('connect', r));
    slow.on('error', () => undefined);
    slow.write('*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$11\r\nslow-reader\r\n*2\r\n$9\r\nSUBSCRIBE\r\n$9\r\nfeed:bulk\r\n');
    await new Promise((r) => slow.once('data', r));
    slow.pause();
    const slowClosed = new Promise((r) => slow.once('close', r));
    const bulk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && Number(await c.call('PUBLISH', 'feed:bulk', bulk)) === 1; i++);
    slow.resume();
    await slowClosed;
    const gone = page.locator('#disconnects li', { hasText: 'slow-reader' });
    await gone.waitFor({ timeout: WAIT_MS });
    assert.match(await gone.innerText(), /slow-reader 127\.0\.0\.1:\d+ — hard limit 262144 bytes[\s\S]*feed:bulk/);
    assert.match((await page.textContent('#slow-total')) ?? '', /^1 disconnected for output limits$/);
    await page.waitForFunction(() => document.querySelectorAll('#slowlog tbody tr').length > 0, null, { timeout: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('#types li[data-type="stream"] .count')?.textContent === '1', null, { timeout: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('#types li[data-type="list"] .count')?.textContent === '1', null, { timeout: WAIT_MS });

    assert.match((await page.textContent('#t-patterns')) ?? '', /^channels? · 1 pattern · 0 shard$/);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true });
    // The README's picture: the first screen at a laptop size. UPDATE_DOCS_SCREENSHOT=1 refreshes docs/dashboard.png.
    const readme = path.join(ARTIFACTS, 'dashboard-readme.png');
    await page.screenshot({ path: readme, fullPage: false });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') fs.copyFileSync(readme, path.join(ROOT, 'docs', 'dashboard.png'));

    // Phone width: nothing wider than the screen (tables scroll inside their cards).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(1200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 390, `page is ${overflow}px wide at 390px`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });

    assert.deepEqual(errors, [], 'no console errors or failed requests');
  } finally {
    await context?.close().catch(() => undefined);
    fs.rmSync(userDataDir, { recursive: true, force: true });
    for (const client of [c, sub, psub, consumer]) client.close();
    await srv.close();
  }
});
