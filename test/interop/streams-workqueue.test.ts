// A work queue on a stream with a consumer group, driven by ioredis: a consumer "crashes" while
// holding pending messages, another reclaims them with XAUTOCLAIM, and every message is processed
// exactly once after acknowledgements. Then concurrent producers and consumers run against the
// same group with nothing lost. Each scenario runs against Tidings and a real redis-server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { hasRedisServer, skipLoudly, startRedis, startTidings, type TestServer } from '../helpers/servers.js';
import { waitFor } from './wait.js';

type Entry = [id: string, fields: string[]];
type ReadReply = [key: string, entries: Entry[]][] | null;

const targets: [string, () => Promise<TestServer>][] = [
  ['Tidings', () => startTidings()],
  ['redis-server', () => startRedis()],
];

function connect(srv: TestServer): Redis {
  return new Redis({ port: srv.port, host: srv.host, maxRetriesPerRequest: 1, enableOfflineQueue: true });
}

async function crashAndReclaim(srv: TestServer): Promise<void> {
  const producer = connect(srv);
  const crashing = connect(srv);
  const survivor = connect(srv);
  try {
    await producer.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await producer.xadd('jobs', '*', 'job', String(i)))!);

    // The crashing consumer takes 8 jobs and never acknowledges them.
    const taken = (await crashing.xreadgroup('GROUP', 'workers', 'doomed', 'COUNT', '8', 'STREAMS', 'jobs', '>')) as ReadReply;
    assert.equal(taken![0]![1].length, 8);
    crashing.disconnect();

    const processed = new Map<string, number>();
    const work = async (entries: Entry[]) => {
      for (const [id, fields] of entries) {
        assert.equal(fields[0], 'job');
        processed.set(id, (processed.get(id) ?? 0) + 1);
        assert.equal(await survivor.xack('jobs', 'workers', id), 1);
      }
    };
    // The survivor drains the rest of the queue.
    for (;;) {
      const r = (await survivor.xreadgroup('GROUP', 'workers', 'alive', 'COUNT', '5', 'STREAMS', 'jobs', '>')) as ReadReply;
      if (r === null) break;
      await work(r[0]![1]);
    }
    assert.equal(processed.size, 12);
    const summary = (await survivor.xpending('jobs', 'workers')) as [number, string, string, [string, string][]];
    assert.deepEqual(summary, [8, ids[0], ids[7], [['doomed', '8']]]);

    // ...then reclaims what the crashed consumer held once it has been idle long enough.
    await new Promise((r) => setTimeout(r, 30));
    let cursor = '0-0';
    do {
      const [next, claimed, deleted] = (await survivor.xautoclaim('jobs', 'workers', 'alive', 20, cursor, 'COUNT', 3)) as [
        string,
        Entry[],
        string[],
      ];
      assert.deepEqual(deleted, []);
      await work(claimed);
      cursor = next;
    } while (cursor !== '0-0');

    assert.deepEqual([...processed.keys()].sort(), [...ids].sort());
    assert.ok([...processed.values()].every((n) => n === 1), 'each job processed exactly once');
    assert.deepEqual(await survivor.xpending('jobs', 'workers'), [0, null, null, null]);
    const groups = (await survivor.xinfo('GROUPS', 'jobs')) as unknown[][];
    assert.deepEqual(groups[0]!.slice(0, 12), [
      'name', 'workers', 'consumers', 2, 'pending', 0, 'last-delivered-id', ids[19], 'entries-read', 20, 'lag', 0,
    ]);
  } finally {
    producer.disconnect();
    survivor.disconnect();
  }
}

async function concurrentProducersConsumers(srv: TestServer): Promise<void> {
  const PRODUCERS = 3;
  const PER_PRODUCER = 300;
  const CONSUMERS = 3;
  const admin = connect(srv);
  const producers = Array.from({ length: PRODUCERS }, () => connect(srv));
  const consumers = Array.from({ length: CONSUMERS }, () => connect(srv));
  try {
    await admin.xgroup('CREATE', 'q', 'g', '$', 'MKSTREAM');
    const seen = new Map<string, number>();
    let stop = false;
    const consumerLoops = consumers.map(async (client, n) => {
      while (!stop) {
        const r = (await client.xreadgroup('GROUP', 'g', `c${n}`, 'COUNT', '10', 'BLOCK', '100', 'STREAMS', 'q', '>')) as ReadReply;
        if (r === null) continue;
        const entries = r[0]![1];
        for (const [, fields] of entries) seen.set(fields[1]!, (seen.get(fields[1]!) ?? 0) + 1);
        if (entries.length > 0) await client.xack('q', 'g', ...entries.map((e) => e[0]));
      }
    });
    const producerLoops = producers.map(async (client, p) => {
      for (let i = 0; i < PER_PRODUCER; i++) await client.xadd('q', '*', 'msg', `${p}:${i}`);
    });
    await Promise.all(producerLoops);
    const total = PRODUCERS * PER_PRODUCER;
    await waitFor(() => seen.size === total, `${total} distinct messages consumed`);
    stop = true;
    await Promise.all(consumerLoops);
    assert.equal(seen.size, total);
    assert.ok([...seen.values()].every((n) => n === 1), 'no message delivered twice');
    assert.equal(await admin.xlen('q'), total);
    assert.deepEqual(await admin.xpending('q', 'g'), [0, null, null, null]);
  } finally {
    for (const c of [admin, ...producers, ...consumers]) c.disconnect();
  }
}

for (const [name, start] of targets) {
  describe(`stream work queue with ioredis against ${name}`, () => {
    const run = async (t: import('node:test').TestContext, scenario: (srv: TestServer) => Promise<void>) => {
      if (name === 'redis-server' && !hasRedisServer()) {
        skipLoudly(t, 'redis-server is not installed (apt-get install redis-server)');
        return;
      }
      const srv = await start();
      try {
        await scenario(srv);
      } finally {
        await srv.close();
      }
    };
    test('a crashed consumer’s pending jobs are reclaimed with XAUTOCLAIM; each job processed once', (t) =>
      run(t, crashAndReclaim));
    test('concurrent producers and blocking consumers lose nothing', (t) => run(t, concurrentProducersConsumers));
  });
}
