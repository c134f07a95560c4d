// Crash and restart with real job queues: BullMQ (node), RQ and Celery (Python) enqueue jobs; the server is
// killed with SIGKILL, restarted on the same directory and killed again while it loads (the load is
// slowed with key-load-delay so that it is caught at it), then restarted once more. Every job whose
// enqueue was acknowledged to the client is there, and a worker processes each of them.
// With `appendonly yes` + `appendfsync always` the server is killed in the middle of the enqueues;
// with the dump file, after a SAVE acknowledged every job.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { requirePython, runPython, startTidingsProcess } from '../helpers/servers.js';
import { tempDir, until } from './aof-util.js';

type Proc = Awaited<ReturnType<typeof startTidingsProcess>>;

const AOF = ['--appendonly', 'yes', '--appendfsync', 'always'];
const RDB = ['--appendonly', 'no'];
// Half a second after each key: a dump of a few keys (Celery's queue is 2) must still be loading
// when INFO arrives; at 5 ms per key the load could end first on a loaded machine.
const SLOW = ['--key-load-delay', '500000', '--loading-process-events-interval-bytes', '1024'];
const RQ_SCRIPT = path.join(import.meta.dirname, 'python', 'rq_crash.py');
const CELERY_SCRIPT = path.join(import.meta.dirname, 'python', 'celery_crash.py');

function exited(srv: Proc): Promise<unknown> {
  return new Promise((resolve) => (srv.child.exitCode !== null || srv.child.signalCode !== null ? resolve(null) : srv.child.once('exit', resolve)));
}

async function kill9(srv: Proc): Promise<void> {
  srv.child.kill('SIGKILL');
  await exited(srv);
}

/** Restart on `dir` with a slow load and SIGKILL it while INFO says it is loading. */
async function killWhileLoading(dir: string, mode: string[]): Promise<void> {
  const srv = await startTidingsProcess(['--dir', dir, ...mode, ...SLOW], { waitLoaded: false });
  const c = await srv.connect();
  const persistence = String(await c.call('INFO', 'persistence'));
  c.close();
  await kill9(srv);
  assert.match(persistence, /\r\nloading:1\r\n/, 'killed while loading');
  const total = Number(/loading_total_bytes:(\d+)/.exec(persistence)![1]);
  const loaded = Number(/loading_loaded_bytes:(\d+)/.exec(persistence)![1]);
  assert.ok(loaded < total, `killed before the end of the load (${loaded} of ${total} bytes)`);
}

/** Start on `dir` and SIGKILL it after a SAVE (dump file) or mid-enqueue (AOF); returns the acknowledged job IDs. */
async function enqueueAndKill(dir: string, mode: string[], enqueue: (srv: Proc, kill: () => Promise<void>) => Promise<string[]>): Promise<string[]> {
  const srv = await startTidingsProcess(['--dir', dir, ...mode]);
  const rdb = mode === RDB;
  const acked = await enqueue(srv, async () => {
    if (rdb) {
      const c = await srv.connect();
      assert.equal(await c.call('SAVE'), 'OK');
      c.close();
    }
    await kill9(srv);
  });
  await exited(srv);
  assert.ok(acked.length >= 50, `${acked.length} jobs acknowledged`);
  return acked;
}

async function bullEnqueue(srv: Proc, kill: () => Promise<void>, rdb: boolean): Promise<string[]> {
  // No reconnection: once the server is gone, adds fail instead of waiting for it.
  const queue = new Queue('crash', { connection: { host: '127.0.0.1', port: srv.port, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false } });
  queue.on('error', () => undefined);
  await queue.waitUntilReady();
  const acked: string[] = [];
  let stop = false;
  const adding = (async () => {
    for (let n = 0; !stop; n++) {
      try {
        const job = await queue.add('double', { n });
        acked.push(job.id!);
      } catch {
        return;
      }
    }
  })();
  await until(() => acked.length >= 150, 60000);
  // With the dump file, the adds stop first: the SAVE is taken with every acknowledged job in it.
  if (rdb) {
    stop = true;
    await adding;
  }
  await kill();
  await adding;
  await queue.disconnect().catch(() => undefined);
  return acked;
}

async function rqEnqueue(srv: Proc, kill: () => Promise<void>, rdb: boolean): Promise<string[]> {
  let output = '';
  const running = runPython(RQ_SCRIPT, ['enqueue', String(srv.port)], { cwd: path.dirname(RQ_SCRIPT), timeoutMs: 120000 });
  const c = await srv.connect();
  // Count acknowledged jobs through the queue's list (the script prints them as it goes).
  await until(async () => Number(await c.call('LLEN', 'rq:queue:crash')) >= 150, 60000);
  if (rdb) {
    // Pause the enqueuer's writes while saving: CLIENT PAUSE WRITE holds its next enqueue.
    assert.equal(await c.call('CLIENT', 'PAUSE', '60000', 'WRITE'), 'OK');
  }
  c.close();
  await kill();
  output = (await running).stdout;
  const ids = output.split('\n').filter((l) => l.startsWith('job-'));
  return ids;
}

