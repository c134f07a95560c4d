// BullMQ (Queue, Worker, QueueEvents) against Tidings: its job lifecycle runs almost entirely in
// Lua scripts (cmsgpack, cjson, many redis.call), so this exercises the scripting engine end to end.
// The same suite runs against redis-server, so the expectations are checked against Redis too.
import { test, describe, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, QueueEvents, Worker, type Job, type ConnectionOptions } from 'bullmq';
import { startTidings, startRedis, hasRedisServer, requireRedisServer, type TestServer } from '../helpers/servers.js';

/** Resolve when `cond()` is truthy; poll every 20 ms; fail after a generous deadline (loaded CI). */
async function waitFor<T>(cond: () => T | Promise<T>, what: string, timeoutMs = 30000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const target of ['tidings', 'redis'] as const) {
  describe(`BullMQ against ${target === 'tidings' ? 'Tidings' : 'redis-server'}`, () => {
    let srv: TestServer | undefined;
    let connection: ConnectionOptions;
    const closers: (() => Promise<unknown>)[] = [];

    before(async () => {
      if (target === 'redis' && !hasRedisServer()) return;
      srv = target === 'tidings' ? await startTidings() : await startRedis();
      connection = { host: '127.0.0.1', port: srv.port, maxRetriesPerRequest: null };
    });
    after(async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await srv?.close();
    });

    /** Against redis-server: skip loudly when it is not installed. */
    function available(t: TestContext): boolean {
      return target === 'tidings' || requireRedisServer(t);
    }

    let queueCounter = 0;
    function names(): string {
      return `q${++queueCounter}`;
    }

    async function makeQueue(name: string): Promise<{ queue: Queue; events: QueueEvents }> {
      const queue = new Queue(name, { connection });
      // From the stream's start: QueueEvents reads from '$' once its loop runs, which can be after
      // a job completed (a missed event); each queue is new, so every event read is its own.
      const events = new QueueEvents(name, { connection, lastEventId: '0-0' });
      closers.push(() => queue.close(), () => events.close());
      await queue.waitUntilReady();
      await events.waitUntilReady();
      return { queue, events };
    }

    function worker(name: string, processor: (job: Job) => Promise<unknown>, opts: Record<string, unknown> = {}): Worker {
      const w = new Worker(name, processor, { connection, ...opts });
      closers.push(() => w.close());
      return w;
    }

    test('a job completes and QueueEvents reports it with the return value', async (t) => {
      if (!available(t)) return;
      const name = names();
      const { queue, events } = await makeQueue(name);
      const completed: { jobId: string; returnvalue: unknown }[] = [];
      events.on('completed', (e) => completed.push(e));
      worker(name, async (job) => ({ doubled: (job.data as { x: number }).x * 2 }));
      const job = await queue.add('double', { x: 21 });
      const done = await waitFor(async () => (await queue.getJob(job.id!))?.finishedOn, 'job to finish');
      assert.ok(done);
      const finished = (await queue.getJob(job.id!))!;
      assert.deepEqual(finished.returnvalue, { doubled: 42 });
      assert.equal(await finished.getState(), 'completed');
      await waitFor(() => completed.find((e) => e.jobId === job.id), 'completed event');
      const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'failed');
      assert.deepEqual([counts.completed, counts.waiting, counts.active, counts.failed], [1, 0, 0, 0]);
    });

    test('a failing job is retried with backoff, and one that keeps failing ends failed', async (t) => {
      if (!available(t)) return;
      const name = names();
      const { queue } = await makeQueue(name);
      const failures: string[] = [];
      const w = worker(name, async (job) => {
        if (job.name === 'flaky' && job.attemptsMade < 2) throw new Error(`attempt ${job.attemptsMade} failed`);
        if (job.name === 'broken') throw new Error('always broken');
        return 'ok';
      });
      w.on('failed', (job) => failures.push(`${job?.name}:${job?.attemptsMade}`));
      const flaky = await queue.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 100 } });
      const broken = await queue.add('broken', {}, { attempts: 2, backoff: { type: 'exponential', delay: 50 } });
      await waitFor(async () => (await queue.getJob(flaky.id!))?.finishedOn, 'flaky job to finish');
      await waitFor(async () => (await queue.getJob(broken.id!))?.finishedOn, 'broken job to finish');
      const f = (await queue.getJob(flaky.id!))!;
      assert.equal(await f.getState(), 'completed');
      assert.equal(f.returnvalue, 'ok');
      assert.equal(f.attemptsMade, 3);
      const b = (await queue.getJob(broken.id!))!;
      assert.equal(await b.getState(), 'failed');
      assert.equal(b.failedReason, 'always broken');
      assert.equal(b.attemptsMade, 2);
      assert.deepEqual(failures.filter((x) => x.startsWith('flaky')), ['flaky:1', 'flaky:2']);
      assert.deepEqual(failures.filter((x) => x.startsWith('broken')), ['broken:1', 'broken:2']);
    });

    test('a delayed job waits in the delayed set until its time', async (t) => {
      if (!available(t)) return;
      const name = names();
      const { queue } = await makeQueue(name);
      worker(name, async () => 'late');
      const job = await queue.add('later', {}, { delay: 400 });
      assert.equal(await job.getState(), 'delayed');
      assert.equal(await queue.getDelayedCount(), 1);
      await waitFor(async () => (await queue.getJob(job.id!))?.finishedOn, 'delayed job to finish');
      const done = (await queue.getJob(job.id!))!;
      assert.equal(done.returnvalue, 'late');
      assert.ok(done.processedOn! >= done.timestamp + 400, 'not processed before its delay');
    });

    test('prioritized jobs are processed in priority order', async (t) => {
      if (!available(t)) return;
      const name = names();
      const { queue } = await makeQueue(name);
      await queue.add('p3', {}, { priority: 3 });
      await queue.add('p1', {}, { priority: 1 });
      await queue.add('plain', {});
      await queue.add('p2', {}, { priority: 2 });
      assert.equal(await queue.getPrioritizedCount(), 3);
      const order: string[] = [];
      worker(name, async (job) => {
        order.push(job.name);
      }, { concurrency: 1 });
      await waitFor(() => order.length === 4, 'all four jobs to run');
      // Jobs without a priority come first, then ascending priority.
      assert.deepEqual(order, ['plain', 'p1', 'p2', 'p3']);
    });

    test('progress updates reach QueueEvents', async (t) => {
      if (!available(t)) return;
      const name = names();
      const { queue, events } = await makeQueue(name);
      const progress: unknown[] = [];
      events.on('progress', ({ data }) => progress.push(data));
      worker(name, async (job) => {
        await job.updateProgress(42);
        await job.updateProgress({ step: 2 });
        return 'done';
      });
      const job = await queue.add('steps', {});
      await waitFor(() => progress.length >= 2, 'two progress events');
      assert.deepEqual(progress, [42, { step: 2 }]);
      const finished = await waitFor(async () => {
        const j = await queue.getJob(job.id!);
        return j?.finishedOn ? j : undefined;
      }, 'job to finish');
      assert.deepEqual(finished.progress, { step: 2 });
    });

    test('a stalled job (its worker vanished) is moved back and completed by another worker', async (t) => {
      if (!available(t)) return;
      const name = names();
      const { queue, events } = await makeQueue(name);
      const stalled: string[] = [];
      events.on('stalled', ({ jobId }) => stalled.push(jobId));
      // A worker that takes the job and then disappears: manual fetch, no lock renewal.
      const ghost = new Worker(name, null, { connection, lockDuration: 300 });
      closers.push(() => ghost.close());
      const job = await queue.add('orphan', { n: 1 });
      const taken = await waitFor(() => ghost.getNextJob('ghost-token'), 'the ghost worker to take the job');
      assert.equal(taken.id, job.id);
      assert.equal(await taken.getState(), 'active');
      // The rescuing worker checks for stalled jobs often.
      worker(name, async () => 'rescued', { stalledInterval: 200, maxStalledCount: 1 });
      const finished = await waitFor(async () => {
        const j = await queue.getJob(job.id!);
        return j?.finishedOn ? j : undefined;
      }, 'the stalled job to be completed by the second worker');
      assert.equal(finished.returnvalue, 'rescued');
      await waitFor(() => stalled.includes(job.id!), 'stalled event');
    });
  });
}
