import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, RequestParser, splitInlineArgs } from '../../src/protocol/parser.js';

const limits = () => ({ maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 });
const str = (argv: Buffer[] | undefined) => argv?.map((a) => a.toString('latin1'));

function drain(p: RequestParser): string[][] {
  const out: string[][] = [];
  for (let argv = p.next(); argv; argv = p.next()) out.push(str(argv)!);
  return out;
}

test('multibulk commands, pipelined, split at every byte', () => {
  const input = Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\nPING\r\n*1\r\n$4\r\nPING\r\n');
  const expected = [['GET', 'foo'], ['SET', 'k', ''], ['PING'], ['PING']];
  for (let split = 0; split <= input.length; split++) {
    const p = new RequestParser(limits());
    const got: string[][] = [];
    p.push(input.subarray(0, split));
    got.push(...drain(p));
    p.push(input.subarray(split));
    got.push(...drain(p));
    assert.deepEqual(got, expected, `split at ${split}`);
  }
  // one byte at a time
  const p = new RequestParser(limits());
  const got: string[][] = [];
  for (const byte of input) {
    p.push(Buffer.from([byte]));
    got.push(...drain(p));
  }
  assert.deepEqual(got, expected);
});

test('large bulk arguments arriving in many chunks are assembled exactly', () => {
  const payload = Buffer.alloc(300_000);
  for (let i = 0; i < payload.length; i++) payload[i] = i % 256;
  const input = Buffer.concat([Buffer.from(`*2\r\n$7\r\nPUBLISH\r\n$${payload.length}\r\n`), payload, Buffer.from('\r\n*1\r\n$4\r\nPING\r\n')]);
  const p = new RequestParser(limits());
  const cmds: Buffer[][] = [];
  for (let i = 0; i < input.length; i += 7919) {
    p.push(input.subarray(i, i + 7919));
    for (let a = p.next(); a; a = p.next()) cmds.push(a);
  }
  assert.equal(cmds.length, 2);
  assert.ok(cmds[0]![1]!.equals(payload));
  assert.equal(cmds[1]![0]!.toString(), 'PING');
});

test('empty multibulk and empty inline lines are ignored', () => {
  const p = new RequestParser(limits());
  p.push(Buffer.from('*0\r\n*-1\r\n\r\n   \r\nPING\r\n'));
  assert.deepEqual(drain(p), [['PING']]);
});

test('protocol errors carry the Redis texts', () => {
  const cases: [string, string][] = [
    ['*abc\r\n', 'Protocol error: invalid multibulk length'],
    ['*3000000000\r\n', 'Protocol error: invalid multibulk length'],
    ['*1\r\nfoo\r\n', "Protocol error: expected '$', got 'f'"],
    ['*1\r\n$-5\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$600000000\r\n', 'Protocol error: invalid bulk length'],
    ['SET "foo bar\r\n', 'Protocol error: unbalanced quotes in request'],
  ];
  for (const [input, message] of cases) {
    const p = new RequestParser(limits());
    p.push(Buffer.from(input));
    assert.throws(() => drain(p), (e: unknown) => e instanceof ProtocolError && e.message === message, input);
  }
  const big = new RequestParser(limits());
  big.push(Buffer.alloc(70 * 1024, 'a'));
  assert.throws(() => big.next(), /too big inline request/);
  const bigCount = new RequestParser(limits());
  bigCount.push(Buffer.from('*' + '1'.repeat(70 * 1024)));
  assert.throws(() => bigCount.next(), /too big mbulk count string/);
});

test('unauthenticated clients get tighter limits', () => {
  const p = new RequestParser(limits(), { authenticated: false });
  p.push(Buffer.from('*11\r\n'));
  assert.throws(() => p.next(), /unauthenticated multibulk length/);
  const q = new RequestParser(limits(), { authenticated: false });
  q.push(Buffer.from('*1\r\n$20000\r\n'));
  assert.throws(() => q.next(), /unauthenticated bulk length/);
});

test('the parser reads the auth flag it is given, so AUTH lifts the limits at once', () => {
  const session = { authenticated: false };
  const p = new RequestParser(limits(), session);
  session.authenticated = true;
  p.push(Buffer.from('*11\r\n' + '$1\r\na\r\n'.repeat(11)));
  assert.equal(p.next()?.length, 11);
});

test('inline arguments follow redis-cli quoting rules', () => {
  const split = (s: string) => str(splitInlineArgs(Buffer.from(s)));
  assert.deepEqual(split('set a b'), ['set', 'a', 'b']);
  assert.deepEqual(split('  set   "a b"  \'c d\' '), ['set', 'a b', 'c d']);
  assert.deepEqual(split('echo "\\x41\\n\\"q"'), ['echo', 'A\n"q']);
  assert.deepEqual(split("echo 'it\\'s'"), ['echo', "it's"]);
  assert.deepEqual(split('echo ""'), ['echo', '']);
  assert.equal(splitInlineArgs(Buffer.from('echo "abc')), undefined);
  assert.equal(splitInlineArgs(Buffer.from('echo "abc"def')), undefined);
});

test('query buffer limit', () => {
  const p = new RequestParser({ maxBulkLen: 1 << 20, maxQueryBuffer: 1000 });
  assert.throws(() => p.push(Buffer.alloc(2000, 'x')), ProtocolError);
});

test('consecutive commands with the same name share one name Buffer, a copy of the received bytes', () => {
  const p = new RequestParser(limits());
  const chunk = Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\nd\r\n*2\r\n$3\r\nSET\r\n$1\r\ne\r\n');
  p.push(chunk);
  const commands: Buffer[][] = [];
  for (let argv = p.next(); argv; argv = p.next()) commands.push(argv);
  assert.deepEqual(commands.map(str), [['GET', 'a'], ['GET', 'b'], ['SET', 'c', 'd'], ['SET', 'e']]);
  assert.equal(commands[1]![0], commands[0]![0]);
  assert.equal(commands[3]![0], commands[2]![0]);
  assert.notEqual(commands[2]![0], commands[0]![0]);
  // Arguments are views of the received bytes; names are not.
  chunk.fill(0x2a);
  assert.deepEqual(commands.map((argv) => argv[0]!.toString('latin1')), ['GET', 'GET', 'SET', 'SET']);
  assert.equal(commands[0]![1]!.toString('latin1'), '*');
});