async function celeryEnqueue(srv: Proc, kill: () => Promise<void>, rdb: boolean): Promise<string[]> {
  const running = runPython(CELERY_SCRIPT, ['enqueue'], { cwd: path.dirname(CELERY_SCRIPT), env: { CRASH_PORT: String(srv.port) }, timeoutMs: 120000 });
  const c = await srv.connect();
  // Count queued tasks through Celery's list (the script prints them as apply_async returns).
  await until(async () => Number(await c.call('LLEN', 'celery')) >= 150, 60000);
  if (rdb) assert.equal(await c.call('CLIENT', 'PAUSE', '60000', 'WRITE'), 'OK');
  c.close();
  await kill();
  const result = await running;
  return result.stdout.split('\n').filter((l) => l.startsWith('task-'));
}

async function processCelery(srv: Proc, acked: string[]): Promise<void> {
  const result = await runPython(CELERY_SCRIPT, ['process', ...acked], { cwd: path.dirname(CELERY_SCRIPT), env: { CRASH_PORT: String(srv.port) }, timeoutMs: 180000 });
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as { missing: string[]; unfinished: string[]; checked: number };
  assert.deepEqual(summary, { missing: [], unfinished: [], checked: acked.length });
}

async function processBull(srv: Proc, acked: string[]): Promise<void> {
  const c = await srv.connect();
  for (const id of acked) assert.equal(await c.call('EXISTS', `bull:crash:${id}`), 1, `acknowledged job ${id} survives`);
  c.close();
  const processed = new Set<string>();
  const worker = new Worker('crash', async (job) => {
    processed.add(job.id!);
    return (job.data as { n: number }).n * 2;
  }, { connection: { host: '127.0.0.1', port: srv.port, maxRetriesPerRequest: null } });
  try {
    await until(() => acked.every((id) => processed.has(id)), 120000);
  } finally {
    await worker.close();
  }
  const check = await srv.connect();
  for (const id of acked) assert.notEqual(await check.call('ZSCORE', 'bull:crash:completed', id), null, `job ${id} completed`);
  check.close();
}

async function processRq(srv: Proc, acked: string[]): Promise<void> {
  const result = await runPython(RQ_SCRIPT, ['process', String(srv.port), ...acked], { cwd: path.dirname(RQ_SCRIPT), timeoutMs: 120000 });
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as { missing: string[]; unfinished: string[]; checked: number };
  assert.deepEqual(summary, { missing: [], unfinished: [], checked: acked.length });
}

async function scenario(
  mode: string[],
  enqueue: (srv: Proc, kill: () => Promise<void>, rdb: boolean) => Promise<string[]>,
  processAll: (srv: Proc, acked: string[]) => Promise<void>,
): Promise<void> {
  const dir = tempDir('tidings-queue-crash-');
  const acked = await enqueueAndKill(dir, mode, (srv, kill) => enqueue(srv, kill, mode === RDB));
  await killWhileLoading(dir, mode);
  const srv = await startTidingsProcess(['--dir', dir, ...mode]);
  try {
    await processAll(srv, acked);
  } finally {
    await srv.close();
  }
}

test('BullMQ, appendfsync always: killed mid-enqueue and again mid-load, every acknowledged job is processed', { timeout: 300_000 }, async () => {
  await scenario(AOF, bullEnqueue, processBull);
});

test('BullMQ, dump file: SAVE, killed, killed again mid-load, every saved job is processed', { timeout: 300_000 }, async () => {
  await scenario(RDB, bullEnqueue, processBull);
});

function rqAvailable(t: TestContext): boolean {
  return requirePython(t, ['redis', 'rq']);
}

test('RQ, appendfsync always: killed mid-enqueue and again mid-load, every acknowledged job is processed', { timeout: 300_000 }, async (t) => {
  if (!rqAvailable(t)) return;
  await scenario(AOF, rqEnqueue, processRq);
});

test('RQ, dump file: SAVE, killed, killed again mid-load, every saved job is processed', { timeout: 300_000 }, async (t) => {
  if (!rqAvailable(t)) return;
  await scenario(RDB, rqEnqueue, processRq);
});

function celeryAvailable(t: TestContext): boolean {
  return requirePython(t, ['celery', 'kombu', 'redis']);
}

test('Celery, appendfsync always: killed mid-enqueue and again mid-load, every acknowledged task runs after the restart', { timeout: 300_000 }, async (t) => {
  if (!celeryAvailable(t)) return;
  await scenario(AOF, celeryEnqueue, processCelery);
});

test('Celery, dump file: SAVE, killed, killed again mid-load, every saved task runs after the restart', { timeout: 300_000 }, async (t) => {
  if (!celeryAvailable(t)) return;
  await scenario(RDB, celeryEnqueue, processCelery);
});
