// End to end in a real browser: the Django example (examples/django) served by two daphne processes
// sharing one broker, with one Celery worker. Two Chromium pages, one on each server, chat with each
// other through Channels' Redis channel layer; a notification published through one server appears
// live on the other's page (each server's listener thread got it); a background task's result
// appears when the worker finishes. Run against Tidings, then unchanged against redis-server.
// Chromium is Debian's (/usr/bin/chromium), driven by playwright-core; no browser is downloaded.
// Tidings runs as its own process through the CLI (`tidings --port N`, as `npx tidings` would), from
// dist/ (`npm test` builds it first).
import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import {
  ROOT,
  freePort,
  startTidingsProcess,
  startRedis,
  requirePython,
  requireRedisServer,
  skipLoudly,
  type TestServer,
} from '../helpers/servers.js';

const DJANGO_DIR = path.join(ROOT, 'examples', 'django');
const DJANGO_MODULES = ['django', 'channels', 'channels_redis', 'daphne', 'celery', 'redis', 'django_redis'];
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const WAIT_MS = 20000;

/** A child process in its own process group, so stopping it also stops whatever it started. */
class Proc {
  readonly child: ChildProcess;
  output = '';
  constructor(readonly name: string, args: string[], env: Record<string, string>) {
    this.child = spawn('/usr/bin/python3', args, {
      cwd: DJANGO_DIR,
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async waitForOutput(pattern: RegExp, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.exited) throw new Error(`${this.name} exited (${this.child.exitCode}):\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${pattern} in output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM the whole process group; SIGKILL it if it is still there after 5 s. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
    signal('SIGKILL'); // any straggler left in the group
  }
}

async function startDaphne(name: string, redisUrl: string): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const proc = new Proc(name, ['-m', 'daphne', '-b', '127.0.0.1', '-p', String(port), 'tidings_demo.asgi:application'], {
    REDIS_URL: redisUrl,
    SERVER_NAME: name,
  });
  await proc.waitForOutput(/Listening on TCP address/);
  return { proc, url: `http://127.0.0.1:${port}` };
}

function startWorker(redisUrl: string): Proc {
  return new Proc(
    'celery-worker',
    ['-m', 'celery', '-A', 'tidings_demo', 'worker', '--pool=solo', '--concurrency=1', '--loglevel=INFO', '-n', 'e2e@%h'],
    { REDIS_URL: redisUrl, NOTIFICATIONS_LISTENER: '0' },
  );
}

/** Every failed request (status >= 400 or no answer) and console error of the pages opened. */
const pageProblems: string[] = [];

async function openPage(context: BrowserContext, url: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  page.on('response', (res) => {
    if (res.status() >= 400) pageProblems.push(`${res.status()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => pageProblems.push(`failed ${req.url()}: ${req.failure()?.errorText}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageProblems.push(`console error: ${msg.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-chat-ready="1"]', { timeout: WAIT_MS });
  await page.waitForFunction(() => document.getElementById('listener-status')?.textContent === '(listening)', null, {
    timeout: WAIT_MS,
  });
  return page;
}

async function sendChat(page: Page, user: string, text: string): Promise<void> {
  await page.fill('#chat-user', user);
  await page.fill('#chat-text', text);
  await page.click('#chat-form button');
}

async function chatLine(page: Page, text: string): Promise<string> {
  const line = page.locator('#chat-log li', { hasText: text });
  await line.waitFor({ timeout: WAIT_MS });
  return line.innerText();
}

/** True when the list is scrolled so that its last entry is inside the visible part of the list. */
async function newestVisible(page: Page, listSelector: string): Promise<boolean> {
  return page.$eval(listSelector, (list) => {
    const last = list.lastElementChild;
    if (!last) return false;
    const box = list.getBoundingClientRect();
    const item = last.getBoundingClientRect();
    return list.scrollHeight > list.clientHeight && item.top >= box.top - 1 && item.bottom <= box.bottom + 1;
  });
}

/** Publish with a bare RESP client, as redis-cli would: a plain-text payload, no JSON, no sender. */
async function publishRaw(port: number, channel: string, text: string): Promise<void> {
  const net = await import('node:net');
  const arg = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  await new Promise<void>((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`*3\r\n${arg('PUBLISH')}${arg(channel)}${arg(text)}`));
    sock.once('data', (d) => {
      sock.destroy();
      if (d.toString().startsWith(':')) resolve();
      else reject(new Error(`PUBLISH answered ${d}`));
    });
    sock.once('error', reject);
  });
}

async function scenario(broker: TestServer, label: string): Promise<void> {
  const redisUrl = `redis://127.0.0.1:${broker.port}/0`;
  const procs: Proc[] = [];
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidings-e2e-chromium-'));
  let context: BrowserContext | undefined;
  const logs = () => procs.map((p) => `--- ${p.name} ---\n${p.output}`).join('\n');
  pageProblems.length = 0;
  try {
    const worker = startWorker(redisUrl);
    procs.push(worker);
    const one = await startDaphne('server-1', redisUrl);
    procs.push(one.proc);
    const two = await startDaphne('server-2', redisUrl);
    procs.push(two.proc);
    await worker.waitForOutput(/ready\./, 60000);

    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const room = `e2e-${label}-${process.pid}`;
    const ann = await openPage(context, `${one.url}/?room=${room}`);
    const bob = await openPage(context, `${two.url}/?room=${room}`);
    assert.equal(await ann.textContent('#server-name'), 'server-1');
    assert.equal(await bob.textContent('#server-name'), 'server-2');

    // 3 + 4. Chat across servers, both ways.
    await sendChat(ann, 'ann', 'hello from server one');
    assert.match(await chatLine(bob, 'hello from server one'), /ann: hello from server one.*sent via server-1, delivered by server-2/s);
    assert.match(await chatLine(ann, 'hello from server one'), /delivered by server-1/);
    await sendChat(bob, 'bob', 'hi ann, this is server two');
    assert.match(await chatLine(ann, 'hi ann, this is server two'), /bob: .*sent via server-2, delivered by server-1/s);
    await chatLine(bob, 'hi ann, this is server two');

    // The chat log follows the newest message once there are more than its box shows.
    for (let i = 1; i <= 12; i++) await sendChat(ann, 'ann', `message number ${i} of twelve`);
    await chatLine(bob, 'message number 12 of twelve');
    await chatLine(ann, 'message number 12 of twelve');
    await bob.waitForFunction(() => document.querySelectorAll('#chat-log li').length >= 14, null, { timeout: WAIT_MS });
    assert.ok(await newestVisible(bob, '#chat-log'), 'the newest chat message is scrolled into view on the other server');
    assert.ok(await newestVisible(ann, '#chat-log'), 'the newest chat message is scrolled into view on the sender');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await bob.screenshot({ path: path.join(ARTIFACTS, `django-chat-${label}.png`), fullPage: true });

    // 1 + 4. A notification published through server 2 reaches server 1's listener, live on ann's page.
    await bob.fill('#notify-text', `deploy finished (${label})`);
    await bob.click('#notify-form button');
    const note = ann.locator('#notification-list li', { hasText: `deploy finished (${label})` });
    await note.waitFor({ timeout: WAIT_MS });
    assert.match(await note.innerText(), /from server-2, received by server-1/);
    await bob.locator('#notification-list li', { hasText: `deploy finished (${label})` }).waitFor({ timeout: WAIT_MS });

    // A notification published from outside the app (redis-cli style, plain text) names a sender.
    await publishRaw(broker.port, 'notifications', `plain text from outside (${label})`);
    const outside = ann.locator('#notification-list li', { hasText: `plain text from outside (${label})` });
    await outside.waitFor({ timeout: WAIT_MS });
    assert.match(await outside.innerText(), /from another client, received by server-1/);

    // 2. A background task queued from ann's page; the result appears when the worker is done.
    await ann.fill('#task-text', 'tidings in a browser');
    await ann.click('#task-form button');
    const task = ann.locator('#task-list li[data-state="SUCCESS"]');
    await task.waitFor({ timeout: 60000 });
    assert.equal(await task.locator('.result').innerText(), 'tidings in a browser'.split('').reverse().join(''));

    await ann.screenshot({ path: path.join(ARTIFACTS, `django-page-${label}.png`), fullPage: true });

    // A phone-sized screen (390 px): nothing wider than the screen, every button inside its card.
    const phone = await openPage(context, `${one.url}/?room=${room}`, { width: 390, height: 844 });
    const overflow = await phone.evaluate(() => {
      const out: string[] = [];
      if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page is ${document.documentElement.scrollWidth}px wide`);
      for (const section of document.querySelectorAll('section')) {
        const card = section.getBoundingClientRect();
        for (const el of section.querySelectorAll('button, input')) {
          const r = el.getBoundingClientRect();
          if (r.right > card.right - 1 || r.left < card.left + 1) out.push(`${section.id} ${el.tagName} ${el.id} ${r.left}-${r.right} outside ${card.left}-${card.right}`);
        }
      }
      return out;
    });
    assert.deepEqual(overflow, [], 'the layout holds at 390 px');
    await phone.screenshot({ path: path.join(ARTIFACTS, `django-phone-${label}.png`), fullPage: true });
    assert.deepEqual(pageProblems, [], 'no failed requests (favicon included) and no console errors');
    for (const p of procs) assert.ok(!p.exited, `${p.name} exited early:\n${p.output}`);
  } catch (err) {
    (err as Error).message += `\n${logs()}`;
    throw err;
  } finally {
    await context?.close().catch(() => undefined);
    await Promise.all(procs.map((p) => p.stop()));
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

function haveEverything(t: TestContext): boolean {
  if (!requirePython(t, DJANGO_MODULES)) return false;
  if (!fs.existsSync(CHROMIUM)) {
    skipLoudly(t, `${CHROMIUM} is missing (apt-get install chromium)`);
    return false;
  }
  return true;
}

describe('Django example in a browser: two daphne servers, a Celery worker, one broker', () => {
  test('on Tidings', async (t) => {
    if (!haveEverything(t)) return;
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) assert.fail('dist/cli.js is missing: run `npm run build` first');
    const broker = await startTidingsProcess();
    try {
      await scenario(broker, 'tidings');
    } finally {
      await broker.close();
    }
  });

  test('unchanged on redis-server', async (t) => {
    if (!requireRedisServer(t) || !haveEverything(t)) return;
    const broker = await startRedis();
    try {
      await scenario(broker, 'redis');
    } finally {
      await broker.close();
    }
  });
});
