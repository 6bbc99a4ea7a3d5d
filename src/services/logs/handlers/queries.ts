/** CloudWatch Logs Insights queries: StartQuery, GetQueryResults, StopQuery, DescribeQueries. */
import type {
  DescribeQueriesRequest,
  DescribeQueriesResponse,
  GetQueryResultsRequest,
  GetQueryResultsResponse,
  QueryInfo,
  ResultField,
  StartQueryRequest,
  StartQueryResponse,
  StopQueryRequest,
  StopQueryResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { invalid, type LogsContext, requireGroup, scopeOf } from '../common.js';
import { QueryCompileError } from '../insights/lexer.js';
import { UnsupportedCommand } from '../insights/parser.js';
import { compileQuery } from '../insights/plan.js';
import { QUERY_JOB } from '../query-runner.js';
import type { GroupRow } from '../store.js';
import type { QueryRow } from '../store-queries.js';
import { readNextToken } from '../tokens.js';
import { groupsOfIdentifiers } from './groups.js';

/** AWS lets an account run this many Logs Insights queries at once (dashboards' included). */
const MAX_CONCURRENT_QUERIES = 30;
/** Rows a query answers unless StartQuery's `limit` or the query's own says otherwise. */
const DEFAULT_ROW_LIMIT = 10_000;
/** Log groups one query may name. */
const MAX_QUERY_GROUPS = 50;
/** GetQueryResults answers at most this many rows a page. */
const MAX_RESULT_PAGE = 10_000;
const DEFAULT_DESCRIBE_QUERIES = 1000;

function queryNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'Query does not exist.');
}

function malformed(err: QueryCompileError): AwsError {
  return new AwsError('MalformedQueryException', err.message, {
    fields: { queryCompileError: { location: { startCharOffset: err.start, endCharOffset: err.end }, message: err.message } },
  });
}

/** The query compiled: MalformedQueryException with AWS's message and its location, or 501 for commands Drydock does not run. */
function compiled(queryString: string): void {
  try {
    compileQuery(queryString);
  } catch (err) {
    if (err instanceof QueryCompileError) throw malformed(err);
    if (err instanceof UnsupportedCommand) throw new AwsError('NotImplemented', err.message, { status: 501 });
    throw err;
  }
}

/** The groups a StartQuery names, by exactly one of its three members. */
function queriedGroups(c: LogsContext, scope: Scope, input: StartQueryRequest): GroupRow[] {
  const given = [input.logGroupName, input.logGroupNames, input.logGroupIdentifiers].filter((member) => member !== undefined);
  if (given.length !== 1) throw invalid('A StartQuery operation must include exactly one of the following parameters: logGroupName, logGroupNames or logGroupIdentifiers.');
  const missing = (name: string) => new AwsError('ResourceNotFoundException', `Log group '${name}' does not exist for account ID '${scope.account}'`);
  if (input.logGroupName !== undefined) {
    const group = c.store.group(scope, input.logGroupName);
    if (!group) throw missing(input.logGroupName);
    return [group];
  }
  const list = input.logGroupNames ?? input.logGroupIdentifiers!;
  if (list.length === 0 || list.length > MAX_QUERY_GROUPS) throw invalid(`A query can search between 1 and ${MAX_QUERY_GROUPS} log groups.`);
  if (input.logGroupNames) {
    return input.logGroupNames.map((name) => {
      const group = c.store.group(scope, name);
      if (!group) throw missing(name);
      return group;
    });
  }
  return groupsOfIdentifiers(c, scope, list, missing);
}

