/** CloudWatch Logs Insights saved queries: PutQueryDefinition, DescribeQueryDefinitions, DeleteQueryDefinition. */
import type {
  DeleteQueryDefinitionRequest,
  DeleteQueryDefinitionResponse,
  DescribeQueryDefinitionsRequest,
  DescribeQueryDefinitionsResponse,
  PutQueryDefinitionRequest,
  PutQueryDefinitionResponse,
  QueryDefinition,
  QueryParameter,
} from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type LogsContext, limitExceeded, scopeOf } from '../common.js';
import type { QueryDefinitionRow } from '../store-queries.js';
import { readNextToken } from '../tokens.js';

/** AWS keeps at most this many query definitions per account and Region. */
const MAX_QUERY_DEFINITIONS = 1000;
const DEFAULT_DESCRIBE_DEFINITIONS = 1000;

function definitionNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified query definition does not exist.');
}

function toQueryDefinition(row: QueryDefinitionRow): QueryDefinition {
  const groups = JSON.parse(row.log_group_names) as string[];
  const parameters = JSON.parse(row.parameters) as QueryParameter[];
  return {
    queryLanguage: 'CWLI',
    queryDefinitionId: row.id,
    name: row.name,
    queryString: row.query_string,
    lastModified: row.last_modified,
    ...(groups.length ? { logGroupNames: groups } : {}),
    ...(parameters.length ? { parameters } : {}),
  };
}

/**
 * Creates a query definition, or replaces one named by queryDefinitionId: an update keeps nothing
 * of the old definition (a missing logGroupNames empties it), as AWS documents.
 */
export function putQueryDefinition(c: LogsContext, input: PutQueryDefinitionRequest, ctx: RequestContext): PutQueryDefinitionResponse {
  if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI') {
    throw new AwsError('NotImplemented', `Drydock keeps Logs Insights QL (CWLI) query definitions only, not ${input.queryLanguage}`, { status: 501 });
  }
  const scope = scopeOf(ctx);
  return c.queries.tx(() => {
    let id = input.queryDefinitionId;
    if (id !== undefined) {
      if (!c.queries.definition(scope, id)) throw definitionNotFound();
    } else {
      if (c.queries.countDefinitions(scope) >= MAX_QUERY_DEFINITIONS) throw limitExceeded();
      id = uuid();
    }
    c.queries.putDefinition({
      id,
      account: scope.account,
      region: scope.region,
      name: input.name!,
      query_string: input.queryString!,
      log_group_names: JSON.stringify(input.logGroupNames ?? []),
      parameters: JSON.stringify(input.parameters ?? []),
      last_modified: c.rt.clock.now(),
    });
    return { queryDefinitionId: id };
  });
}

export function describeQueryDefinitions(c: LogsContext, input: DescribeQueryDefinitionsRequest, ctx: RequestContext): DescribeQueryDefinitionsResponse {
  // Only Logs Insights QL definitions are kept here.
  if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI') return { queryDefinitions: [] };
  const limit = input.maxResults ?? DEFAULT_DESCRIBE_DEFINITIONS;
  const after = input.nextToken !== undefined ? readNextToken<{ n: string; i: string }>(input.nextToken, { n: 'string', i: 'string' }) : { n: '', i: '' };
  const rows = c.queries.definitions(scopeOf(ctx), input.queryDefinitionNamePrefix ?? '', { name: after.n, id: after.i }, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    queryDefinitions: page.map(toQueryDefinition),
    ...(rows.length > limit ? { nextToken: pageToken({ n: last.name, i: last.id }) } : {}),
  };
}

export function deleteQueryDefinition(c: LogsContext, input: DeleteQueryDefinitionRequest, ctx: RequestContext): DeleteQueryDefinitionResponse {
  if (!c.queries.tx(() => c.queries.deleteDefinition(scopeOf(ctx), input.queryDefinitionId!))) throw definitionNotFound();
  return { success: true };
}
