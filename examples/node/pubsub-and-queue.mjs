// Tidings embedded in a Node app, used through ioredis exactly as you would use Redis:
// pub/sub notifications, then a work queue (LPUSH by a producer, BRPOP by a worker).
//
//   npm run build && node examples/node/pubsub-and-queue.mjs
//
// Inside this repository `tidings` resolves to the package itself (dist/); in your app it is the
// installed dependency.
import { startServer } from 'tidings';
import { Redis } from 'ioredis';

// Port 0 picks a free port; use 6379 (the default) to stand in for a local Redis.
const broker = await startServer({ port: Number(process.env.PORT ?? 0) });
console.log(`Tidings listening on ${broker.url}`);

const publisher = new Redis(broker.url);
const subscriber = new Redis(broker.url);
const worker = new Redis(broker.url);

// --- Pub/sub: every subscriber of a channel gets every message published while it listens.
await subscriber.subscribe('notifications');
const allReceived = new Promise((resolve) => {
  let count = 0;
  subscriber.on('message', (channel, message) => {
    console.log(`Received on ${channel}: ${message}`);
    if (++count === 3) resolve();
  });
});
for (let i = 1; i <= 3; i++) {
  const receivers = await publisher.publish('notifications', `Notification ${i}`);
  console.log(`Sent: Notification ${i} (to ${receivers} subscriber)`);
}
await allReceived;

// --- Work queue: each job goes to exactly one worker; BRPOP waits until a job is there.
const jobs = [
  { id: 1, task: 'resize avatar' },
  { id: 2, task: 'send welcome email' },
  { id: 3, task: 'rebuild search index' },
];
const workerDone = (async () => {
  for (let handled = 0; handled < jobs.length; handled++) {
    const [, payload] = await worker.brpop('jobs', 0); // 0 = wait as long as it takes
    const job = JSON.parse(payload);
    console.log(`Worker handled job ${job.id}: ${job.task}`);
  }
})();
for (const job of jobs) await publisher.lpush('jobs', JSON.stringify(job));
await workerDone;
console.log(`Jobs left in the queue: ${await publisher.llen('jobs')}`);

publisher.disconnect();
subscriber.disconnect();
worker.disconnect();
await broker.close();
