/**
 * Rotation schedules ("Schedule expressions in Secrets Manager rotation"): RotationRules'
 * AutomaticallyAfterDays, or a ScheduleExpression (`rate(N hours|days)`, at least every four hours
 * and at most every 999 days, or a six-field `cron()` whose minutes are 0 and whose year is `*`),
 * with a window Duration (`<n>h`). Windows open on the hour in UTC: a schedule in days opens at
 * midnight (a cron's hour when it gives one) and closes at the end of the day, a schedule in hours
 * opens every N hours from midnight and closes after an hour, unless Duration says otherwise; the
 * window must not run into the next UTC day or the next window.
 *
 * AWS rotates at some time within the window; Drydock rotates when it opens, so a time warp past
 * the window's start rotates at once.
 */
import { AwsError } from '../../core/errors.js';
import { parseSchedule, ScheduleError } from '../../core/schedule.js';

export interface RotationRules {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

export interface RotationWindow {
  start: number;
  end: number;
}

export interface RotationSchedule {
  /** The first window opening after `after`, for a schedule that counts from `basis` (the last rotation). */
  nextWindow(basis: number, after: number): RotationWindow | undefined;
  /** The days between rotations, for DescribeSecret's AutomaticallyAfterDays, when the schedule has a fixed number of days. */
  days?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MIN_RATE_HOURS = 4;
const MAX_RATE_DAYS = 999;

const invalid = (message: string) => new AwsError('InvalidParameterException', message);

const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/** The window's length: Duration, else an hour for schedules in hours, else the rest of the day. */
function windowLength(duration: string | undefined, start: number, inHours: boolean): number {
  if (duration !== undefined) return Number(duration.slice(0, -1)) * HOUR_MS;
  return inHours ? HOUR_MS : startOfDay(start) + DAY_MS - start;
}

/** Refuses a Duration that makes a window run into the next UTC day or the next window. */
function checkDuration(duration: string | undefined, startHour: number, periodHours: number): void {
  if (duration === undefined) return;
  const hours = Number(duration.slice(0, -1));
  if (!Number.isInteger(hours) || hours < 1) throw invalid(`The rotation window Duration ${duration} must be at least 1h.`);
  if (startHour + hours > 24 || hours > periodHours) {
    throw invalid(`The rotation window Duration ${duration} can't extend into the next UTC day or the next rotation window.`);
  }
}

function daysSchedule(days: number, duration: string | undefined): RotationSchedule {
  checkDuration(duration, 0, days * 24);
  return {
    days,
    nextWindow(basis, after) {
      // Every `days` days after the last rotation's day, at midnight; a missed window rotates at the next opportunity.
      let start = startOfDay(basis) + days * DAY_MS;
      if (start <= after) start += Math.ceil((after - start + 1) / (days * DAY_MS)) * days * DAY_MS;
      return { start, end: start + windowLength(duration, start, false) };
    },
  };
}

function hoursSchedule(hours: number, duration: string | undefined): RotationSchedule {
  checkDuration(duration, 0, hours);
  return {
    nextWindow(_basis, after) {
      // Windows open every `hours` hours from midnight, starting again each UTC day.
      for (let day = startOfDay(after); ; day += DAY_MS) {
        for (let hour = 0; hour < 24; hour += hours) {
          const start = day + hour * HOUR_MS;
          if (start > after) return { start, end: start + windowLength(duration, start, true) };
        }
      }
    },
  };
}

function cronSchedule(expression: string, body: string, duration: string | undefined): RotationSchedule {
  const fields = body.split(' ');
  if (fields.length !== 6 || fields[0] !== '0' || fields[5] !== '*') {
    throw invalid(`Invalid ScheduleExpression ${expression}: a cron expression needs six fields, 0 minutes and * as the year.`);
  }
  let schedule: ReturnType<typeof parseSchedule>;
  try {
    schedule = parseSchedule(expression);
  } catch (err) {
    if (err instanceof ScheduleError) throw invalid(`Invalid ScheduleExpression ${expression}.`);
    throw err;
  }
  const hoursField = fields[1]!;
  // A schedule in hours gives several hours a day (a list, range, increment or *); one hour is a schedule in days.
  const inHours = !/^\d+$/.test(hoursField);
  const startHour = inHours ? 0 : Number(hoursField);
  checkDuration(duration, startHour, inHours ? 24 : 24 - startHour);
  return {
    nextWindow(_basis, after) {
      const start = schedule.next(after, after);
      return start === undefined ? undefined : { start, end: start + windowLength(duration, start, inHours) };
    },
  };
}

function expressionSchedule(expression: string, duration: string | undefined): RotationSchedule {
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if (rate[2]!.startsWith('hour')) {
      if (value < MIN_RATE_HOURS || value > 23) throw invalid(`Invalid ScheduleExpression ${expression}: a rate in hours must be from ${MIN_RATE_HOURS} to 23 hours.`);
      return hoursSchedule(value, duration);
    }
    if (value < 1 || value > MAX_RATE_DAYS) throw invalid(`Invalid ScheduleExpression ${expression}: a rate in days must be from 1 to ${MAX_RATE_DAYS} days.`);
    return daysSchedule(value, duration);
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return cronSchedule(expression, cron[1]!, duration);
  throw invalid(`Invalid ScheduleExpression ${expression}: use rate() or cron().`);
}

/** The schedule RotationRules describe (undefined when they set none), or InvalidParameterException. */
export function rotationSchedule(rules: RotationRules | undefined): RotationSchedule | undefined {
  if (!rules) return undefined;
  if (rules.AutomaticallyAfterDays !== undefined && rules.ScheduleExpression !== undefined) {
    throw invalid('You cannot specify both rotation frequency and schedule expression together.');
  }
  if (rules.ScheduleExpression !== undefined) return expressionSchedule(rules.ScheduleExpression, rules.Duration);
  if (rules.AutomaticallyAfterDays !== undefined) return daysSchedule(rules.AutomaticallyAfterDays, rules.Duration);
  return undefined;
}
