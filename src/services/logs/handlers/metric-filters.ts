/**
 * CloudWatch Logs metric filters: PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter and
 * TestMetricFilter, with AWS's limits (100 per log group, one transformation, three dimensions) and
 * checks (the metric value and dimensions must name values the pattern extracts). Filters are stored
 * and matched; no metric is emitted, because Drydock does not serve CloudWatch metrics.
 */
import type {
  DeleteMetricFilterRequest,
  DescribeMetricFiltersRequest,
  DescribeMetricFiltersResponse,
  MetricFilter,
  MetricTransformation,
  PutMetricFilterRequest,
  TestMetricFilterRequest,
  TestMetricFilterResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../../../core/errors.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { checkRegexQuota, DEFAULT_DESCRIBE_LIMIT, invalid, type LogsContext, limitExceeded, patternOf, refuseTransformedLogs, requireGroup, scopeOf } from '../common.js';
import type { FilterPattern } from '../filter-pattern/index.js';
import { NUMBER } from '../filter-pattern/syntax.js';
import type { MetricFilterRow, WithGroupName } from '../store.js';
import { readNextToken } from '../tokens.js';

const MAX_METRIC_FILTERS = 100;
const MAX_DIMENSIONS = 3;

/** What PutMetricFilter checks of the one transformation beyond the model's constraints. */
function checkTransformation(pattern: FilterPattern, t: MetricTransformation): void {
  if (!t.metricName || !t.metricNamespace) throw invalid('Invalid metric transformation: metric name and namespace must not be empty');
  const value = t.metricValue!;
  if (!NUMBER.test(value) && !pattern.declares(value)) {
    throw invalid(`Invalid metric transformation: metric value ${value} must be a number or a value the filter pattern extracts ($.field for JSON, $field for space-delimited patterns)`);
  }
  const dimensions = Object.values(t.dimensions ?? {});
  if (!dimensions.length) return;
  if (pattern.kind !== 'json' && pattern.kind !== 'delimited') throw invalid('The specified filter pattern does not support dimensions');
  if (t.defaultValue !== undefined) throw invalid('Invalid metric transformation: dimensions and default value are mutually exclusive properties');
  if (dimensions.length > MAX_DIMENSIONS) throw invalid(`Invalid metric transformation: a metric filter can have at most ${MAX_DIMENSIONS} dimensions`);
  if (dimensions.some((selector) => !pattern.declares(selector))) throw invalid('Invalid metric transformation: dimension value must be valid selector');
}

export function putMetricFilter(c: LogsContext, input: PutMetricFilterRequest, ctx: RequestContext): void {
  const pattern = patternOf(input.filterPattern!);
  const transformation = input.metricTransformations![0];
  checkTransformation(pattern, transformation);
  refuseTransformedLogs(input.applyOnTransformedLogs);
  const name = input.filterName!;
  c.store.tx(() => {
    const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
    const existing = c.store.metricFilter(group.id, name);
    if (!existing && c.store.countMetricFilters(group.id) >= MAX_METRIC_FILTERS) throw limitExceeded();
    checkRegexQuota(c, group.id, pattern, { kind: 'metric', name });
    c.store.putMetricFilter({
      group_id: group.id,
      name,
      pattern: input.filterPattern!,
      // Updating a filter keeps the time it was created.
      created_at: existing?.created_at ?? c.rt.clock.now(),
      metric_name: transformation.metricName!,
      metric_namespace: transformation.metricNamespace!,
      metric_value: transformation.metricValue!,
      default_value: transformation.defaultValue ?? null,
      unit: transformation.unit ?? null,
      dimensions: transformation.dimensions && Object.keys(transformation.dimensions).length ? JSON.stringify(transformation.dimensions) : null,
      field_selection: input.fieldSelectionCriteria ?? null,
      emit_system_fields: input.emitSystemFieldDimensions?.length ? JSON.stringify(input.emitSystemFieldDimensions) : null,
      has_regex: pattern.hasRegex ? 1 : 0,
    });
  });
}

function toMetricFilter(row: WithGroupName<MetricFilterRow>): MetricFilter {
  const transformation: MetricTransformation = {
    metricName: row.metric_name,
    metricNamespace: row.metric_namespace,
    metricValue: row.metric_value,
    ...(row.default_value !== null ? { defaultValue: row.default_value } : {}),
    ...(row.dimensions !== null ? { dimensions: JSON.parse(row.dimensions) as Record<string, string> } : {}),
    ...(row.unit !== null ? { unit: row.unit as MetricTransformation['unit'] } : {}),
  };
  return {
    filterName: row.name,
    filterPattern: row.pattern,
    metricTransformations: [transformation],
    creationTime: row.created_at,
    logGroupName: row.group_name,
    applyOnTransformedLogs: false,
    ...(row.field_selection !== null ? { fieldSelectionCriteria: row.field_selection } : {}),
    ...(row.emit_system_fields !== null ? { emitSystemFieldDimensions: JSON.parse(row.emit_system_fields) as string[] } : {}),
  };
}

export function describeMetricFilters(c: LogsContext, input: DescribeMetricFiltersRequest, ctx: RequestContext): DescribeMetricFiltersResponse {
  if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
    throw invalid('metricName and metricNamespace must be specified together.');
  }
  const scope = scopeOf(ctx);
  const group = input.logGroupName !== undefined ? requireGroup(c, scope, input.logGroupName) : undefined;
  const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
  const token = input.nextToken !== undefined ? readNextToken<{ g: string; n: string }>(input.nextToken, { g: 'string', n: 'string' }) : undefined;
  const rows = c.store.listMetricFilters(scope, {
    groupId: group?.id,
    prefix: input.filterNamePrefix,
    metric: input.metricName !== undefined ? { name: input.metricName, namespace: input.metricNamespace! } : undefined,
    after: token && { group: token.g, name: token.n },
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    metricFilters: page.map(toMetricFilter),
    ...(rows.length > limit ? { nextToken: pageToken({ g: last.group_name, n: last.name }) } : {}),
  };
}

export function deleteMetricFilter(c: LogsContext, input: DeleteMetricFilterRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
    if (!c.store.deleteMetricFilter(group.id, input.filterName!)) throw new AwsError('ResourceNotFoundException', 'The specified metric filter does not exist.');
  });
}

export function testMetricFilter(_c: LogsContext, input: TestMetricFilterRequest): TestMetricFilterResponse {
  const pattern = patternOf(input.filterPattern!);
  const matches: TestMetricFilterResponse['matches'] = [];
  input.logEventMessages!.forEach((message, i) => {
    const extractedValues = pattern.extract(message);
    // Numbered from 1, as the service answers (the API reference's example starts at 0).
    if (extractedValues) matches.push({ eventNumber: i + 1, eventMessage: message, extractedValues });
  });
  return { matches };
}
