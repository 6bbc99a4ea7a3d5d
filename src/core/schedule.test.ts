/** Schedule expressions: AWS's documented rate() and cron() examples, and the ones AWS refuses. */
import { describe, expect, it } from 'vitest';
import { parseSchedule } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const next = (expression: string, after: string, anchor = after) => {
  const due = parseSchedule(expression).next(at(after), at(anchor));
  return due === undefined ? undefined : new Date(due).toISOString();
};

describe('rate()', () => {
  it('fires one period after its anchor, then every period', () => {
    expect(next('rate(1 hour)', '2024-01-01T00:00:00Z')).toBe('2024-01-01T01:00:00.000Z');
    expect(next('rate(5 minutes)', '2024-01-01T00:12:00Z', '2024-01-01T00:00:00Z')).toBe('2024-01-01T00:15:00.000Z');
    expect(next('rate(2 days)', '2024-01-01T00:00:00Z')).toBe('2024-01-03T00:00:00.000Z');
  });
  it.each(['rate(1 minutes)', 'rate(2 minute)', 'rate(0 minutes)', 'rate(-1 minutes)', 'rate(10 seconds)', 'rate(1 MINUTE)', 'rate( 1 minute)', ' rate(1 minute)', 'rate()', 'rate(x minutes)'])(
    'refuses %s',
    (expression) => expect(() => parseSchedule(expression)).toThrow('Parameter ScheduleExpression is not valid.'),
  );
});

describe('cron()', () => {
  it.each([
    // AWS's documented examples.
    ['cron(0 10 * * ? *)', '2024-03-04T09:30:00Z', '2024-03-04T10:00:00.000Z'],
    ['cron(15 12 * * ? *)', '2024-03-04T12:15:00Z', '2024-03-05T12:15:00.000Z'],
    ['cron(0 18 ? * MON-FRI *)', '2024-03-08T19:00:00Z', '2024-03-11T18:00:00.000Z'],
    ['cron(0 8 1 * ? *)', '2024-03-04T00:00:00Z', '2024-04-01T08:00:00.000Z'],
    ['cron(0/15 * * * ? *)', '2024-03-04T10:07:00Z', '2024-03-04T10:15:00.000Z'],
    ['cron(0/10 * ? * MON-FRI *)', '2024-03-09T10:00:00Z', '2024-03-11T00:00:00.000Z'],
    ['cron(0/5 8-17 ? * MON-FRI *)', '2024-03-04T17:56:00Z', '2024-03-05T08:00:00.000Z'],
    ['cron(0/30 20-2 ? * MON-FRI *)', '2024-03-04T23:45:00Z', '2024-03-05T00:00:00.000Z'],
    // L, W and #.
    ['cron(0 0 L * ? *)', '2024-02-10T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['cron(0 0 LW * ? *)', '2024-03-01T00:00:00Z', '2024-03-29T00:00:00.000Z'],
    ['cron(0 0 15W * ? *)', '2024-06-01T00:00:00Z', '2024-06-14T00:00:00.000Z'],
    ['cron(0 0 1W * ? *)', '2024-06-01T00:00:00Z', '2024-06-03T00:00:00.000Z'],
    ['cron(0 9 ? * 2#1 *)', '2024-03-04T10:00:00Z', '2024-04-01T09:00:00.000Z'],
    ['cron(0 9 ? * 6L *)', '2024-03-01T00:00:00Z', '2024-03-29T09:00:00.000Z'],
    ['cron(0 9 ? * L *)', '2024-03-04T00:00:00Z', '2024-03-09T09:00:00.000Z'],
    // Lists, names, years.
    ['cron(0,30 6 ? * SUN,SAT *)', '2024-03-04T00:00:00Z', '2024-03-09T06:00:00.000Z'],
    ['cron(0 0 1 JAN,JUL ? *)', '2024-03-04T00:00:00Z', '2024-07-01T00:00:00.000Z'],
    ['cron(0 0 1 1 ? 2030)', '2024-03-04T00:00:00Z', '2030-01-01T00:00:00.000Z'],
    ['cron(0 0 1 1 ? 2020)', '2024-03-04T00:00:00Z', undefined],
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it.each([
    'cron(0 10 * * * *)',
    'cron(0 10 ? * ? *)',
    'cron(0 10 * *)',
    'cron(60 * * * ? *)',
    'cron(0 24 * * ? *)',
    'cron(0 0 32 * ? *)',
    'cron(0 0 ? * 8 *)',
    'cron(0 0 ? * 2#6 *)',
    'cron(0 0 * 13 ? *)',
    'cron(0 0 * * ? 1969)',
    'cron(0/0 * * * ? *)',
    'cron(a * * * ? *)',
    'cron(0  10 * * ? *)',
  ])('refuses %s', (expression) => expect(() => parseSchedule(expression)).toThrow('Parameter ScheduleExpression is not valid.'));
});
