import { describe, expect, it } from 'vitest';
import { QueryCompileError } from './lexer.js';
import { UnsupportedCommand } from './parser.js';
import { Pipeline } from './pipeline.js';
import { compileQuery, planScan } from './plan.js';
import { EventRow, type EventSource } from './record.js';
import { formatValue } from './values.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const source: EventSource = { groupId: 1, log: '123456789012:/app', streamName: (id) => `stream-${id}` };

function events(messages: string[], stepMs = 60_000): EventRow[] {
  return messages.map((message, i) => new EventRow(source, i + 1, (i % 2) + 1, T0 + i * stepMs, T0 + i * stepMs + 5, message));
}

/** Runs a query over the events in memory, as the scan does without pushdown: rows as {field: value} objects. */
function run(query: string, rows: EventRow[]): Record<string, string>[] {
  const compiled = compileQuery(query);
  const pipeline = new Pipeline(compiled.commands, compiled.refuse, 10_000);
  for (const row of rows) pipeline.push(row);
  return pipeline.end().map((row) => {
    const out: Record<string, string> = {};
    for (const column of compiled.columns) {
      const value = formatValue(row.get(column));
      if (value !== null) out[column] = value;
    }
    return out;
  });
}

function compileError(query: string): QueryCompileError {
  try {
    compileQuery(query);
  } catch (err) {
    if (err instanceof QueryCompileError) return err;
    throw err;
  }
  throw new Error(`${query} compiled`);
}

const ACCESS = events(['GET /a 200 12ms user=alice', 'GET /b 500 80ms user=bob', 'POST /a 201 30ms user=alice', 'GET /c 404 5ms user=carol', 'GET /a 500 95ms user=bob']);

