// Instructions of the in-process command path (parser -> execute -> reply writer, as
// bench/dispatch-micro.mjs runs it, 16 commands per chunk) for one build and one command, counted by
// callgrind: 300,000 commands warm the JIT up uninstrumented, then N are counted.
//
//   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/dev/null \
//     node bench/callgrind-inproc.mjs <build dir with dist/> <set|get|incr|lpush|hset|zadd|mset|ping|publish> 160000
//
// "Collected" in valgrind's summary divided by N is the figure per command.
import { spawnSync } from 'node:child_process';
import { encodeCommand, inProcessServer } from './lib.mjs';

const [root, rowName, nStr] = process.argv.slice(2);
const { running, server, client, execute } = await inProcessServer(root);
const ROWS = { set: ['SET', 'key:__rand_int__', 'xxx'], get: ['GET', 'key:__rand_int__'], incr: ['INCR', 'counter:__rand_int__'], lpush: ['LPUSH', 'mylist', 'xxx'], hset: ['HSET', 'myhash', 'element:__rand_int__', 'xxx'], ping: ['PING'], publish: ['PUBLISH', 'channel', 'xxx'], zadd: ['ZADD', 'myzset', '1', 'element:__rand_int__'], mset: ['MSET', ...Array.from({length:10},(_, i)=>[`key:${i}`,'xxx']).flat()] };
const chunk = Buffer.concat(Array.from({ length: 16 }, () => encodeCommand(ROWS[rowName])));
execute(server, client, [Buffer.from('SET'), Buffer.from('key:__rand_int__'), Buffer.from('xxx')]);
const feed = () => { const p = client.parser; p.push(Buffer.from(chunk)); for (;;) { const a = p.next(); if (a === undefined) break; const r = execute(server, client, a); if (typeof r !== 'symbol') client.write(r); } client.out.take(); };
for (let i = 0; i < 300000 / 16; i++) feed();
const N = Number(nStr);
spawnSync('callgrind_control', ['-i', 'on', String(process.pid)]);
for (let i = 0; i < N / 16; i++) feed();
spawnSync('callgrind_control', ['-i', 'off', String(process.pid)]);
await running.close(); process.exit(0);
