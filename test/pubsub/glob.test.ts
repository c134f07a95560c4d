import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from '../../src/pubsub/glob.js';

test('glob semantics', () => {
  const yes: [string, string][] = [
    ['', ''],
    ['*', 'anything'],
    ['h?llo', 'hello'],
    ['h*llo', 'heeeello'],
    ['h[ae]llo', 'hallo'],
    ['h[^e]llo', 'hallo'],
    ['h[a-b]llo', 'hbllo'],
    ['h[b-a]llo', 'hallo'],
    ['news.*', 'news.tech'],
    ['a\\*b', 'a*b'],
    ['a[\\]]b', 'a]b'],
    ['*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaab'],
    ['[abc', 'a'],
  ];
  const no: [string, string][] = [
    ['h?llo', 'hllo'],
    ['h[ae]llo', 'hillo'],
    ['h[^e]llo', 'hello'],
    ['a\\*b', 'axb'],
    ['*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaa'],
    ['news.*', 'news'],
    // As in Redis, no pattern matches the empty string, not even `*`.
    ['*', ''],
    ['**', ''],
  ];
  for (const [p, s] of yes) assert.equal(globMatch(p, s), true, `${p} ~ ${s}`);
  for (const [p, s] of no) assert.equal(globMatch(p, s), false, `${p} !~ ${s}`);
  assert.equal(globMatch('HELLO', 'hello', true), true);
  assert.equal(globMatch('HELLO', 'hello', false), false);
});
