/** Rotation schedules: the windows AWS's documented rules and expressions open, and the ones AWS refuses. */
import { describe, expect, it } from 'vitest';
import { type RotationRules, rotationSchedule } from './rotation-rules.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

function window(rules: RotationRules, basis: string, after = basis): [string, string] | undefined {
  const next = rotationSchedule(rules)!.nextWindow(at(basis), at(after));
  return next && [iso(next.start), iso(next.end)];
}

describe('rotation windows', () => {
  it('AutomaticallyAfterDays: the whole UTC day N days after the last rotation', () => {
    expect(window({ AutomaticallyAfterDays: 30 }, '2024-03-01T15:20:00Z')).toEqual(['2024-03-31T00:00:00.000Z', '2024-04-01T00:00:00.000Z']);
    // A window already missed gives way to the next one in the rhythm.
    expect(window({ AutomaticallyAfterDays: 2 }, '2024-03-01T15:20:00Z', '2024-03-04T01:00:00Z')).toEqual(['2024-03-05T00:00:00.000Z', '2024-03-06T00:00:00.000Z']);
    expect(rotationSchedule({ AutomaticallyAfterDays: 7 })!.days).toBe(7);
  });

  it('rate(N days) opens at midnight, with Duration as the window', () => {
    expect(window({ ScheduleExpression: 'rate(10 days)', Duration: '3h' }, '2024-03-01T15:20:00Z')).toEqual(['2024-03-11T00:00:00.000Z', '2024-03-11T03:00:00.000Z']);
    expect(rotationSchedule({ ScheduleExpression: 'rate(1 day)' })!.days).toBe(1);
  });

  it('rate(N hours) opens every N hours from midnight for an hour, starting again each day', () => {
    expect(window({ ScheduleExpression: 'rate(4 hours)' }, '2024-03-01T09:30:00Z')).toEqual(['2024-03-01T12:00:00.000Z', '2024-03-01T13:00:00.000Z']);
    expect(window({ ScheduleExpression: 'rate(5 hours)' }, '2024-03-01T21:00:00Z')).toEqual(['2024-03-02T00:00:00.000Z', '2024-03-02T01:00:00.000Z']);
  });

  it('cron(): at the hour it names, to the end of the day, or for an hour when it names several hours a day', () => {
    expect(window({ ScheduleExpression: 'cron(0 16 1,15 * ? *)' }, '2024-03-02T00:00:00Z')).toEqual(['2024-03-15T16:00:00.000Z', '2024-03-16T00:00:00.000Z']);
    expect(window({ ScheduleExpression: 'cron(0 4/12 * * ? *)' }, '2024-03-02T05:00:00Z')).toEqual(['2024-03-02T16:00:00.000Z', '2024-03-02T17:00:00.000Z']);
    expect(window({ ScheduleExpression: 'cron(0 10 ? * TUE#2 *)', Duration: '2h' }, '2024-03-01T00:00:00Z')).toEqual(['2024-03-12T10:00:00.000Z', '2024-03-12T12:00:00.000Z']);
  });

  it('no schedule without AutomaticallyAfterDays or ScheduleExpression', () => {
    expect(rotationSchedule(undefined)).toBeUndefined();
    expect(rotationSchedule({ Duration: '2h' })).toBeUndefined();
  });
});

describe('refused rules', () => {
  it.each<[RotationRules, RegExp]>([
    [{ AutomaticallyAfterDays: 3, ScheduleExpression: 'rate(3 days)' }, /^You cannot specify both rotation frequency and schedule expression together\.$/],
    [{ ScheduleExpression: 'rate(3 hours)' }, /rate in hours/],
    [{ ScheduleExpression: 'rate(1000 days)' }, /rate in days/],
    [{ ScheduleExpression: 'rate(3 minutes)' }, /ScheduleExpression/],
    [{ ScheduleExpression: 'cron(15 4 * * ? *)' }, /0 minutes/],
    [{ ScheduleExpression: 'cron(0 4 * * ? 2030)' }, /as the year/],
    [{ ScheduleExpression: 'cron(0 4 * * * *)' }, /ScheduleExpression/],
    [{ ScheduleExpression: 'cron(0 20 * * ? *)', Duration: '5h' }, /next UTC day/],
    [{ ScheduleExpression: 'rate(4 hours)', Duration: '5h' }, /next rotation window/],
    [{ AutomaticallyAfterDays: 1, Duration: '0h' }, /at least 1h/],
  ])('%j', (rules, message) => {
    expect(() => rotationSchedule(rules)).toThrow(expect.objectContaining({ code: 'InvalidParameterException', message: expect.stringMatching(message) }));
  });
});
