import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDouble, tryParseFloat, tryParseInteger, tryParseBigInt } from '../../src/protocol/numbers.js';

test('formatDouble matches printf %.17g as Redis 7.0 prints scores', () => {
  const cases: [number, string][] = [
    [0.1, '0.10000000000000001'],
    [1.5, '1.5'],
    [3, '3'],
    [-0, '-0'],
    [1e20, '1e+20'],
    [1.5e-7, '1.4999999999999999e-07'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [123456789.125, '123456789.125'],
    [1e16, '10000000000000000'],
    [0.0001, '0.0001'],
    [0.00001, '1.0000000000000001e-05'],
  ];
  for (const [n, s] of cases) assert.equal(formatDouble(n), s, String(n));
});

test('integer parsing is strict like string2ll', () => {
  assert.equal(tryParseInteger('123'), 123);
  assert.equal(tryParseInteger('-5'), -5);
  assert.equal(tryParseInteger('0'), 0);
  for (const bad of ['', '+1', ' 1', '1 ', '01', '-0', '1.0', 'abc', '9223372036854775808']) {
    assert.equal(tryParseInteger(bad), undefined, bad);
  }
  assert.equal(tryParseBigInt('9223372036854775807'), 9223372036854775807n);
  assert.equal(tryParseBigInt('-9223372036854775808'), -9223372036854775808n);
});

test('float parsing accepts inf and exponents, rejects NaN and spaces', () => {
  assert.equal(tryParseFloat('1.5'), 1.5);
  assert.equal(tryParseFloat('+inf'), Infinity);
  assert.equal(tryParseFloat('-INF'), -Infinity);
  assert.equal(tryParseFloat('1e3'), 1000);
  for (const bad of ['', 'nan', ' 1', '1 ', 'abc', '1.2.3']) assert.equal(tryParseFloat(bad), undefined, bad);
});