export function startQuery(c: LogsContext, input: StartQueryRequest, ctx: RequestContext): StartQueryResponse {
  if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI') {
    throw new AwsError('NotImplemented', `Drydock runs Logs Insights QL (CWLI) queries only, not ${input.queryLanguage}`, { status: 501 });
  }
  const scope = scopeOf(ctx);
  const startMs = input.startTime! * 1000;
  const endMs = input.endTime! * 1000;
  if (input.endTime! < input.startTime!) throw invalid('endTime must be greater than or equal to startTime.');
  compiled(input.queryString!);
  return c.store.tx(() => {
    const groups = queriedGroups(c, scope, input);
    const now = c.rt.clock.now();
    const reachable = groups.some((g) => endMs >= g.created_at && (g.retention_days === null || endMs >= now - g.retention_days * 86_400_000));
    if (!reachable) {
      throw new AwsError('MalformedQueryException', "Query's end date and time is either before the log groups creation time or exceeds the log groups log retention settings");
    }
    if (c.queries.activeQueries(scope) >= MAX_CONCURRENT_QUERIES) {
      throw new AwsError('LimitExceededException', `Account maximum query concurrency limit of [${MAX_CONCURRENT_QUERIES}] reached.`);
    }
    const row: QueryRow = {
      id: uuid(),
      account: scope.account,
      region: scope.region,
      query_string: input.queryString!,
      log_group_name: groups[0].name,
      group_ids: JSON.stringify(groups.map((g) => g.id)),
      start_ms: startMs,
      end_ms: endMs,
      row_limit: input.limit ?? DEFAULT_ROW_LIMIT,
      status: 'Scheduled',
      created_at: now,
      finished_at: null,
      job_id: null,
      user_identity: ctx.principal.arn,
      records_matched: 0,
      records_scanned: 0,
      bytes_scanned: 0,
      results: null,
    };
    c.queries.insertQuery(row);
    c.queries.setJob(row.id, c.rt.jobs.enqueue(QUERY_JOB, { id: row.id }));
    return { queryId: row.id };
  });
}

function requireQuery(c: LogsContext, scope: Scope, id: string): QueryRow {
  const row = c.queries.query(scope, id);
  if (!row) throw queryNotFound();
  return row;
}

export function getQueryResults(c: LogsContext, input: GetQueryResultsRequest, ctx: RequestContext): GetQueryResultsResponse {
  const row = requireQuery(c, scopeOf(ctx), input.queryId!);
  const all = row.results ? (JSON.parse(row.results) as ResultField[][]) : [];
  const offset = input.nextToken !== undefined ? readNextToken<{ o: number }>(input.nextToken, { o: 'number' }).o : 0;
  const size = Math.min(input.maxItems ?? MAX_RESULT_PAGE, MAX_RESULT_PAGE);
  const results = all.slice(offset, offset + size);
  return {
    queryLanguage: 'CWLI',
    results,
    statistics: { recordsMatched: row.records_matched, recordsScanned: row.records_scanned, bytesScanned: row.bytes_scanned },
    status: row.status,
    ...(offset + results.length < all.length ? { nextToken: pageToken({ o: offset + results.length }) } : {}),
  };
}

export function stopQuery(c: LogsContext, input: StopQueryRequest, ctx: RequestContext): StopQueryResponse {
  return c.store.tx(() => {
    const row = requireQuery(c, scopeOf(ctx), input.queryId!);
    // Stopping a query that already ended changes nothing: AWS answers success false.
    if (!c.queries.stopQuery(row.id, c.rt.clock.now())) return { success: false };
    if (row.job_id !== null) c.rt.jobs.cancel(row.job_id);
    return { success: true };
  });
}

function toQueryInfo(row: QueryRow): QueryInfo {
  return {
    queryLanguage: 'CWLI',
    queryId: row.id,
    queryString: row.query_string,
    status: row.status,
    createTime: row.created_at,
    logGroupName: row.log_group_name,
    ...(row.finished_at !== null ? { queryDuration: row.finished_at - row.created_at } : {}),
    bytesScanned: row.bytes_scanned,
    userIdentity: row.user_identity,
  };
}

export function describeQueries(c: LogsContext, input: DescribeQueriesRequest, ctx: RequestContext): DescribeQueriesResponse {
  const scope = scopeOf(ctx);
  if (input.logGroupName !== undefined) requireGroup(c, scope, input.logGroupName);
  // Only Logs Insights QL queries run here, so there are no SQL or PPL queries to list.
  if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI') return { queries: [] };
  const limit = input.maxResults ?? DEFAULT_DESCRIBE_QUERIES;
  const token = input.nextToken !== undefined ? readNextToken<{ a: number; i: string }>(input.nextToken, { a: 'number', i: 'string' }) : undefined;
  const rows = c.queries.listQueries(scope, { groupName: input.logGroupName, status: input.status, after: token && { at: token.a, id: token.i }, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    queries: page.map(toQueryInfo),
    ...(rows.length > limit ? { nextToken: pageToken({ a: last.created_at, i: last.id }) } : {}),
  };
}
