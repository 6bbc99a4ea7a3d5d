/**
 * CloudWatch Logs subscription filters: PutSubscriptionFilter, DescribeSubscriptionFilters and
 * DeleteSubscriptionFilter, with AWS's limit (two per log group) and its checks of the destination:
 * the vendor (Lambda, Kinesis, Firehose, a Logs destination), the account and Region, the role
 * Kinesis and Firehose need, and that CloudWatch Logs may assume that role (through IAM). A Lambda
 * function gets AWS's test message (as a DryRun invocation) and then the matching events
 * (subscription-delivery.ts); Drydock serves neither Kinesis nor Firehose, so such a destination is
 * checked only by its ARN and nothing is delivered to it; no Logs destination can exist
 * (PutDestination answers 501).
 */
import type {
  DeleteSubscriptionFilterRequest,
  DescribeSubscriptionFiltersRequest,
  DescribeSubscriptionFiltersResponse,
  PutSubscriptionFilterRequest,
  SubscriptionFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Scope } from '../../../core/accounts.js';
import { type ArnParts, parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { checkRegexQuota, DEFAULT_DESCRIBE_LIMIT, groupArn, invalid, type LogsContext, limitExceeded, patternOf, refuseTransformedLogs, requireGroup, scopeOf } from '../common.js';
import type { FilterPattern } from '../filter-pattern/index.js';
import type { GroupRow, SubscriptionFilterRow } from '../store.js';
import { callLambdaAsLogs } from '../subscription-delivery.js';
import { readNextToken } from '../tokens.js';

const MAX_SUBSCRIPTION_FILTERS = 2;

/** What AWS answers when its test message cannot reach a destination, by vendor. */
const UNREACHABLE: Record<string, string> = {
  lambda: 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.',
  kinesis: 'Could not deliver test message to specified Kinesis stream. Check if the given kinesis stream is in ACTIVE state.',
  firehose: 'Could not deliver test message to specified Firehose stream. Check if the given Firehose stream is in ACTIVE state.',
};

/** The resource part of a destination ARN each vendor accepts. */
const RESOURCE: Record<string, RegExp> = {
  lambda: /^function:[\w-]{1,64}(:[\w$-]+)?$/,
  kinesis: /^stream\/[\w.-]{1,128}$/,
  firehose: /^deliverystream\/[\w.-]{1,64}$/,
};

/**
 * The checks AWS makes of the destination before it looks at the log group: a vendor it can
 * deliver to, Lambda functions only in the caller's account, and a role for every vendor but Lambda
 * and Logs destinations.
 */
function destinationOf(input: PutSubscriptionFilterRequest, scope: Scope): ArnParts {
  const destination = parseArn(input.destinationArn!);
  if (!destination) throw invalid(`destinationArn is not a valid ARN: ${input.destinationArn}`);
  const vendor = destination.service;
  if (vendor === 'lambda') {
    if (destination.account !== scope.account) {
      throw new AwsError('AccessDeniedException', 'Cross-account lambda invocation passing is not allowed. You must use DestinationPolicies to create cross account lambda triggers.');
    }
    return destination;
  }
  if (vendor === 'logs') return destination;
  if (input.roleArn === undefined) throw invalid(`destinationArn for vendor ${vendor} cannot be used without roleArn`);
  if (!UNREACHABLE[vendor]) throw invalid(`PutSubscriptionFilter operation cannot work with destinationArn for vendor ${vendor}`);
  return destination;
}

/** Whether CloudWatch Logs (global or regional service principal) may assume the role for this log group. */
function logsMayAssume(c: LogsContext, roleArn: string, group: GroupRow): boolean {
  const match = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  const iam = c.rt.api('iam');
  const role = match ? iam.getRole(match[1], match[2]) : undefined;
  if (role?.arn !== roleArn) return false;
  // What the trust policy's conditions may read: AWS's examples limit aws:SourceArn to the account's log groups.
  const context = {
    'aws:SourceArn': `${groupArn(group)}:*`,
    'aws:SourceAccount': group.account,
    'aws:PrincipalIsAWSService': 'true',
  };
  return [`logs.${group.region}.amazonaws.com`, 'logs.amazonaws.com'].some(
    (service) => iam.evaluateTrust(role.assumeRolePolicyDocument, { kind: 'service', service }, 'sts:AssumeRole', { ...context, 'aws:PrincipalServiceName': service }).decision === 'Allow',
  );
}

/**
 * AWS assumes the role and sends a test message before it saves the filter. Drydock assumes the
 * role the same way; Kinesis and Firehose targets, whose services it does not serve, are checked
 * by their ARN only (a Lambda function is then tried: testLambda).
 */
function checkDelivery(c: LogsContext, input: PutSubscriptionFilterRequest, destination: ArnParts, group: GroupRow): void {
  if (input.roleArn !== undefined && !logsMayAssume(c, input.roleArn, group)) {
    throw new AwsError('ValidationException', 'Make sure you have given CloudWatch Logs permission to assume the provided role.');
  }
  if (destination.service === 'logs') throw new AwsError('ResourceNotFoundException', 'The specified destination does not exist.');
  const here = destination.account === group.account && destination.region === group.region;
  if (!here || !RESOURCE[destination.service].test(destination.resource)) throw invalid(UNREACHABLE[destination.service]);
}

/**
 * AWS's test message to a Lambda destination: a DryRun invocation as CloudWatch Logs, which the
 * function must exist for and its permission allow (for the group as aws:SourceArn), without
 * running it.
 */
async function testLambda(c: LogsContext, input: PutSubscriptionFilterRequest, group: GroupRow): Promise<void> {
  try {
    await callLambdaAsLogs(
      c,
      { account: group.account, region: group.region, arn: groupArn(group) },
      {
        service: 'lambda',
        operation: 'Invoke',
        input: { FunctionName: input.destinationArn!, InvocationType: 'DryRun' },
      },
    );
  } catch (err) {
    if (err instanceof AwsError) throw invalid(UNREACHABLE.lambda);
    throw err;
  }
}

/** The filter's log group, once the group may take it (the filter limit and the regex quota) and the destination is checked by its ARN. */
function slotFor(c: LogsContext, input: PutSubscriptionFilterRequest, scope: Scope, destination: ArnParts, pattern: FilterPattern): { group: GroupRow; existing?: SubscriptionFilterRow } {
  const name = input.filterName!;
  const group = requireGroup(c, scope, input.logGroupName!);
  const existing = c.store.subscriptionFilter(group.id, name);
  if (!existing && c.store.countSubscriptionFilters(group.id) >= MAX_SUBSCRIPTION_FILTERS) throw limitExceeded();
  checkRegexQuota(c, group.id, pattern, { kind: 'subscription', name });
  checkDelivery(c, input, destination, group);
  return { group, existing };
}

export async function putSubscriptionFilter(c: LogsContext, input: PutSubscriptionFilterRequest, ctx: RequestContext): Promise<void> {
  const scope = scopeOf(ctx);
  const destination = destinationOf(input, scope);
  const pattern = patternOf(input.filterPattern!);
  refuseTransformedLogs(input.applyOnTransformedLogs);
  // The Lambda test is a call to another service, so it runs between the checks and the write, which checks again.
  if (destination.service === 'lambda') await testLambda(c, input, slotFor(c, input, scope, destination, pattern).group);
  c.store.tx(() => {
    const { group, existing } = slotFor(c, input, scope, destination, pattern);
    c.store.putSubscriptionFilter({
      group_id: group.id,
      name: input.filterName!,
      pattern: input.filterPattern!,
      // Updating a filter keeps the time it was created.
      created_at: existing?.created_at ?? c.rt.clock.now(),
      destination_arn: input.destinationArn!,
      role_arn: input.roleArn ?? null,
      distribution: input.distribution ?? 'ByLogStream',
      field_selection: input.fieldSelectionCriteria ?? null,
      emit_system_fields: input.emitSystemFields?.length ? JSON.stringify(input.emitSystemFields) : null,
      has_regex: pattern.hasRegex ? 1 : 0,
    });
  });
}

function toSubscriptionFilter(group: GroupRow, row: SubscriptionFilterRow): SubscriptionFilter {
  return {
    filterName: row.name,
    logGroupName: group.name,
    filterPattern: row.pattern,
    destinationArn: row.destination_arn,
    ...(row.role_arn !== null ? { roleArn: row.role_arn } : {}),
    distribution: row.distribution as SubscriptionFilter['distribution'],
    applyOnTransformedLogs: false,
    creationTime: row.created_at,
    ...(row.field_selection !== null ? { fieldSelectionCriteria: row.field_selection } : {}),
    ...(row.emit_system_fields !== null ? { emitSystemFields: JSON.parse(row.emit_system_fields) as string[] } : {}),
  };
}

export function describeSubscriptionFilters(c: LogsContext, input: DescribeSubscriptionFiltersRequest, ctx: RequestContext): DescribeSubscriptionFiltersResponse {
  const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
  const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
  const after = input.nextToken !== undefined ? readNextToken<{ n: string }>(input.nextToken, { n: 'string' }).n : '';
  const rows = c.store.subscriptionFilters(group.id, input.filterNamePrefix ?? '', after, limit + 1);
  const page = rows.slice(0, limit);
  return {
    subscriptionFilters: page.map((row) => toSubscriptionFilter(group, row)),
    ...(rows.length > limit ? { nextToken: pageToken({ n: page[page.length - 1].name }) } : {}),
  };
}

export function deleteSubscriptionFilter(c: LogsContext, input: DeleteSubscriptionFilterRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
    if (!c.store.deleteSubscriptionFilter(group.id, input.filterName!)) throw new AwsError('ResourceNotFoundException', 'The specified subscription filter does not exist.');
  });
}
