/**
 * EventBridge schedule expressions: `rate(5 minutes)` and six-field `cron(min hour dom month dow
 * year)` in UTC (docs/reference/lambda-api.md §5.1; EventBridge's "Schedule expressions for rules"). Pure: parse
 * once, then ask for the first run after a time.
 *
 * Supported cron syntax: `*`, `?`, numbers, ranges `a-b`, lists `a,b`, increments `a/n` and `*\/n`,
 * month names JAN-DEC, weekday names SUN-SAT (SUN = 1), `L` in day-of-month (last day), `nL`
 * (last weekday n of the month) and `n#k` (k-th weekday n) in day-of-week. Not supported: `W`.
 */

const MINUTE = 60_000;
const UNIT_MS: Record<string, number> = { minute: MINUTE, hour: 60 * MINUTE, day: 24 * 60 * MINUTE };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** Searching further than this for a matching day means the expression never fires. */
const MAX_SEARCH_DAYS = 366 * 30;

export class ScheduleExpressionError extends Error {}

export interface ScheduleExpr {
  /** The first run strictly after `after` (epoch ms); `anchor` is when the schedule was created (rate() counts from it). */
  next(after: number, anchor: number): number | undefined;
}

export function parseSchedule(expr: string): ScheduleExpr {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!;
    // EventBridge: a value of 1 takes the singular unit, anything greater the plural.
    if (n < 1 || (n === 1) !== !unit.endsWith('s')) throw new ScheduleExpressionError(`invalid rate expression: ${expr}`);
    const period = n * UNIT_MS[unit.replace(/s$/, '')]!;
    return {
      next: (after, anchor) => {
        if (after < anchor) return anchor + period;
        return anchor + (Math.floor((after - anchor) / period) + 1) * period;
      },
    };
  }
  const cron = /^cron\((.*)\)$/.exec(expr);
  if (!cron) throw new ScheduleExpressionError(`a schedule expression is rate(...) or cron(...): ${expr}`);
  return parseCron(cron[1]!.trim());
}

interface DaySpec {
  any: boolean;
  values: Set<number>;
  last: boolean;
  /** Day-of-week `nL`: the last weekday n of the month. */
  lastWeekday: number | undefined;
  /** Day-of-week `n#k`. */
  nth: { day: number; k: number } | undefined;
}

function parseCron(body: string): ScheduleExpr {
  const f = body.split(/\s+/);
  if (f.length !== 6) throw new ScheduleExpressionError(`cron() takes six fields (minutes hours day-of-month month day-of-week year), got ${f.length}`);
  const [minF, hourF, domF, monF, dowF, yearF] = f as [string, string, string, string, string, string];
  if ((domF === '?') === (dowF === '?')) {
    throw new ScheduleExpressionError('cron(): exactly one of day-of-month and day-of-week must be ?');
  }
  const minutes = field(minF, 0, 59);
  const hours = field(hourF, 0, 23);
  const months = field(monF, 1, 12, MONTHS, 1);
  const years = field(yearF, 1970, 2199);
  const dom = daySpec(domF, 1, 31, undefined, 0, false);
  const dow = daySpec(dowF, 1, 7, DAYS, 1, true);
  const minuteList = [...minutes].sort((a, b) => a - b);
  const hourList = [...hours].sort((a, b) => a - b);

  const dayMatches = (d: Date): boolean => {
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth();
    const day = d.getUTCDate();
    const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    const weekday = d.getUTCDay() + 1;
    if (domF !== '?') return dom.any || dom.values.has(day) || (dom.last && day === lastDay);
    if (dow.any || dow.values.has(weekday)) return true;
    if (dow.lastWeekday !== undefined) return weekday === dow.lastWeekday && day + 7 > lastDay;
    if (dow.nth) return weekday === dow.nth.day && Math.ceil(day / 7) === dow.nth.k;
    return false;
  };

  return {
    next(after) {
      const start = Math.floor(after / MINUTE) * MINUTE + MINUTE;
      const s = new Date(start);
      let day = Date.UTC(s.getUTCFullYear(), s.getUTCMonth(), s.getUTCDate());
      for (let i = 0; i < MAX_SEARCH_DAYS; i++, day += 24 * 60 * MINUTE) {
        const d = new Date(day);
        if (!years.has(d.getUTCFullYear())) {
          if (d.getUTCFullYear() > 2199) return undefined;
          continue;
        }
        if (!months.has(d.getUTCMonth() + 1) || !dayMatches(d)) continue;
        for (const h of hourList) {
          for (const m of minuteList) {
            const t = day + (h * 60 + m) * MINUTE;
            if (t >= start) return t;
          }
        }
      }
      return undefined;
    },
  };
}

function daySpec(src: string, min: number, max: number, names: string[] | undefined, nameBase: number, weekday: boolean): DaySpec {
  const spec: DaySpec = { any: false, values: new Set(), last: false, lastWeekday: undefined, nth: undefined };
  if (src === '?') return spec;
  if (src === '*') {
    spec.any = true;
    return spec;
  }
  if (src.includes('W')) throw new ScheduleExpressionError('cron(): W (nearest weekday) is not supported by Nimbus');
  if (!weekday && src === 'L') {
    spec.last = true;
    return spec;
  }
  const lastWd = weekday ? /^([1-7]|[A-Z]{3})L$/.exec(src) : null;
  if (lastWd) {
    spec.lastWeekday = value(lastWd[1]!, min, max, names, nameBase);
    return spec;
  }
  const nth = weekday ? /^([1-7]|[A-Z]{3})#([1-5])$/.exec(src) : null;
  if (nth) {
    spec.nth = { day: value(nth[1]!, min, max, names, nameBase), k: Number(nth[2]) };
    return spec;
  }
  spec.values = field(src, min, max, names, nameBase);
  return spec;
}

function field(src: string, min: number, max: number, names?: string[], nameBase = 0): Set<number> {
  const out = new Set<number>();
  for (const part of src.split(',')) {
    const m = /^(\*|[A-Z0-9]+(?:-[A-Z0-9]+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new ScheduleExpressionError(`cron(): cannot read '${part}'`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new ScheduleExpressionError(`cron(): bad increment in '${part}'`);
    let lo: number;
    let hi: number;
    if (m[1] === '*') {
      lo = min;
      hi = max;
    } else {
      const [a, b] = m[1]!.split('-') as [string, string | undefined];
      lo = value(a, min, max, names, nameBase);
      hi = b === undefined ? (m[2] === undefined ? lo : max) : value(b, min, max, names, nameBase);
      if (hi < lo) throw new ScheduleExpressionError(`cron(): range '${part}' runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function value(s: string, min: number, max: number, names: string[] | undefined, nameBase: number): number {
  const named = names?.indexOf(s) ?? -1;
  const v = named >= 0 ? named + nameBase : /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(v) || v < min || v > max) throw new ScheduleExpressionError(`cron(): '${s}' is not between ${min} and ${max}`);
  return v;
}
