/** The DeploymentWindow rule's cron expressions: Quartz fields, special characters, time zones and the next opening. */
import { describe, expect, it } from 'vitest';
import { nextOpening, parseCron, validTimeZone, windowOpen } from './cron.js';

const at = (iso: string) => Date.parse(iso);
const open = (cron: string, iso: string, zone = 'UTC') => windowOpen(parseCron(cron), zone, at(iso));

describe('DeploymentWindow cron', () => {
  it('matches ranges, lists, steps and names of months and weekdays', () => {
    // Monday 2026-12-07.
    expect(open('* * 9-17 ? * MON-FRI', '2026-12-07T09:00:00Z')).toBe(true);
    expect(open('* * 9-17 ? * MON-FRI', '2026-12-07T18:00:00Z')).toBe(false);
    expect(open('* * 9-17 ? * MON-FRI', '2026-12-05T10:00:00Z')).toBe(false);
    expect(open('* 0/15 * ? * *', '2026-12-07T10:30:00Z')).toBe(true);
    expect(open('* 0/15 * ? * *', '2026-12-07T10:31:00Z')).toBe(false);
    expect(open('* * * 1,15 DEC ? 2026', '2026-12-15T00:00:00Z')).toBe(true);
    expect(open('* * * 1,15 DEC ? 2027', '2026-12-15T00:00:00Z')).toBe(false);
    // Day-of-week 1 is Sunday.
    expect(open('* * * ? * 1', '2026-12-06T12:00:00Z')).toBe(true);
  });

  it('understands L, L-n, W, LW, nL and # in the day fields', () => {
    expect(open('* * * L * ?', '2026-02-28T12:00:00Z')).toBe(true);
    expect(open('* * * L-2 * ?', '2026-12-29T12:00:00Z')).toBe(true);
    // The 5th of December 2026 is a Saturday: 5W is Friday the 4th; 1W on Tuesday 2026-09-01 is that day.
    expect(open('* * * 5W * ?', '2026-12-04T12:00:00Z')).toBe(true);
    expect(open('* * * 1W * ?', '2026-09-01T12:00:00Z')).toBe(true);
    // The last day of January 2027 is a Sunday: LW is Friday the 29th.
    expect(open('* * * LW * ?', '2027-01-29T12:00:00Z')).toBe(true);
    // The last Friday of December 2026 is the 25th; the second Monday is the 14th.
    expect(open('* * * ? * 6L', '2026-12-25T12:00:00Z')).toBe(true);
    expect(open('* * * ? * 6L', '2026-12-18T12:00:00Z')).toBe(false);
    expect(open('* * * ? * MON#2', '2026-12-14T12:00:00Z')).toBe(true);
    expect(open('* * * ? * MON#2', '2026-12-07T12:00:00Z')).toBe(false);
  });

  it('reads the time in the window time zone', () => {
    // 09:30 in Tokyo (UTC+9) is 00:30 UTC; in New York in winter (UTC-5) it is 14:30 UTC.
    expect(open('* * 9 ? * *', '2026-12-07T00:30:00Z', 'Asia/Tokyo')).toBe(true);
    expect(open('* * 9 ? * *', '2026-12-07T14:30:00Z', 'America/New_York')).toBe(true);
    expect(open('* * 9 ? * *', '2026-12-07T09:30:00Z', 'America/New_York')).toBe(false);
    expect(validTimeZone('Europe/Paris')).toBe(true);
    expect(validTimeZone('Mars/Olympus')).toBe(false);
  });

  it('finds the next opening: the start of the first matching minute after now', () => {
    const cron = parseCron('* * 9-17 ? * MON-FRI');
    // Saturday 2026-12-05 20:15 UTC: Monday 09:00.
    expect(new Date(nextOpening(cron, 'UTC', at('2026-12-05T20:15:42Z'))!).toISOString()).toBe('2026-12-07T09:00:00.000Z');
    expect(new Date(nextOpening(parseCron('* 30 9 ? * *'), 'Asia/Tokyo', at('2026-12-07T01:00:00Z'))!).toISOString()).toBe('2026-12-08T00:30:00.000Z');
    expect(nextOpening(parseCron('* * * * * ? 2020'), 'UTC', at('2026-12-05T00:00:00Z'))).toBeUndefined();
    expect(nextOpening(parseCron('* * * 31 FEB ?'), 'UTC', at('2026-12-05T00:00:00Z'))).toBeUndefined();
  });

  it('refuses malformed expressions, saying what is wrong', () => {
    expect(() => parseCron('0 9 * * *')).toThrow('must have 6 or 7 fields, not 5');
    expect(() => parseCron('0 * * ? * *')).toThrow("the seconds field of '0 * * ? * *' must be '*'");
    expect(() => parseCron('* * * 1 * MON')).toThrow('one of them must be');
    expect(() => parseCron('* 60 * ? * *')).toThrow("'60' is not a valid value for the minutes field (0-59)");
    expect(() => parseCron('* * 5-2 ? * *')).toThrow("'5-2' is not a valid range for the hours field");
    expect(() => parseCron('* * * ? FOO *')).toThrow("'FOO' is not a valid value for the month field");
  });
});
