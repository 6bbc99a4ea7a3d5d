import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogStreamCommand,
  DescribeQueriesCommand,
  GetQueryResultsCommand,
  type GetQueryResultsResponse,
  type InputLogEvent,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type ResultField,
  StartQueryCommand,
  type StartQueryRequest,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';

const MINUTE = 60_000;

/** A result row as {field: value}. */
function record(row: ResultField[]): Record<string, string> {
  return Object.fromEntries(row.map((f) => [f.field!, f.value!]));
}

/** A result row without its @ptr, for comparing what the query computed. */
function computed(row: ResultField[]): Record<string, string> {
  const { '@ptr': _ptr, ...fields } = record(row);
  return fields;
}

describe('CloudWatch Logs Insights', () => {
  const server = useServer();
  let logs: CloudWatchLogsClient;
  /** The first 5-minute boundary after the groups were made; every event of the suite lies within the hour after it. */
  let base: number;
  const seconds = (ms: number) => Math.floor(ms / 1000);

  const put = (group: string, stream: string, logEvents: InputLogEvent[]) => logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));
  const start = (input: Partial<StartQueryRequest> & { queryString: string }) =>
    logs.send(new StartQueryCommand({ logGroupName: 'app', startTime: seconds(base), endTime: seconds(base + 60 * MINUTE), ...input }));

  /** Polls until the query ends (it runs as a job; nothing here waits on Drydock's clock). */
  async function finished(queryId: string): Promise<GetQueryResultsResponse> {
    for (;;) {
      const out = await logs.send(new GetQueryResultsCommand({ queryId }));
      if (out.status !== 'Scheduled' && out.status !== 'Running') return out;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  const query = async (input: Partial<StartQueryRequest> & { queryString: string }) => finished((await start(input)).queryId!);
  const rows = async (queryString: string, input: Partial<StartQueryRequest> = {}) => ((await query({ queryString, ...input })).results ?? []).map(computed);

  beforeAll(async () => {
    logs = new CloudWatchLogsClient(server.clientConfig);
    for (const group of ['app', 'other', 'bulk', 'churn']) await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    // Queries reach back to a group's creation, no further: the events come after it, and Drydock's clock moves on past them.
    const created = server.runtime.clock.now();
    base = created - (created % (5 * MINUTE)) + 5 * MINUTE;
    await server.advanceClock(2 * 60 * MINUTE);
    for (const stream of ['web-1', 'web-2']) await logs.send(new CreateLogStreamCommand({ logGroupName: 'app', logStreamName: stream }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'other', logStreamName: 'worker' }));
    await put('app', 'web-1', [
      { timestamp: base + 1 * MINUTE, message: 'INFO GET /orders 200 12ms user=alice' },
      { timestamp: base + 2 * MINUTE, message: 'ERROR GET /orders 500 95ms user=bob' },
      { timestamp: base + 7 * MINUTE, message: 'INFO POST /orders 201 30ms user=alice' },
      { timestamp: base + 11 * MINUTE, message: JSON.stringify({ level: 'error', http: { status: 503, path: '/pay' }, user: 'carol' }) },
    ]);
    await put('app', 'web-2', [
      { timestamp: base + 3 * MINUTE, message: 'INFO GET /items 200 8ms user=carol' },
      { timestamp: base + 8 * MINUTE, message: 'ERROR GET /items 500 120ms user=alice' },
      { timestamp: base + 12 * MINUTE, message: JSON.stringify({ level: 'info', http: { status: 200, path: '/pay' }, user: 'bob' }) },
    ]);
    await put('other', 'worker', [{ timestamp: base + 4 * MINUTE, message: 'ERROR job failed' }]);
  });

  it('answers @timestamp, @message and @ptr by default, newest first, with statistics', async () => {
    const out = await query({ queryString: 'filter @message like /ERROR/' });
    expect(out.status).toBe('Complete');
    expect(out.queryLanguage).toBe('CWLI');
    expect(out.results!.map((r) => r.map((f) => f.field))).toEqual([
      ['@timestamp', '@message', '@ptr'],
      ['@timestamp', '@message', '@ptr'],
    ]);
    const first = record(out.results![0]);
    expect(first['@message']).toBe('ERROR GET /items 500 120ms user=alice');
    expect(first['@timestamp']).toBe(new Date(base + 8 * MINUTE).toISOString().replace('T', ' ').replace('Z', ''));
    expect(first['@ptr']).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(out.statistics).toEqual({ recordsMatched: 2, recordsScanned: 7, bytesScanned: expect.any(Number) });
    expect(out.statistics!.bytesScanned).toBeGreaterThan(200);
  });

  it('selects, computes, filters, sorts and limits', async () => {
    const query =
      'parse @message "* * * * *ms user=*" as level, method, path, status, ms, user | filter status >= 500 or user in ["carol"] | fields ms * 2 as doubled, concat(method, " ", path) as request | sort ms desc | limit 2 | display user, request, doubled, @logStream';
    expect(await rows(query)).toEqual([
      { user: 'alice', request: 'GET /items', doubled: '240', '@logStream': 'web-2' },
      { user: 'bob', request: 'GET /orders', doubled: '190', '@logStream': 'web-1' },
    ]);
  });

  it('aggregates with stats: count, sum, avg, min, max, pct, count_distinct, by fields and bin()', async () => {
    const parsed = 'parse @message /(?<level>[A-Z]+) (?<method>[A-Z]+) (?<path>\\S+) (?<status>\\d+) (?<ms>\\d+)ms/';
    expect(
      await rows(
        `${parsed} | filter ispresent(ms) | stats count(*) as n, sum(ms) as total, avg(ms) as mean, min(ms), max(ms), pct(ms, 50) as p50, count_distinct(path) as paths by level | sort level asc`,
      ),
    ).toEqual([
      { level: 'ERROR', n: '2', total: '215', mean: '107.5', 'min(ms)': '95', 'max(ms)': '120', p50: '95', paths: '2' },
      { level: 'INFO', n: '3', total: '50', mean: '16.666666666666668', 'min(ms)': '8', 'max(ms)': '30', p50: '12', paths: '2' },
    ]);
    const bins = (await rows('stats count(*) by bin(5m)')).map((r) => [r['bin(5m)'], r['count(*)']]);
    const at = (minutes: number) => new Date(base + minutes * MINUTE).toISOString().replace('T', ' ').replace('Z', '');
    expect(bins).toEqual([
      [at(10), '2'],
      [at(5), '2'],
      [at(0), '3'],
    ]);
    // The same count through the general path (grouped by a second key) agrees.
    const byStream = await rows('stats count(*) as n by bin(5m) as t, @logStream | sort t desc, @logStream asc');
    expect(byStream.map((r) => [r.t, r['@logStream'], r.n])).toEqual([
      [at(10), 'web-1', '1'],
      [at(10), 'web-2', '1'],
      [at(5), 'web-1', '1'],
      [at(5), 'web-2', '1'],
      [at(0), 'web-1', '2'],
      [at(0), 'web-2', '1'],
    ]);
  });

  it('discovers JSON fields, dedups and counts over several groups with @log', async () => {
    expect(await rows('filter http.status >= 500 | fields user, http.path, level')).toEqual([{ user: 'carol', 'http.path': '/pay', level: 'error' }]);
    expect(await rows('filter ispresent(http.path) | dedup http.path | fields user')).toEqual([{ user: 'bob' }]);
    const account = server.clientConfig.credentials.accessKeyId === 'test' ? '000000000000' : '';
    const both = await rows('filter @message like "ERROR" | stats count(*) as n by @log | sort n desc', { logGroupName: undefined, logGroupNames: ['app', 'other'] });
    expect(both).toEqual([
      { '@log': `${account}:app`, n: '2' },
      { '@log': `${account}:other`, n: '1' },
    ]);
    const byArn = await rows('stats count(*) as n', { logGroupName: undefined, logGroupIdentifiers: [`arn:aws:logs:us-east-1:${account}:log-group:other`] });
    expect(byArn).toEqual([{ n: '1' }]);
  });

  it('reads only the time range asked, both ends included', async () => {
    const out = await query({ queryString: 'fields @message', startTime: seconds(base + 2 * MINUTE), endTime: seconds(base + 7 * MINUTE) });
    expect(out.results!.map((r) => record(r)['@message'])).toEqual(['INFO POST /orders 201 30ms user=alice', 'INFO GET /items 200 8ms user=carol', 'ERROR GET /orders 500 95ms user=bob']);
    expect(out.statistics!.recordsScanned).toBe(3);
  });

  it('caps rows at StartQuery limit and pages GetQueryResults', async () => {
    const out = await query({ queryString: 'fields @message', limit: 5 });
    expect(out.results).toHaveLength(5);
    expect(out.statistics!.recordsMatched).toBe(7);
    const queryId = (await logs.send(new DescribeQueriesCommand({ maxResults: 1 }))).queries![0].queryId!;
    const page1 = await logs.send(new GetQueryResultsCommand({ queryId, maxItems: 3 }));
    const page2 = await logs.send(new GetQueryResultsCommand({ queryId, maxItems: 3, nextToken: page1.nextToken }));
    expect([page1.results!.length, page2.results!.length, page2.nextToken]).toEqual([3, 2, undefined]);
  });

  it('moves a query from Scheduled to Running to Complete, and StopQuery cancels one', async () => {
    const jobs = server.runtime.jobs;
    jobs.stop();
    try {
      const { queryId } = await start({ queryString: 'stats count(*) as n' });
      const { queryId: stopped } = await start({ queryString: 'fields @message' });
      const scheduled = await logs.send(new DescribeQueriesCommand({ logGroupName: 'app', status: 'Scheduled' }));
      expect(scheduled.queries!.map((q) => q.queryId)).toEqual([stopped, queryId]);
      expect(scheduled.queries![0]).toMatchObject({ queryString: 'fields @message', logGroupName: 'app', status: 'Scheduled', queryLanguage: 'CWLI' });
      expect(await logs.send(new GetQueryResultsCommand({ queryId }))).toMatchObject({ status: 'Scheduled', results: [] });
      expect((await logs.send(new StopQueryCommand({ queryId: stopped }))).success).toBe(true);
      expect((await logs.send(new StopQueryCommand({ queryId: stopped }))).success).toBe(false);
      jobs.start();
      expect(await finished(queryId!)).toMatchObject({ status: 'Complete', results: [[{ field: 'n', value: '7' }]] });
      expect((await logs.send(new GetQueryResultsCommand({ queryId: stopped }))).status).toBe('Cancelled');
      expect((await logs.send(new StopQueryCommand({ queryId }))).success).toBe(false);
      const cancelled = await logs.send(new DescribeQueriesCommand({ status: 'Cancelled' }));
      expect(cancelled.queries!.map((q) => q.queryId)).toContain(stopped);
    } finally {
      jobs.start();
    }
  });

  it('refuses a 31st concurrent query with LimitExceededException', async () => {
    const jobs = server.runtime.jobs;
    jobs.stop();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 30; i++) ids.push((await start({ queryString: 'fields @message' })).queryId!);
      await expectAwsError(start({ queryString: 'fields @message' }), { code: 'LimitExceededException', status: 400, message: 'Account maximum query concurrency limit of [30] reached.' });
    } finally {
      for (const queryId of ids) await logs.send(new StopQueryCommand({ queryId }));
      jobs.start();
    }
    expect((await start({ queryString: 'fields @message' })).queryId).toBeDefined();
  });

  it('refuses a malformed query with AWS message and the compile error location', async () => {
    const err = await expectAwsError(start({ queryString: 'fields @message\n| filter @message like /x/i' }), {
      code: 'MalformedQueryException',
      status: 400,
      message: 'unexpected symbol found i at line 2 and position 26',
    });
    expect((err as unknown as { queryCompileError: unknown }).queryCompileError).toEqual({
      location: { startCharOffset: 42, endCharOffset: 43 },
      message: 'unexpected symbol found i at line 2 and position 26',
    });
    await expectAwsError(start({ queryString: '' }), { code: 'MalformedQueryException', status: 400, message: 'unexpected symbol found <EOF> at line 1 and position 0' });
    await expectAwsError(start({ queryString: 'stats avg(x) by' }), { code: 'MalformedQueryException', status: 400 });
    await expectAwsError(start({ queryString: 'pattern @message' }), { code: 'NotImplemented', status: 501 });
    await expectAwsError(start({ queryString: 'fields @message', queryLanguage: 'SQL' }), { code: 'NotImplemented', status: 501 });
  });

  it('answers AWS errors for missing groups, bad ranges and unknown queries, writing nothing', async () => {
    const before = (await logs.send(new DescribeQueriesCommand({}))).queries!.length;
    await expectAwsError(start({ queryString: 'fields @message', logGroupName: 'nope' }), {
      code: 'ResourceNotFoundException',
      status: 400,
      message: "Log group 'nope' does not exist for account ID '000000000000'",
    });
    await expectAwsError(start({ queryString: 'fields @message', logGroupName: undefined }), { code: 'InvalidParameterException', status: 400 });
    await expectAwsError(start({ queryString: 'fields @message', logGroupNames: ['app'] }), { code: 'InvalidParameterException', status: 400 });
    await expectAwsError(start({ queryString: 'fields @message', startTime: seconds(base + MINUTE), endTime: seconds(base) }), { code: 'InvalidParameterException', status: 400 });
    await expectAwsError(start({ queryString: 'fields @message', startTime: 0, endTime: seconds(base - 10 * MINUTE) }), {
      code: 'MalformedQueryException',
      status: 400,
      message: "Query's end date and time is either before the log groups creation time or exceeds the log groups log retention settings",
    });
    expect((await logs.send(new DescribeQueriesCommand({}))).queries!.length).toBe(before);
    await expectAwsError(logs.send(new GetQueryResultsCommand({ queryId: 'no-such-query' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(logs.send(new StopQueryCommand({ queryId: 'no-such-query' })), { code: 'ResourceNotFoundException', status: 400 });
    await expectAwsError(logs.send(new DescribeQueriesCommand({ logGroupName: 'nope' })), { code: 'ResourceNotFoundException', status: 400 });
  });

  it('scans many events in chunks through the general path and the SQL path alike', async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'bulk', logStreamName: 's' }));
    for (let batch = 0; batch < 3; batch++) {
      const events = Array.from({ length: 10_000 }, (_, i) => {
        const n = batch * 10_000 + i;
        return { timestamp: base + Math.floor(n / 1000) * 1000, message: `n=${n} ${n % 10 === 0 ? 'ERROR' : 'INFO'}` };
      });
      await put('bulk', 's', events);
    }
    const general = await query({ logGroupName: 'bulk', queryString: 'parse @message "n=* *" as n, level | filter n % 7 = 0 | stats count(*) as n7' });
    expect(general.results).toEqual([[{ field: 'n7', value: String(Math.ceil(30_000 / 7)) }]]);
    expect(general.statistics).toMatchObject({ recordsMatched: Math.ceil(30_000 / 7), recordsScanned: 30_000 });
    const pushed = await query({ logGroupName: 'bulk', queryString: 'filter @message like /ERROR/ | limit 3' });
    expect(pushed.results!.map((r) => record(r)['@message'])).toEqual(['n=29990 ERROR', 'n=29980 ERROR', 'n=29970 ERROR']);
    expect(pushed.statistics).toMatchObject({ recordsMatched: 3_000, recordsScanned: 30_000 });
    const regex = await query({ logGroupName: 'bulk', queryString: 'filter @message =~ /n=1\\d*5 / | stats count(*) as n' });
    expect(regex.results).toEqual([[{ field: 'n', value: String(1 + 10 + 100 + 1000) }]]);
  });

  it('needs logs:StartQuery on every queried group', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        // AWS checks StartQuery on each group's `…:log-group:<name>:*`.
        { Effect: 'Allow', Action: 'logs:StartQuery', Resource: 'arn:aws:logs:us-east-1:000000000000:log-group:app:*' },
        { Effect: 'Allow', Action: ['logs:GetQueryResults', 'logs:StopQuery'], Resource: '*' },
      ],
    });
    const user = await createIamUser(server.clientConfig, 'insights-reader', [policy]);
    const asUser = new CloudWatchLogsClient({ ...server.clientConfig, credentials: user.credentials });
    const input = { startTime: seconds(base), endTime: seconds(base + 60 * MINUTE), queryString: 'stats count(*)' };
    const { queryId } = await asUser.send(new StartQueryCommand({ ...input, logGroupName: 'app' }));
    expect((await finished(queryId!)).status).toBe('Complete');
    await expectAwsError(asUser.send(new StartQueryCommand({ ...input, logGroupNames: ['app', 'other'] })), { code: 'AccessDeniedException', status: 400, message: 'logs:StartQuery' });
    await expectAwsError(asUser.send(new DescribeQueriesCommand({})), { code: 'AccessDeniedException', status: 400 });
  });

  // Last: it moves Drydock's clock a day on.
  it('keeps its counts right as streams are deleted and retention purges events', async () => {
    for (const stream of ['a', 'b']) await logs.send(new CreateLogStreamCommand({ logGroupName: 'churn', logStreamName: stream }));
    await put('churn', 'a', [
      { timestamp: base + 1 * MINUTE, message: 'one' },
      { timestamp: base + 30 * MINUTE + 10_000, message: 'two' },
      { timestamp: base + 45 * MINUTE + 30_000, message: 'three' },
      { timestamp: base + 61 * MINUTE, message: 'four' },
    ]);
    await put('churn', 'b', [{ timestamp: base + 61 * MINUTE, message: 'gone' }]);
    const counts = async () => (await rows('stats count(*) as n by bin(5m)', { logGroupName: 'churn', endTime: seconds(base + 2 * 60 * MINUTE) })).map((r) => r.n);
    expect(await counts()).toEqual(['2', '1', '1', '1']);
    await logs.send(new DeleteLogStreamCommand({ logGroupName: 'churn', logStreamName: 'b' }));
    expect(await counts()).toEqual(['1', '1', '1', '1']);
    // A day's retention, a day after the cutoff falls inside minute 45 of the suite's hour: what came before it goes.
    const now = server.runtime.clock.now();
    await server.advanceClock(base + 45 * MINUTE + 15_000 + 24 * 60 * MINUTE - now);
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'churn', retentionInDays: 1 }));
    expect(await counts()).toEqual(['1', '1']);
    const all = await query({ logGroupName: 'churn', queryString: 'fields @message', startTime: 0, endTime: seconds(base + 2 * 60 * MINUTE) });
    expect(all.results!.map((r) => record(r)['@message'])).toEqual(['four', 'three']);
    expect(all.statistics).toMatchObject({ recordsScanned: 2, bytesScanned: 9 });
  });
});
