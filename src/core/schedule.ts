/**
 * AWS's schedule expressions, shared by EventBridge's scheduled rules and Secrets Manager's
 * rotation schedules: `rate(value unit)` and AWS's six-field
 * `cron(minutes hours day-of-month month day-of-week year)` in UTC, with `, - * /` in every
 * field, `?` in one of the two day fields, `L` (last day of the month, or `nL`: last weekday n of
 * the month), `W` (nearest weekday, `LW` the last one) and `#` (`n#k`: the k-th weekday n).
 * Anything else is refused with AWS's "Parameter ScheduleExpression is not valid.".
 */

export interface Schedule {
  /** The first firing strictly after `after` (epoch ms), given the schedule's anchor (when it was set); undefined when there is none. */
  next(after: number, anchor: number): number | undefined;
}

export class ScheduleError extends Error {
  constructor() {
    super('Parameter ScheduleExpression is not valid.');
  }
}

const MINUTE = 60_000;
const UNIT_MS: Record<string, number> = { minute: MINUTE, hour: 60 * MINUTE, day: 24 * 60 * MINUTE };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const LAST_YEAR = 2199;

export function parseSchedule(text: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) return parseRate(Number(rate[1]), rate[2]!);
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return parseCron(cron[1]!);
  throw new ScheduleError();
}

function parseRate(value: number, unit: string): Schedule {
  const singular = !unit.endsWith('s');
  if (value < 1 || singular !== (value === 1)) throw new ScheduleError();
  const period = value * UNIT_MS[singular ? unit : unit.slice(0, -1)]!;
  return { next: (after, anchor) => anchor + (Math.floor(Math.max(0, after - anchor) / period) + 1) * period };
}

/** One field's allowed values as a set, from its list of `*`, values, ranges and increments. */
function parseField(text: string, min: number, max: number, names: string[] = []): Set<number> {
  const out = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!(n >= min && n <= max)) throw new ScheduleError();
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    if (part.split('/').length > 2) throw new ScheduleError();
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d+$/.test(stepText))) throw new ScheduleError();
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      if (a === undefined || b === undefined || range.split('-').length !== 2) throw new ScheduleError();
      from = value(a);
      to = value(b);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    // A range that wraps (FRI-MON, 22-2) runs through the end of the field into its start.
    const count = to >= from ? to - from : max - from + (to - min) + 1;
    for (let i = 0; i <= count; i += step) out.add(((from - min + i) % (max - min + 1)) + min);
  }
  return out;
}

type DayRule = (year: number, month: number, day: number) => boolean;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

/** The weekday (Mon–Fri) nearest to `target` within the month, as `W` means it. */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  const day = Math.min(target, last);
  const dow = weekday(year, month, day);
  if (dow === 7) return day === 1 ? 3 : day - 1;
  if (dow === 1) return day === last ? day - 2 : day + 1;
  return day;
}

function dayOfMonthRule(text: string): DayRule {
  if (text === 'L') return (y, m, d) => d === daysInMonth(y, m);
  if (text === 'LW') return (y, m, d) => d === nearestWeekday(y, m, daysInMonth(y, m));
  const w = /^(\d{1,2})W$/.exec(text);
  if (w) {
    const target = Number(w[1]);
    if (target < 1 || target > 31) throw new ScheduleError();
    return (y, m, d) => d === nearestWeekday(y, m, target);
  }
  const days = parseField(text, 1, 31);
  return (_y, _m, d) => days.has(d);
}

function dayOfWeekRule(text: string): DayRule {
  const dayNumber = (token: string): number => {
    const named = DAYS.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + 1 : /^\d$/.test(token) ? Number(token) : Number.NaN;
    if (!(n >= 1 && n <= 7)) throw new ScheduleError();
    return n;
  };
  if (text === 'L') return (y, m, d) => weekday(y, m, d) === 7;
  const last = /^(\w+)L$/.exec(text);
  if (last) {
    const dow = dayNumber(last[1]!);
    return (y, m, d) => weekday(y, m, d) === dow && d + 7 > daysInMonth(y, m);
  }
  const nth = /^(\w+)#(\d)$/.exec(text);
  if (nth) {
    const dow = dayNumber(nth[1]!);
    const k = Number(nth[2]);
    if (k < 1 || k > 5) throw new ScheduleError();
    return (y, m, d) => weekday(y, m, d) === dow && Math.ceil(d / 7) === k;
  }
  const days = parseField(text, 1, 7, DAYS);
  return (y, m, d) => days.has(weekday(y, m, d));
}

function parseCron(body: string): Schedule {
  const fields = body.split(' ');
  if (fields.length !== 6 || fields.some((f) => f === '')) throw new ScheduleError();
  const [minutesText, hoursText, domText, monthText, dowText, yearText] = fields as [string, string, string, string, string, string];
  // Exactly one of the day fields is `?`: AWS refuses both set and both unset.
  if ((domText === '?') === (dowText === '?')) throw new ScheduleError();
  const minutes = [...parseField(minutesText, 0, 59)].sort((a, b) => a - b);
  const hours = [...parseField(hoursText, 0, 23)].sort((a, b) => a - b);
  const months = parseField(monthText, 1, 12, MONTHS);
  const years = parseField(yearText, 1970, LAST_YEAR);
  const dayMatches = domText === '?' ? dayOfWeekRule(dowText) : dayOfMonthRule(domText);
  return {
    next(after) {
      const start = new Date(Math.floor(after / MINUTE) * MINUTE + MINUTE);
      let year = start.getUTCFullYear();
      let month = start.getUTCMonth() + 1;
      let day = start.getUTCDate();
      let fromMinute = start.getUTCHours() * 60 + start.getUTCMinutes();
      while (year <= LAST_YEAR) {
        if (!years.has(year)) {
          year++;
          month = 1;
          day = 1;
          fromMinute = 0;
          continue;
        }
        if (months.has(month) && day <= daysInMonth(year, month) && dayMatches(year, month, day)) {
          for (const hour of hours) {
            for (const minute of minutes) {
              if (hour * 60 + minute >= fromMinute) return Date.UTC(year, month - 1, day, hour, minute);
            }
          }
        }
        fromMinute = 0;
        day++;
        if (day > daysInMonth(year, month)) {
          day = 1;
          month++;
          if (month > 12) {
            month = 1;
            year++;
          }
        }
      }
      return undefined;
    },
  };
}
