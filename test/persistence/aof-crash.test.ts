// Crash safety: a Tidings process with appendonly yes under a write load from several clients
// (SET, INCR, LPUSH, XADD, MULTI/EXEC, EVAL, BLPOP consumers) is killed with SIGKILL at a random
// moment, several times, in each fsync mode. After every restart, each write whose reply had been
// received is there, and no transaction or script is half applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTidingsProcess } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp.js';
import { sleep, tempDir } from './aof-util.js';

interface Acked {
  sets: Map<string, string>;
  maxCounter: number;
  pushed: Set<string>;
  xadded: Set<string>;
  maxTx: number;
  maxScript: number;
  queuePushed: Set<string>;
  queuePopped: Set<string>;
  consumers: number;
  /** Kills so far: each can swallow one in-flight BLPOP per consumer (popped, reply never received). */
  crashes: number;
}

const SCRIPT = "local a = redis.call('incr', KEYS[1]); redis.call('incr', KEYS[2]); return a";

/** Run `step` until the connection dies (the server was killed). */
async function loop(c: RespClient, step: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await step(i);
    } catch {
      return;
    }
  }
}

async function callOrThrow(c: RespClient, ...args: (string | number)[]): Promise<unknown> {
  const reply = await c.call(...args);
  if (reply !== null && typeof reply === 'object' && 'error' in (reply as object)) throw new Error(String((reply as { error: string }).error));
  return reply;
}

async function verify(c: RespClient, acked: Acked): Promise<void> {
  for (const [key, value] of acked.sets) assert.equal(await c.call('GET', key), value, `acknowledged SET ${key} survives`);
  const counter = Number((await c.call('GET', 'counter')) ?? 0);
  assert.ok(counter >= acked.maxCounter, `counter ${counter} >= acknowledged ${acked.maxCounter}`);
  const list = new Set((await c.call('LRANGE', 'list', 0, -1)) as string[]);
  for (const v of acked.pushed) assert.ok(list.has(v), `acknowledged LPUSH ${v} survives`);
  const ids = new Set(((await c.call('XRANGE', 'stream', '-', '+')) as [string, string[]][]).map((e) => e[0]));
  for (const id of acked.xadded) assert.ok(ids.has(id), `acknowledged XADD ${id} survives`);
  const [txA, txB] = ((await c.call('MGET', 'tx:a', 'tx:b')) as (string | null)[]).map((v) => Number(v ?? 0));
  assert.equal(txA, txB, 'MULTI/EXEC is never half applied');
  assert.ok(txA! >= acked.maxTx, `transactions ${txA} >= acknowledged ${acked.maxTx}`);
  const [evA, evB] = ((await c.call('MGET', 'ev:a', 'ev:b')) as (string | null)[]).map((v) => Number(v ?? 0));
  assert.equal(evA, evB, 'a script is never half applied');
  assert.ok(evA! >= acked.maxScript, `scripts ${evA} >= acknowledged ${acked.maxScript}`);
  const queue = new Set((await c.call('LRANGE', 'q', 0, -1)) as string[]);
  for (const v of acked.queuePopped) assert.ok(!queue.has(v), `acknowledged BLPOP of ${v} survives (not back in the queue)`);
  // A pushed element is still queued, or was popped (acknowledged, or in flight when a kill came).
  let missing = 0;
  for (const v of acked.queuePushed) if (!queue.has(v) && !acked.queuePopped.has(v)) missing++;
  const bound = acked.consumers * acked.crashes;
  assert.ok(missing <= bound, `${missing} queue elements unaccounted for (at most one in flight per consumer per kill: ${bound})`);
}

test('SIGKILL at random moments never loses an acknowledged write nor half applies MULTI/EXEC or a script', { timeout: 180_000 }, async () => {
  const dir = tempDir();
  const acked: Acked = {
    sets: new Map(),
    maxCounter: 0,
    pushed: new Set(),
    xadded: new Set(),
    maxTx: 0,
    maxScript: 0,
    queuePushed: new Set(),
    queuePopped: new Set(),
    consumers: 2,
    crashes: 0,
  };
  const modes = ['always', 'everysec', 'no', 'everysec', 'always'];
  for (let round = 0; round < modes.length; round++) {
    const srv = await startTidingsProcess(['--appendonly', 'yes', '--appendfsync', modes[round]!, '--dir', dir, '--save', '']);
    const check = await srv.connect();
    await verify(check, acked);
    check.close();

    const clients = await Promise.all(Array.from({ length: 8 }, () => srv.connect()));
    const [setter, incr, pusher, xadder, tx, script, producer, ...consumers] = clients;
    const work: Promise<void>[] = [
      loop(setter!, async (i) => {
        const key = `k:${round}:${i}`;
        await callOrThrow(setter!, 'SET', key, `v${i}`);
        acked.sets.set(key, `v${i}`);
      }),
      loop(incr!, async () => {
        acked.maxCounter = Math.max(acked.maxCounter, Number(await callOrThrow(incr!, 'INCR', 'counter')));
      }),
      loop(pusher!, async (i) => {
        await callOrThrow(pusher!, 'LPUSH', 'list', `${round}:${i}`);
        acked.pushed.add(`${round}:${i}`);
      }),
      loop(xadder!, async (i) => {
        acked.xadded.add(String(await callOrThrow(xadder!, 'XADD', 'stream', '*', 'n', i)));
      }),
      loop(tx!, async () => {
        tx!.send('MULTI');
        tx!.send('INCR', 'tx:a');
        tx!.send('INCR', 'tx:b');
        tx!.send('EXEC');
        for (let k = 0; k < 3; k++) if (!(await tx!.readFrame())) throw new Error('closed');
        const exec = await tx!.read();
        if (exec.type !== 'array') throw new Error('EXEC failed');
        acked.maxTx = Math.max(acked.maxTx, Number((exec.value[0] as { value: bigint }).value));
      }),
      loop(script!, async () => {
        acked.maxScript = Math.max(acked.maxScript, Number(await callOrThrow(script!, 'EVAL', SCRIPT, 2, 'ev:a', 'ev:b')));
      }),
      loop(producer!, async (i) => {
        await callOrThrow(producer!, 'RPUSH', 'q', `${round}:${i}`);
        acked.queuePushed.add(`${round}:${i}`);
      }),
      ...consumers.map((consumer) =>
        loop(consumer, async () => {
          const popped = (await callOrThrow(consumer, 'BLPOP', 'q', 0)) as [string, string];
          acked.queuePopped.add(popped[1]);
        }),
      ),
    ];
    await sleep(300 + Math.floor(Math.random() * 700));
    srv.child.kill('SIGKILL');
    acked.crashes++;
    await Promise.all(work);
    for (const c of clients) c.close();
    await new Promise((resolve) => (srv.child.exitCode !== null || srv.child.signalCode !== null ? resolve(null) : srv.child.once('exit', resolve)));
  }
  assert.ok(acked.sets.size > 0 && acked.maxCounter > 0 && acked.maxTx > 0 && acked.maxScript > 0 && acked.queuePopped.size > 0, 'the load ran');
  const last = await startTidingsProcess(['--appendonly', 'yes', '--dir', dir, '--save', '']);
  try {
    const c = await last.connect();
    await verify(c, acked);
    c.close();
  } finally {
    await last.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
