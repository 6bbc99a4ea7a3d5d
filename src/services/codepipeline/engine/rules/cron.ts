/**
 * The cron expressions of the DeploymentWindow rule, as AWS's rule reference gives them (Quartz
 * syntax): seconds (only `*`), minutes, hours, day-of-month, month, day-of-week and an optional
 * year, with `* ? - , /`, `L`, `L-n`, `W` and `LW` in day-of-month, `L` and `#` in day-of-week,
 * month and day names. A time matches when every field matches its local time in the window's
 * time zone; the window is open while the current minute matches.
 */

type LocalTime = { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A set of allowed values, or a day test that needs the whole date (L, W, #). */
type Field = { values: Set<number> } | { any: true } | { day: (t: LocalTime) => boolean };

export interface Cron {
  minutes: Field;
  hours: Field;
  days: Field;
  months: Field;
  weekdays: Field;
  years: Field;
}

function number(text: string, names: string[] | undefined, offset: number, min: number, max: number, field: string): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + offset : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new Error(`'${text}' is not a valid value for the ${field} field (${min}-${max})`);
  return value;
}

function values(text: string, min: number, max: number, field: string, names?: string[], offset = 1): Field {
  if (text === '*' || text === '?') return { any: true };
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : number(stepText, undefined, 0, 1, max, field);
    let [from, to] = [min, max];
    if (range !== '*') {
      const [a = '', b] = range.split('-');
      from = number(a, names, offset, min, max, field);
      to = b === undefined ? (stepText === undefined ? from : max) : number(b, names, offset, min, max, field);
    }
    if (to < from) throw new Error(`'${part}' is not a valid range for the ${field} field`);
    for (let v = from; v <= to; v += step) set.add(v);
  }
  return { values: set };
}

const lastDay = (t: LocalTime) => new Date(Date.UTC(t.year, t.month, 0)).getUTCDate();
const weekdayOf = (t: LocalTime, day: number) => new Date(Date.UTC(t.year, t.month - 1, day)).getUTCDay() + 1;

/** The weekday (Mon-Fri) nearest to `day` in the month, never crossing into another month. */
function nearestWeekday(t: LocalTime, day: number): number {
  const last = lastDay(t);
  const target = Math.min(day, last);
  const weekday = weekdayOf(t, target);
  if (weekday === 7) return target === 1 ? 3 : target - 1;
  if (weekday === 1) return target === last ? target - 2 : target + 1;
  return target;
}

function dayOfMonth(text: string): Field {
  if (text === 'L') return { day: (t) => t.day === lastDay(t) };
  if (text === 'LW') return { day: (t) => t.day === nearestWeekday(t, lastDay(t)) };
  const offset = /^L-(\d+)$/.exec(text);
  if (offset) return { day: (t) => t.day === lastDay(t) - Number(offset[1]) };
  const weekday = /^(\d+)W$/.exec(text);
  if (weekday) {
    const day = number(weekday[1]!, undefined, 0, 1, 31, 'day-of-month');
    return { day: (t) => t.day === nearestWeekday(t, day) };
  }
  return values(text, 1, 31, 'day-of-month');
}

function dayOfWeek(text: string): Field {
  if (text === 'L') return { values: new Set([7]) };
  const last = /^(\w+)L$/.exec(text);
  if (last) {
    const weekday = number(last[1]!, WEEKDAYS, 1, 1, 7, 'day-of-week');
    return { day: (t) => t.weekday === weekday && t.day + 7 > lastDay(t) };
  }
  const nth = /^(\w+)#([1-5])$/.exec(text);
  if (nth) {
    const weekday = number(nth[1]!, WEEKDAYS, 1, 1, 7, 'day-of-week');
    return { day: (t) => t.weekday === weekday && Math.ceil(t.day / 7) === Number(nth[2]) };
  }
  return values(text, 1, 7, 'day-of-week', WEEKDAYS);
}

/** Parses a DeploymentWindow cron expression; throws an Error saying what is wrong. */
export function parseCron(expression: string): Cron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length < 6 || fields.length > 7) throw new Error(`the cron expression '${expression}' must have 6 or 7 fields, not ${fields.length}`);
  const [seconds, minutes, hours, days, months, weekdays, years = '*'] = fields as [string, string, string, string, string, string, string?];
  if (seconds !== '*') throw new Error(`the seconds field of '${expression}' must be '*'`);
  if (days !== '?' && weekdays !== '?') throw new Error(`'${expression}' specifies both a day-of-month and a day-of-week: one of them must be '?'`);
  return {
    minutes: values(minutes, 0, 59, 'minutes'),
    hours: values(hours, 0, 23, 'hours'),
    days: dayOfMonth(days),
    months: values(months, 1, 12, 'month', MONTHS),
    weekdays: dayOfWeek(weekdays),
    years: values(years, 1970, 2199, 'year'),
  };
}

function matches(field: Field, value: number, t: LocalTime): boolean {
  if ('any' in field) return true;
  if ('values' in field) return field.values.has(value);
  return field.day(t);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `zone` is a time zone this runtime knows (IANA names, `UTC`). */
export function validTimeZone(zone: string): boolean {
  try {
    localTime(0, zone);
    return true;
  } catch {
    return false;
  }
}

function localTime(ms: number, zone: string): LocalTime {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(String(parts.weekday).toUpperCase().slice(0, 3)) + 1,
  };
}

const dayMatches = (cron: Cron, t: LocalTime) => matches(cron.years, t.year, t) && matches(cron.months, t.month, t) && matches(cron.days, t.day, t) && matches(cron.weekdays, t.weekday, t);

/** Whether the window is open at `ms`. */
export function windowOpen(cron: Cron, zone: string, ms: number): boolean {
  const t = localTime(ms, zone);
  return dayMatches(cron, t) && matches(cron.hours, t.hour, t) && matches(cron.minutes, t.minute, t);
}

/** When the window next opens after `ms` (the start of a matching minute), or undefined when it never does. */
export function nextOpening(cron: Cron, zone: string, ms: number): number | undefined {
  const DAY = 86_400_000;
  let at = Math.floor(ms / 60_000) * 60_000 + 60_000;
  // Each step skips to the next year, month, day, hour or minute that could match; the bound only stops expressions that never match again.
  for (let step = 0; step < 20_000; step++) {
    const t = localTime(at, zone);
    if (t.year > 2199) return undefined;
    const toMidnight = (86_400 - (t.hour * 3600 + t.minute * 60 + t.second)) * 1000;
    if (!matches(cron.years, t.year, t)) {
      const later = 'values' in cron.years ? [...cron.years.values].some((year) => year > t.year) : true;
      if (!later) return undefined;
      at += Date.UTC(t.year, 11, 31) - Date.UTC(t.year, t.month - 1, t.day) + toMidnight;
    } else if (!matches(cron.months, t.month, t)) at += (lastDay(t) - t.day) * DAY + toMidnight;
    else if (!dayMatches(cron, t)) at += toMidnight;
    else if (!matches(cron.hours, t.hour, t)) at += (60 - t.minute) * 60_000 - t.second * 1000;
    else if (!matches(cron.minutes, t.minute, t)) at += 60_000 - t.second * 1000;
    else return at;
  }
  return undefined;
}