describe('Logs Insights query language', () => {
  it('shows @timestamp and @message by default, timestamps as AWS prints them', () => {
    const [first] = run('filter @message like "GET /a 200"', ACCESS);
    expect(first).toEqual({ '@timestamp': '2024-01-15 10:00:00.000', '@message': 'GET /a 200 12ms user=alice' });
  });

  it('filters with comparisons, like, regexes, in and boolean operators', () => {
    const parsed = 'parse @message "* * * *ms user=*" as method, path, status, ms, user';
    expect(run(`${parsed} | filter status >= 500 | display user`, ACCESS).map((r) => r.user)).toEqual(['bob', 'bob']);
    expect(run(`${parsed} | filter status in [200, 201] and not method = "POST" | display path`, ACCESS)).toEqual([{ path: '/a' }]);
    expect(run(`${parsed} | filter user =~ /^c/ or ms < 15 | display user`, ACCESS).map((r) => r.user)).toEqual(['alice', 'carol']);
    expect(run('filter @message not like /GET/ | fields @message', ACCESS)).toEqual([{ '@message': 'POST /a 201 30ms user=alice' }]);
    expect(run('filter @message like /(?i)post/ | fields @logStream', ACCESS)).toEqual([{ '@logStream': 'stream-1' }]);
    expect(run(`${parsed} | filter user not in ["alice", "bob"] | display user`, ACCESS)).toEqual([{ user: 'carol' }]);
  });

  it('parses with regex named groups, including names JavaScript refuses', () => {
    const rows = run('parse @message /(?<@method>[A-Z]+) (?<path>\\/\\w+) (?<status>\\d+)/ | filter @method = "POST" | display @method, path, status', ACCESS);
    expect(rows).toEqual([{ '@method': 'POST', path: '/a', status: '201' }]);
  });

  it('computes fields with functions and arithmetic', () => {
    const rows = run('parse @message "* * * *ms *" as m, p, s, ms, rest | fields ms * 2 as double, toupper(m) as M, strlen(p) as n, concat(m, ":", p) as mp | limit 1', ACCESS);
    expect(rows).toEqual([{ m: 'GET', p: '/a', s: '200', ms: '12', rest: 'user=alice', double: '24', M: 'GET', n: '2', mp: 'GET:/a' }]);
  });

  it('aggregates with count, sum, avg, min, max, pct and count_distinct by fields', () => {
    const rows = run(
      'parse @message "* * * *ms user=*" as method, path, status, ms, user | stats count(*) as n, sum(ms) as total, avg(ms), min(ms), max(ms), pct(ms, 50) as p50, count_distinct(path) as paths by user | sort n desc, user asc',
      ACCESS,
    );
    expect(rows).toEqual([
      { user: 'alice', n: '2', total: '42', 'avg(ms)': '21', 'min(ms)': '12', 'max(ms)': '30', p50: '12', paths: '1' },
      { user: 'bob', n: '2', total: '175', 'avg(ms)': '87.5', 'min(ms)': '80', 'max(ms)': '95', p50: '80', paths: '2' },
      { user: 'carol', n: '1', total: '5', 'avg(ms)': '5', 'min(ms)': '5', 'max(ms)': '5', p50: '5', paths: '1' },
    ]);
  });

  it('bins by time, newest bin first', () => {
    const rows = run('stats count(*) by bin(2m)', ACCESS);
    expect(rows).toEqual([
      { 'bin(2m)': '2024-01-15 10:04:00.000', 'count(*)': '1' },
      { 'bin(2m)': '2024-01-15 10:02:00.000', 'count(*)': '2' },
      { 'bin(2m)': '2024-01-15 10:00:00.000', 'count(*)': '2' },
    ]);
  });

  it('sorts naturally, limits and dedups', () => {
    const rows = run('parse @message "* * *" as method, path, rest | sort path asc | dedup path | limit 2 | display path', ACCESS);
    expect(rows).toEqual([{ path: '/a' }, { path: '/b' }]);
    const values = events(['v=a10', 'v=a9', 'v=10', 'v=b1', 'v=9']);
    expect(run('parse @message "v=*" as v | sort v asc | display v', values).map((r) => r.v)).toEqual(['a9', 'a10', 'b1', '9', '10']);
  });

  it('discovers fields in JSON events, nested and in arrays', () => {
    const json = events([
      JSON.stringify({ level: 'error', http: { status: 503, path: '/x' }, tags: ['a', 'b'], '@id': 7 }),
      JSON.stringify({ level: 'info', http: { status: 200, path: '/y' }, tags: ['c'] }),
      'not json',
    ]);
    expect(run('filter http.status >= 500 | fields level, http.path, tags.1, @@id', json)).toEqual([{ level: 'error', 'http.path': '/x', 'tags.1': 'b', '@@id': '7' }]);
    expect(run('stats count(*) as n by level', json)).toEqual([{ level: 'error', n: '1' }, { level: 'info', n: '1' }, { n: '1' }]);
  });

  it('answers one row for stats without by over no events', () => {
    expect(run('filter @message like "nothing" | stats count(*) as n', ACCESS)).toEqual([{ n: '0' }]);
  });

  it('refuses bad queries with the line and position AWS names', () => {
    expect(compileError('').message).toBe('unexpected symbol found <EOF> at line 1 and position 0');
    expect(compileError('bogus command').message).toBe('unexpected symbol found bogus at line 1 and position 0');
    const regexFlag = compileError('filter @message like /ERROR/i');
    expect(regexFlag.message).toBe('unexpected symbol found i at line 1 and position 28');
    expect([regexFlag.start, regexFlag.end]).toEqual([28, 29]);
    expect(compileError('fields @message\n| sort bin(5m)) desc').message).toBe('unexpected symbol found ) at line 2 and position 14');
    expect(compileError('fields a | dedup a | sort a').message).toBe('unexpected symbol found sort at line 1 and position 21');
    expect(compileError('stats count(*) by').message).toBe('unexpected symbol found <EOF> at line 1 and position 17');
    expect(compileError('stats level').message).toBe('unexpected symbol found level at line 1 and position 6');
    expect(compileError('fields count(*)').message).toBe('unexpected symbol found count(*) at line 1 and position 7');
    expect(compileError('parse @message "a=* b=*" as a').message).toBe('unexpected symbol found as at line 1 and position 25');
    expect(compileError('limit 0').message).toBe('unexpected symbol found 0 at line 1 and position 6');
    expect(() => compileQuery('pattern @message')).toThrow(UnsupportedCommand);
  });

  it('pushes leading @message filters and plain counts down to SQL', () => {
    const plan = planScan(compileQuery('filter @message like /ERROR/ | filter @message not like "debug" | limit 100'));
    expect(plan.where).toEqual({ sql: '((instr(message, ?) > 0) AND NOT (instr(message, ?) > 0))', params: ['ERROR', 'debug'] });
    expect(plan.commands.map((c) => c.kind)).toEqual(['limit']);
    expect(plan.countAt).toBeUndefined();
    expect(planScan(compileQuery('stats count(*) by bin(5m)')).count).toEqual({ statsIndex: 0, binMs: 300_000, binName: 'bin(5m)', countNames: ['count(*)'] });
    const mixed = planScan(compileQuery('filter level = "error" | filter @message like /x.*y/ | stats count(*)'));
    expect(mixed.where?.sql).toBe('(logs_regexp(?, message) = 1)');
    expect(mixed.countAt).toBe(1);
    expect(mixed.count).toBeUndefined();
  });
});
