import assert from 'node:assert/strict';
import test from 'node:test';
import { greet } from '../src/greeting.mjs';

test('greets by name', () => {
  assert.equal(greet('Hello', 'Ada'), 'Hello, Ada!');
});

test('greets the world when no name is given', () => {
  assert.equal(greet('Hi', '  '), 'Hi, world!');
});
