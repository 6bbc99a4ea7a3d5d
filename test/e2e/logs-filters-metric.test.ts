import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteMetricFilterCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  type MetricTransformation,
  PutMetricFilterCommand,
  type PutMetricFilterRequest,
  paginateDescribeMetricFilters,
  TestMetricFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();

describe('CloudWatch Logs metric filters', () => {
  let logs: CloudWatchLogsClient;
  beforeAll(() => {
    logs = new CloudWatchLogsClient(server.clientConfig);
  });
  const count: MetricTransformation = { metricName: 'Errors', metricNamespace: 'App', metricValue: '1' };
  const put = (input: Partial<PutMetricFilterRequest> & { logGroupName: string; filterName: string }) =>
    logs.send(new PutMetricFilterCommand({ filterPattern: 'ERROR', metricTransformations: [count], ...input }));
  const describeIn = async (logGroupName: string) => (await logs.send(new DescribeMetricFiltersCommand({ logGroupName }))).metricFilters!;
  const filterCount = async (logGroupName: string) => (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }))).logGroups![0].metricFilterCount;
  const invalid = (message: string | RegExp) => ({ code: 'InvalidParameterException', status: 400, message });

  it('round-trips a filter, counts it in DescribeLogGroups and keeps its creation time on update', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/mf/app' }));
    expect(await filterCount('/mf/app')).toBe(0);
    await put({ logGroupName: '/mf/app', filterName: 'errors', metricTransformations: [{ ...count, defaultValue: 0, unit: 'Count' }] });
    await put({
      logGroupName: '/mf/app',
      filterName: 'latency',
      filterPattern: '{ $.latency = * }',
      metricTransformations: [{ metricName: 'Latency', metricNamespace: 'App', metricValue: '$.latency', dimensions: { Route: '$.route' }, unit: 'Milliseconds' }],
    });
    expect(await filterCount('/mf/app')).toBe(2);
    const [errors, latency] = await describeIn('/mf/app');
    expect(errors).toEqual({
      filterName: 'errors',
      filterPattern: 'ERROR',
      logGroupName: '/mf/app',
      applyOnTransformedLogs: false,
      creationTime: expect.any(Number),
      metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1', defaultValue: 0, unit: 'Count' }],
    });
    expect(latency.metricTransformations).toEqual([{ metricName: 'Latency', metricNamespace: 'App', metricValue: '$.latency', dimensions: { Route: '$.route' }, unit: 'Milliseconds' }]);

    server.runtime.clock.advance(60_000);
    await put({ logGroupName: '/mf/app', filterName: 'errors', filterPattern: '?ERROR ?FATAL' });
    const [updated] = await describeIn('/mf/app');
    expect(updated).toMatchObject({ filterPattern: '?ERROR ?FATAL', creationTime: errors.creationTime, metricTransformations: [count] });
    expect(await filterCount('/mf/app')).toBe(2);

    await logs.send(new DeleteMetricFilterCommand({ logGroupName: '/mf/app', filterName: 'latency' }));
    expect((await describeIn('/mf/app')).map((f) => f.filterName)).toEqual(['errors']);
    expect(await filterCount('/mf/app')).toBe(1);
  });

  it('describes by name prefix across groups, or by metric name and namespace, in pages', async () => {
    for (const group of ['/mf/list-a', '/mf/list-b']) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      for (const name of ['list-1', 'list-2', 'other']) {
        await put({ logGroupName: group, filterName: name, metricTransformations: [{ ...count, metricName: name === 'other' ? 'Other' : 'Listed' }] });
      }
    }
    const byPrefix = await logs.send(new DescribeMetricFiltersCommand({ filterNamePrefix: 'list-' }));
    expect(byPrefix.metricFilters!.map((f) => `${f.logGroupName} ${f.filterName}`)).toEqual(['/mf/list-a list-1', '/mf/list-a list-2', '/mf/list-b list-1', '/mf/list-b list-2']);
    const byMetric = await logs.send(new DescribeMetricFiltersCommand({ metricName: 'Other', metricNamespace: 'App' }));
    expect(byMetric.metricFilters!.map((f) => f.logGroupName)).toEqual(['/mf/list-a', '/mf/list-b']);
    const inGroup = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/mf/list-b', filterNamePrefix: 'list-2' }));
    expect(inGroup.metricFilters!.map((f) => f.filterName)).toEqual(['list-2']);

    const paged: string[] = [];
    for await (const page of paginateDescribeMetricFilters({ client: logs, pageSize: 2 }, { filterNamePrefix: 'list-' })) {
      expect(page.metricFilters!.length).toBeLessThanOrEqual(2);
      paged.push(...page.metricFilters!.map((f) => `${f.logGroupName} ${f.filterName}`));
    }
    expect(paged).toEqual(byPrefix.metricFilters!.map((f) => `${f.logGroupName} ${f.filterName}`));

    await expectAwsError(logs.send(new DescribeMetricFiltersCommand({ metricName: 'Other' })), invalid('metricName and metricNamespace'));
    await expectAwsError(logs.send(new DescribeMetricFiltersCommand({ filterNamePrefix: 'list-', nextToken: 'bogus' })), invalid('The specified nextToken is invalid.'));
  });

  it('a log group holds at most 100 metric filters; replacing one at the limit is allowed', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/mf/full' }));
    for (let i = 0; i < 100; i++) await put({ logGroupName: '/mf/full', filterName: `f${String(i).padStart(3, '0')}` });
    await expectAwsError(put({ logGroupName: '/mf/full', filterName: 'one-more' }), { code: 'LimitExceededException', status: 400, message: 'Resource limit exceeded.' });
    await put({ logGroupName: '/mf/full', filterName: 'f000', filterPattern: 'WARN' });
    expect(await filterCount('/mf/full')).toBe(100);
  });

  it('at most five filters with a regex per log group', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/mf/regex' }));
    for (let i = 0; i < 5; i++) await put({ logGroupName: '/mf/regex', filterName: `re${i}`, filterPattern: `%ERROR ${i}%` });
    await expectAwsError(put({ logGroupName: '/mf/regex', filterName: 're5', filterPattern: '%FATAL%' }), { code: 'LimitExceededException', status: 400 });
    await put({ logGroupName: '/mf/regex', filterName: 'plain', filterPattern: 'FATAL' });
    await put({ logGroupName: '/mf/regex', filterName: 're0', filterPattern: '%WARN [0-9]+%' });
  });

  it("refuses invalid filter patterns with AWS's messages and writes nothing", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/mf/bad' }));
    const cases: [string, string][] = [
      ['Key:', "Invalid character(s) in term ':'"],
      ['{ $.message = "a", $.path = "b" }', "Invalid character(s) in term ','"],
      ['{ $."sc-status" = 5* }', "Invalid character(s) in term '$.\"'"],
      ['{ $.latency > "fast" }', 'Invalid character(s) in term \'"fast"\''],
      ['[...fields, status=FAILED]', "Invalid character(s) in term '...fields'"],
      ['{ $.level = "ERROR"', "If a filter pattern starts with '{' it must end with '}'"],
      ['""', 'Invalid character(s) in term \'""\''],
      ['%(a|b)%', "Invalid character(s) in term '%(a|b)%'"],
    ];
    for (const [filterPattern, message] of cases) {
      const err = await expectAwsError(put({ logGroupName: '/mf/bad', filterName: 'bad', filterPattern }), invalid(message));
      expect(err.message, filterPattern).toBe(message);
    }
    expect(await describeIn('/mf/bad')).toEqual([]);
  });

  it('checks the metric transformation against the pattern', async () => {
    const group = '/mf/transform';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    const transformation = (t: Partial<MetricTransformation>, filterPattern = '{ $.latency = * }') =>
      put({ logGroupName: group, filterName: 't', filterPattern, metricTransformations: [{ ...count, ...t }] });
    await expectAwsError(transformation({ dimensions: { Host: '$.host' } }, 'ERROR'), invalid('The specified filter pattern does not support dimensions'));
    await expectAwsError(transformation({ dimensions: { Host: '$.host' }, defaultValue: 0 }), invalid('Invalid metric transformation: dimensions and default value are mutually exclusive properties'));
    await expectAwsError(transformation({ dimensions: { Host: 'web-1' } }), invalid('Invalid metric transformation: dimension value must be valid selector'));
    await expectAwsError(transformation({ dimensions: { A: '$.a', B: '$.b', C: '$.c', D: '$.d' } }), invalid('at most 3 dimensions'));
    await expectAwsError(transformation({ metricValue: 'length' }), invalid('Invalid metric transformation: metric value length'));
    await expectAwsError(transformation({ metricValue: '$.latency' }, 'ERROR'), invalid('Invalid metric transformation'));
    await expectAwsError(transformation({ metricValue: '$bytes' }, '[ip, status, size]'), invalid('Invalid metric transformation'));
    await expectAwsError(put({ logGroupName: group, filterName: 't', metricTransformations: [count, count] }), invalid("at 'metricTransformations' failed to satisfy constraint"));
    await expectAwsError(put({ logGroupName: group, filterName: 't', applyOnTransformedLogs: true }), invalid('applyOnTransformedLogs'));
    expect(await describeIn(group)).toEqual([]);

    await transformation({ metricValue: '$size', dimensions: { Status: '$status' } }, '[ip, status, size]');
    await transformation({ metricValue: '$.latency', dimensions: { Route: '$.request.route', Host: '$.host', Zone: '$.zone' } });
    expect((await describeIn(group))[0].metricTransformations![0].dimensions).toEqual({ Route: '$.request.route', Host: '$.host', Zone: '$.zone' });
  });

  it('answers ResourceNotFoundException for an unknown log group or filter', async () => {
    const notFound = (message: string) => ({ code: 'ResourceNotFoundException', status: 400, message });
    await expectAwsError(put({ logGroupName: '/mf/none', filterName: 'f' }), notFound('The specified log group does not exist.'));
    await expectAwsError(logs.send(new DescribeMetricFiltersCommand({ logGroupName: '/mf/none' })), notFound('The specified log group does not exist.'));
    await expectAwsError(logs.send(new DeleteMetricFilterCommand({ logGroupName: '/mf/none', filterName: 'f' })), notFound('The specified log group does not exist.'));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/mf/empty' }));
    await expectAwsError(logs.send(new DeleteMetricFilterCommand({ logGroupName: '/mf/empty', filterName: 'f' })), notFound('The specified metric filter does not exist.'));
  });

  it('deleting a log group deletes its metric filters', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/mf/gone' }));
    await put({ logGroupName: '/mf/gone', filterName: 'f', metricTransformations: [{ ...count, metricName: 'GoneMetric' }] });
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/mf/gone' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/mf/gone' }));
    expect(await describeIn('/mf/gone')).toEqual([]);
    expect((await logs.send(new DescribeMetricFiltersCommand({ metricName: 'GoneMetric', metricNamespace: 'App' }))).metricFilters).toEqual([]);
  });

  it('TestMetricFilter reports the matching messages, numbered from 1, with the fields they give', async () => {
    const messages = [
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
      'not an access log line',
      '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /index.html HTTP/1.0" 404 1500',
    ];
    const { matches } = await logs.send(new TestMetricFilterCommand({ filterPattern: '[ip, identity, user_id, timestamp, request, status_code = 4*, size]', logEventMessages: messages }));
    expect(matches).toEqual([
      {
        eventNumber: 3,
        eventMessage: messages[2],
        extractedValues: {
          $ip: '127.0.0.1',
          $identity: '-',
          $user_id: 'frank',
          $timestamp: '10/Oct/2000:13:35:22 -0700',
          $request: 'GET /index.html HTTP/1.0',
          $status_code: '404',
          $size: '1500',
        },
      },
    ]);
    const json = await logs.send(new TestMetricFilterCommand({ filterPattern: '{ $.level = "ERROR" }', logEventMessages: ['{"level":"ERROR"}', '{"level":"INFO"}'] }));
    expect(json.matches).toEqual([{ eventNumber: 1, eventMessage: '{"level":"ERROR"}', extractedValues: {} }]);
    await expectAwsError(logs.send(new TestMetricFilterCommand({ filterPattern: 'a:b', logEventMessages: ['a:b'] })), invalid("Invalid character(s) in term ':'"));
  });
});
