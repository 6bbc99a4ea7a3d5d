import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  type InputLogEvent,
  PutLogEventsCommand,
  paginateFilterLogEvents,
  paginateGetLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('CloudWatch Logs: events', () => {
  const server = useServer();
  let logs: CloudWatchLogsClient;
  beforeAll(async () => {
    logs = new CloudWatchLogsClient(server.clientConfig);
  });

  const now = () => server.runtime.clock.now();
  const makeStream = async (group: string, ...streams: string[]) => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    for (const s of streams) await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
  };
  const put = (group: string, stream: string, logEvents: InputLogEvent[]) => logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));

  describe('PutLogEvents', () => {
    beforeAll(async () => makeStream('put', 's'));

    it('needs an existing group and stream', async () => {
      const event = [{ timestamp: now(), message: 'x' }];
      await expect(put('nope', 's', event)).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.', $metadata: { httpStatusCode: 400 } });
      await expect(put('put', 'nope', event)).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.', $metadata: { httpStatusCode: 400 } });
    });

    it('returns a new sequence token each time and ignores the one sent', async () => {
      const first = await put('put', 's', [{ timestamp: now(), message: 'a' }]);
      expect(first.nextSequenceToken).toMatch(/^\d{56}$/);
      expect(first.rejectedLogEventsInfo).toBeUndefined();
      const second = await logs.send(new PutLogEventsCommand({ logGroupName: 'put', logStreamName: 's', sequenceToken: 'not-the-right-one', logEvents: [{ timestamp: now(), message: 'b' }] }));
      expect(second.nextSequenceToken).toMatch(/^\d{56}$/);
      expect(second.nextSequenceToken).not.toBe(first.nextSequenceToken);
      const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'put' }));
      expect(logStreams![0].uploadSequenceToken).toBe(second.nextSequenceToken);
    });

    it('enforces the batch size with 26 bytes per event', async () => {
      const t = now();
      await put('put', 's', [{ timestamp: t, message: 'x'.repeat(1_048_576 - 26) }]);
      await expect(
        put('put', 's', [
          { timestamp: t, message: 'x'.repeat(1_048_576 - 26 - 26 - 10) },
          { timestamp: t, message: 'y'.repeat(11) },
        ]),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'Upload too large: 1048577 bytes exceeds limit of 1048576',
        $metadata: { httpStatusCode: 400 },
      });
      // Multi-byte characters count as their UTF-8 bytes.
      await expect(put('put', 's', [{ timestamp: t, message: 'é'.repeat(524_276) }])).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });

    it('caps a batch at 10,000 events and refuses an empty one', async () => {
      const t = now();
      const events = Array.from({ length: 10_001 }, (_, i) => ({ timestamp: t, message: `m${i}` }));
      await expect(put('put', 's', events)).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringContaining("at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to 10000"),
      });
      await expect(put('put', 's', [])).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('greater than or equal to 1') });
      await expect(put('put', 's', [{ timestamp: t, message: '' }])).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(put('put', 's', [{ timestamp: -1, message: 'neg' }])).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });

    it('requires chronological order and a span of at most 24 hours', async () => {
      const t = now();
      await expect(
        put('put', 's', [
          { timestamp: t, message: 'late' },
          { timestamp: t - 1, message: 'early' },
        ]),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'Log events in a single PutLogEvents request must be in chronological order.',
      });
      await expect(
        put('put', 's', [
          { timestamp: t - DAY - 1, message: 'a' },
          { timestamp: t, message: 'b' },
        ]),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      });
      await put('put', 's', [
        { timestamp: t - DAY, message: 'a' },
        { timestamp: t, message: 'b' },
      ]);
    });

    it('rejects too old and too new events by index and keeps the rest', async () => {
      await makeStream('reject', 's');
      const t = now();
      const result = await put('reject', 's', [
        { timestamp: t - 15 * DAY, message: 'ancient' },
        { timestamp: t - 14 * DAY - HOUR, message: 'old' },
        { timestamp: t - HOUR, message: 'ok1' },
        { timestamp: t, message: 'ok2' },
        { timestamp: t + 3 * HOUR, message: 'future' },
      ]);
      expect(result.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2, tooNewLogEventStartIndex: 4 });
      // The span check only counts accepted events (the rejected ones span 15 days).
      const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: 'reject', logStreamName: 's', startFromHead: true }));
      expect(events!.map((e) => e.message)).toEqual(['ok1', 'ok2']);
      expect(events![0].ingestionTime).toBeGreaterThanOrEqual(t);
      const allRejected = await put('reject', 's', [{ timestamp: t + 5 * HOUR, message: 'future' }]);
      expect(allRejected.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 0 });
    });
  });

  describe('GetLogEvents', () => {
    let t0: number;
    beforeAll(async () => {
      await makeStream('get', 's', 'empty');
      t0 = now() - HOUR;
      // 25 events one second apart, two sharing a timestamp.
      const events = Array.from({ length: 25 }, (_, i) => ({ timestamp: t0 + Math.min(i, 23) * 1000, message: `e${i}` }));
      await put('get', 's', events);
    });
    const get = (input: Partial<ConstructorParameters<typeof GetLogEventsCommand>[0]>) => logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 's', ...input }));
    const messages = (events: { message?: string }[] | undefined) => events!.map((e) => e.message);

    it('reads from the tail by default and from the head on request, always oldest first', async () => {
      const tail = await get({ limit: 3 });
      expect(messages(tail.events)).toEqual(['e22', 'e23', 'e24']);
      const head = await get({ limit: 3, startFromHead: true });
      expect(messages(head.events)).toEqual(['e0', 'e1', 'e2']);
      expect(head.nextForwardToken).toMatch(/^f\/\d{56}\/s$/);
      expect(head.nextBackwardToken).toMatch(/^b\/\d{56}\/s$/);
      const all = await get({});
      expect(all.events).toHaveLength(25);
      expect(all.events![0]).toMatchObject({ timestamp: t0, message: 'e0' });
    });

    it('pages forward until the same token comes back, then sees new events with it', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let response = await get({ limit: 10, startFromHead: true });
      for (;;) {
        seen.push(...messages(response.events).map(String));
        if (response.nextForwardToken === token) break;
        token = response.nextForwardToken;
        response = await get({ limit: 10, nextToken: token });
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `e${i}`));
      const again = await get({ nextToken: token });
      expect(again.events).toEqual([]);
      expect(again.nextForwardToken).toBe(token);
      await put('get', 's', [{ timestamp: now(), message: 'e25' }]);
      const fresh = await get({ nextToken: token });
      expect(messages(fresh.events)).toEqual(['e25']);
      expect(fresh.nextForwardToken).not.toBe(token);
    });

    it('pages backward from the tail to the head', async () => {
      const pages: string[][] = [];
      let response = await get({ limit: 10 });
      let token: string | undefined;
      for (;;) {
        pages.push(messages(response.events).map(String));
        if (response.nextBackwardToken === token) break;
        token = response.nextBackwardToken;
        response = await get({ limit: 10, nextToken: token });
      }
      expect(pages.slice(0, 3)).toEqual([
        ['e16', 'e17', 'e18', 'e19', 'e20', 'e21', 'e22', 'e23', 'e24', 'e25'],
        ['e6', 'e7', 'e8', 'e9', 'e10', 'e11', 'e12', 'e13', 'e14', 'e15'],
        ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'],
      ]);
      expect(pages[3]).toEqual([]);
      // A backward token's forward twin continues right after it.
      const back = await get({ limit: 2, startFromHead: true });
      const forward = await get({ limit: 2, nextToken: back.nextForwardToken });
      expect(messages(forward.events)).toEqual(['e2', 'e3']);
    });

    it('works with the SDK paginator, which stops on the repeated token', async () => {
      const seen: string[] = [];
      for await (const page of paginateGetLogEvents({ client: logs, pageSize: 7, stopOnSameToken: true }, { logGroupName: 'get', logStreamName: 's', startFromHead: true })) {
        seen.push(...messages(page.events).map(String));
      }
      expect(seen).toHaveLength(26);
    });

    it('honours startTime (inclusive) and endTime (exclusive)', async () => {
      const ranged = await get({ startTime: t0 + 5000, endTime: t0 + 8000, startFromHead: true });
      expect(messages(ranged.events)).toEqual(['e5', 'e6', 'e7']);
      const shared = await get({ startTime: t0 + 23_000, endTime: t0 + 23_001 });
      expect(messages(shared.events)).toEqual(['e23', 'e24']);
    });

    it('an empty stream gives tokens that later see new events', async () => {
      const empty = await logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 'empty' }));
      expect(empty.events).toEqual([]);
      await put('get', 'empty', [{ timestamp: now(), message: 'first' }]);
      const next = await logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 'empty', nextToken: empty.nextForwardToken }));
      expect(messages(next.events)).toEqual(['first']);
    });

    it('refuses bad tokens, limits and missing resources', async () => {
      await expect(get({ nextToken: 'f/123/s' })).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'The specified nextToken is invalid.', $metadata: { httpStatusCode: 400 } });
      await expect(get({ limit: 10_001 })).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(get({ limit: 0 })).rejects.toMatchObject({ name: 'InvalidParameterException' });
      await expect(logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 'ghost' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(logs.send(new GetLogEventsCommand({ logGroupName: 'ghost', logStreamName: 's' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      const viaArn = await logs.send(new GetLogEventsCommand({ logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:get', logStreamName: 's', limit: 1 }));
      expect(viaArn.events).toHaveLength(1);
    });
  });

  describe('FilterLogEvents', () => {
    let t0: number;
    beforeAll(async () => {
      await makeStream('filter', 'web-1', 'web-2', 'worker');
      t0 = now() - HOUR;
      await put('filter', 'web-1', [
        { timestamp: t0 + 1, message: '127.0.0.1 - - [x] "GET /a HTTP/1.1" 200 512' },
        { timestamp: t0 + 4, message: '127.0.0.1 - - [x] "GET /b HTTP/1.1" 404 20' },
      ]);
      await put('filter', 'web-2', [
        { timestamp: t0 + 2, message: '10.0.0.2 - - [x] "POST /c HTTP/1.1" 500 2048' },
        { timestamp: t0 + 5, message: '10.0.0.2 - - [x] "GET /d HTTP/1.1" 200 4096' },
      ]);
      await put('filter', 'worker', [
        { timestamp: t0 + 3, message: JSON.stringify({ level: 'ERROR', code: 503, latency: 700 }) },
        { timestamp: t0 + 6, message: JSON.stringify({ level: 'INFO', code: 200, latency: 12 }) },
        { timestamp: t0 + 7, message: 'ERROR plain text failure' },
      ]);
    });
    const filter = (input: Partial<ConstructorParameters<typeof FilterLogEventsCommand>[0]> = {}) => logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', ...input }));
    const streams = (events: FilteredLogEvent[] | undefined) => events!.map((e) => e.logStreamName);

    it('interleaves every stream in time order with event ids and searched streams', async () => {
      const result = await filter({ interleaved: true });
      expect(streams(result.events)).toEqual(['web-1', 'web-2', 'worker', 'web-1', 'web-2', 'worker', 'worker']);
      expect(result.events!.map((e) => e.timestamp)).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => t0 + d));
      for (const e of result.events!) {
        expect(e.eventId).toMatch(/^\d{56}$/);
        expect(e.ingestionTime).toBeGreaterThan(0);
      }
      expect(result.nextToken).toBeUndefined();
      expect(result.searchedLogStreams).toEqual([
        { logStreamName: 'web-1', searchedCompletely: true },
        { logStreamName: 'web-2', searchedCompletely: true },
        { logStreamName: 'worker', searchedCompletely: true },
      ]);
    });

    it('selects streams by names or by prefix, never both', async () => {
      expect(streams((await filter({ logStreamNames: ['worker'] })).events)).toEqual(['worker', 'worker', 'worker']);
      expect(streams((await filter({ logStreamNames: ['web-2', 'worker'] })).events)).toEqual(['web-2', 'worker', 'web-2', 'worker', 'worker']);
      const byPrefix = await filter({ logStreamNamePrefix: 'web-' });
      expect(streams(byPrefix.events)).toEqual(['web-1', 'web-2', 'web-1', 'web-2']);
      expect(byPrefix.searchedLogStreams!.map((s) => s.logStreamName)).toEqual(['web-1', 'web-2']);
      await expect(filter({ logStreamNames: ['worker'], logStreamNamePrefix: 'w' })).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
      await expect(logs.send(new FilterLogEventsCommand({ logGroupName: 'absent' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(filter({ logStreamNames: ['worker', 'ghost'] })).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
    });

    it('honours startTime (inclusive) and endTime (exclusive)', async () => {
      const result = await filter({ startTime: t0 + 2, endTime: t0 + 5 });
      expect(result.events!.map((e) => e.timestamp)).toEqual([t0 + 2, t0 + 3, t0 + 4]);
    });

    it('paginates with limit and nextToken, by hand and with the paginator', async () => {
      const first = await filter({ limit: 3 });
      expect(first.events).toHaveLength(3);
      expect(first.nextToken).toBeTruthy();
      expect(first.searchedLogStreams!.every((s) => s.searchedCompletely === false)).toBe(true);
      const second = await filter({ limit: 3, nextToken: first.nextToken });
      expect(second.events!.map((e) => e.timestamp)).toEqual([t0 + 4, t0 + 5, t0 + 6]);
      const ids: string[] = [];
      for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 2 }, { logGroupName: 'filter' })) ids.push(...page.events!.map((e) => e.eventId!));
      expect(ids).toHaveLength(7);
      expect(new Set(ids).size).toBe(7);
      await expect(filter({ nextToken: '%%%' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    });

    it('applies filter patterns of every kind', async () => {
      const times = async (filterPattern: string) => (await filter({ filterPattern })).events!.map((e) => e.timestamp! - t0);
      expect(await times('ERROR')).toEqual([3, 7]);
      expect(await times('"GET /d"')).toEqual([5]);
      expect(await times('?POST ?404')).toEqual([2, 4]);
      expect(await times('GET -404')).toEqual([1, 5]);
      expect(await times('{ $.level = "ERROR" }')).toEqual([3]);
      expect(await times('{ ($.code = 5*) || ($.latency > 500) }')).toEqual([3]);
      expect(await times('{ $.latency < 100 && $.level != "ERROR" }')).toEqual([6]);
      expect(await times('[ip, id, user, ts, request, status = 2*, bytes > 1000]')).toEqual([5]);
      expect(await times('[ip = 127.*, ..., status_code, bytes]')).toEqual([1, 4]);
      expect(await times('%/[bc] HTTP%')).toEqual([2, 4]);
      expect(await times('')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('refuses an invalid filter pattern', async () => {
      for (const filterPattern of ['{ $.level = }', '[a, b', '"unterminated', '%(group)%']) {
        await expect(filter({ filterPattern }), filterPattern).rejects.toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
      }
    });

    it('supports the polling loop `aws logs tail --follow` runs (CLI v2)', async () => {
      // tail --follow: FilterLogEvents from a start time, interleaved, following nextToken; then poll again
      // from the newest timestamp seen, skipping event ids already printed.
      await makeStream('tail', 'a', 'b');
      const printed: string[] = [];
      const seenIds = new Set<string>();
      let startTime = now() - 10 * 60_000;
      const poll = async () => {
        let nextToken: string | undefined;
        do {
          const page = await logs.send(new FilterLogEventsCommand({ logGroupName: 'tail', startTime, interleaved: true, nextToken, limit: 2 }));
          for (const event of page.events!) {
            if (seenIds.has(event.eventId!)) continue;
            seenIds.add(event.eventId!);
            printed.push(event.message!);
            startTime = Math.max(startTime, event.timestamp!);
          }
          nextToken = page.nextToken;
        } while (nextToken);
      };
      const t = now();
      await put('tail', 'a', [
        { timestamp: t - 3000, message: 'a1' },
        { timestamp: t - 1000, message: 'a2' },
      ]);
      await put('tail', 'b', [{ timestamp: t - 2000, message: 'b1' }]);
      await poll();
      expect(printed).toEqual(['a1', 'b1', 'a2']);
      await poll();
      expect(printed).toEqual(['a1', 'b1', 'a2']);
      // A late event with the same timestamp as the newest one seen, and a newer one.
      await put('tail', 'b', [
        { timestamp: t - 1000, message: 'b2' },
        { timestamp: t, message: 'b3' },
      ]);
      await poll();
      expect(printed).toEqual(['a1', 'b1', 'a2', 'b2', 'b3']);
    });
  });

  describe('at volume', () => {
    it('stores a full 10,000-event batch and reads ranges of it', async () => {
      await makeStream('bulk', 's');
      const t0 = now() - 20 * HOUR;
      const events = Array.from({ length: 10_000 }, (_, i) => ({ timestamp: t0 + i * 1000, message: `line ${i} ${i % 10 === 0 ? 'TICK' : 'tock'}` }));
      await put('bulk', 's', events);
      const all = await logs.send(new GetLogEventsCommand({ logGroupName: 'bulk', logStreamName: 's', startFromHead: true }));
      expect(all.events).toHaveLength(10_000);
      const slice = await logs.send(new FilterLogEventsCommand({ logGroupName: 'bulk', startTime: t0 + 5_000_000, endTime: t0 + 5_100_000, filterPattern: 'TICK' }));
      expect(slice.events!.map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${5000 + i * 10} TICK`));
    });
  });

  describe('LogsApi (used by other services)', () => {
    it('ensures group and stream idempotently and writes durable events', async () => {
      const api = server.runtime.api('logs');
      const scope = { account: '000000000000', region: 'us-east-1' };
      api.ensureLogStream(scope, '/aws/codebuild/demo', 'build-1');
      api.ensureLogStream(scope, '/aws/codebuild/demo', 'build-1');
      api.ensureLogGroup(scope, '/aws/codebuild/demo');
      const t = now();
      const result = await api.putLogEvents(scope, '/aws/codebuild/demo', 'build-1', [
        { timestamp: t, message: '[Container] Phase BUILD' },
        { timestamp: t + 1, message: 'done' },
      ]);
      expect(result.nextSequenceToken).toMatch(/^\d{56}$/);
      const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/codebuild/demo', logStreamName: 'build-1', startFromHead: true }));
      expect(events!.map((e) => e.message)).toEqual(['[Container] Phase BUILD', 'done']);
      await expect(api.putLogEvents(scope, '/aws/codebuild/demo', 'missing', [{ timestamp: t, message: 'x' }])).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
      await expect(api.putLogEvents(scope, '/aws/codebuild/demo', 'build-1', [{ timestamp: t, message: '' }])).rejects.toMatchObject({ code: 'InvalidParameterException' });
      expect(() => api.ensureLogStream(scope, 'bad name', 's')).toThrow(/Invalid log group name/);
      expect(() => api.ensureLogStream(scope, '/ok', 'bad:stream')).toThrow(/Invalid log stream name/);
    });
  });

  // Each CLI v1 invocation costs a second or more of Python start-up, so these tests batch their calls.
  describe('aws CLI (v1)', () => {
    beforeAll(async () => makeStream('cli', 'main'));

    it('put-log-events, get-log-events, filter-log-events (paged), describe-log-groups', async () => {
      const t = now();
      const lines = ['hello from cli', 'ERROR something broke', ...Array.from({ length: 5 }, (_, i) => `more ${i}`)];
      const events = JSON.stringify(lines.map((message, i) => ({ timestamp: t - 10 + i, message })));
      const put = JSON.parse((await server.aws(['logs', 'put-log-events', '--log-group-name', 'cli', '--log-stream-name', 'main', '--log-events', events])).stdout);
      expect(put.nextSequenceToken).toMatch(/^\d{56}$/);
      const got = JSON.parse((await server.aws(['logs', 'get-log-events', '--log-group-name', 'cli', '--log-stream-name', 'main', '--start-from-head', '--limit', '2'])).stdout);
      expect(got.events.map((e: { message: string }) => e.message)).toEqual(['hello from cli', 'ERROR something broke']);
      expect(got.nextForwardToken).toMatch(/^f\//);
      const filtered = JSON.parse((await server.aws(['logs', 'filter-log-events', '--log-group-name', 'cli', '--filter-pattern', 'ERROR'])).stdout);
      expect(filtered.events.map((e: { message: string }) => e.message)).toEqual(['ERROR something broke']);
      // The CLI follows nextToken itself; --page-size makes it take four pages.
      const paged = JSON.parse((await server.aws(['logs', 'filter-log-events', '--log-group-name', 'cli', '--page-size', '2'])).stdout);
      expect(paged.events.map((e: { message: string }) => e.message)).toEqual(lines);
      const groups = JSON.parse((await server.aws(['logs', 'describe-log-groups', '--log-group-name-prefix', 'cli'])).stdout);
      expect(groups.logGroups).toHaveLength(1);
      expect(groups.logGroups[0]).toMatchObject({ logGroupName: 'cli', arn: 'arn:aws:logs:us-east-1:000000000000:log-group:cli:*', storedBytes: lines.join('').length });
    }, 120_000);

    it('reports errors with the AWS code', async () => {
      await expect(server.aws(['logs', 'get-log-events', '--log-group-name', 'cli', '--log-stream-name', 'ghost'])).rejects.toMatchObject({
        stderr: expect.stringContaining('(ResourceNotFoundException) when calling the GetLogEvents operation: The specified log stream does not exist.'),
      });
    }, 60_000);
  });
});
