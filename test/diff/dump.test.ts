// DUMP and RESTORE against redis-server 7.0: payload bytes where Redis is deterministic, and
// payloads crossing between the servers for every type and encoding (each server restores the
// other's payload; the restored keys must read the same on both).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startDiffServers, type DiffPair, type DiffServers } from './harness.js';
import type { RespValue } from '../helpers/resp.js';
import { contentCommands, datasetCommands, DETERMINISTIC, withoutRadixTree } from '../persistence/rdb-dataset.js';

let servers: DiffServers | undefined;
before(async (t) => {
  servers = await startDiffServers(t as never);
});
after(async () => {
  await servers?.close();
});

async function withPair(t: TestContext, run: (pair: DiffPair) => Promise<void>): Promise<void> {
  if (servers === undefined) {
    t.skip('redis-server is not installed (recorded in test-artifacts/skipped.txt)');
    return;
  }
  const pair = await servers.pair(2);
  try {
    await run(pair);
  } finally {
    pair.close();
  }
}

const bulk = (v: RespValue): Buffer => {
  assert.equal(v.type, 'bulk');
  return (v as { value: Buffer }).value;
};

async function compareContents(pair: DiffPair, key: string, type: string): Promise<void> {
  for (const check of contentCommands(key, type)) {
    const isFull = check.args[0] === 'XINFO' && check.args[1] === 'STREAM';
    await pair.check(check.args, isFull ? { normalize: withoutRadixTree } : { unordered: check.unordered });
  }
}

test('DUMP payloads are byte-identical to redis-server where Redis is deterministic', async (t) => {
  await withPair(t, async (pair) => {
    await pair.checkAll(datasetCommands());
    for (const key of DETERMINISTIC) await pair.check(['DUMP', key]);
    await pair.check(['DUMP', 'nokey']);
  });
});

test("each server RESTOREs the other's payloads: every type and encoding reads the same", async (t) => {
  await withPair(t, async (pair) => {
    await pair.checkAll(datasetCommands());
    const keys = (await pair.redis.call('KEYS', '*')) as string[];
    assert.ok(keys.length > 25);
    for (const key of keys.sort()) {
      const type = (await pair.redis.call('TYPE', key)) as string;
      const fromRedis = bulk(await pair.redis.callRaw('DUMP', key));
      const fromTidings = bulk(await pair.tidings.callRaw('DUMP', key));
      await pair.check(['RESTORE', `r|${key}`, '0', fromRedis]);
      await pair.check(['RESTORE', `t|${key}`, '0', fromTidings]);
      await compareContents(pair, `r|${key}`, type);
      await compareContents(pair, `t|${key}`, type);
      // Restoring again needs REPLACE; TTLs and ABSTTL behave alike.
      await pair.check(['RESTORE', `t|${key}`, '0', fromTidings]);
      await pair.check(['RESTORE', `t|${key}`, '100000', fromTidings, 'REPLACE']);
      await pair.check(['TTL', `t|${key}`]);
    }
  });
});

test('RESTORE errors match redis-server', async (t) => {
  await withPair(t, async (pair) => {
    await pair.check(['SET', 'k', 'v']);
    const payload = bulk(await pair.redis.callRaw('DUMP', 'k'));
    const corrupt = Buffer.from(payload);
    corrupt[1] ^= 0x40;
    await pair.checkAll([
      ['RESTORE', 'k', '0', payload],
      ['RESTORE', 'n', '-5', payload],
      ['RESTORE', 'n', 'x', payload],
      ['RESTORE', 'n', '0', 'garbage'],
      ['RESTORE', 'n', '0', corrupt],
      ['RESTORE', 'n', '0', payload, 'IDLETIME', '-1'],
      ['RESTORE', 'n', '0', payload, 'FREQ', '300'],
      ['RESTORE', 'n', '0', payload, 'IDLETIME', '1', 'FREQ', '1'],
      ['RESTORE', 'n', '0', payload, 'REPLACE', 'ABSTTL', 'nope'],
      ['RESTORE', 'n', '0'],
      ['RESTORE', 'n', '1', payload, 'ABSTTL'],
      ['EXISTS', 'n'],
      ['RESTORE', 'n', '0', payload, 'IDLETIME', '10', 'REPLACE', 'ABSTTL'],
      ['GET', 'n'],
      ['DUMP', 'k', 'extra'],
    ]);
  });
});
