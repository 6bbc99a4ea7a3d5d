/** CloudWatch Logs log groups: CreateLogGroup, DeleteLogGroup, DescribeLogGroups. */
import type {
  CreateLogGroupRequest,
  DeleteLogGroupRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  ListLogGroupsRequest,
  ListLogGroupsResponse,
  LogGroup,
  TagFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Scope } from '../../../core/accounts.js';
import { arn, parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { pageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { checkTagKeys, DEFAULT_DESCRIBE_LIMIT, groupArn, invalid, type LogsContext, requireGroup, scopeOf } from '../common.js';
import { newDataKey } from '../encryption.js';
import type { GroupRow, GroupWithBytes } from '../store.js';
import { readNextToken } from '../tokens.js';
import { checkKeyArn } from './kms-keys.js';

/** What CreateLogGroup refuses before anything is made: reserved names, reserved tag keys, a group that exists. */
function checkNewGroup(c: LogsContext, scope: Scope, input: CreateLogGroupRequest): void {
  if (input.logGroupName!.toLowerCase().startsWith('aws/')) throw invalid('Log groups starting with AWS/ are reserved for AWS.');
  if (input.tags) checkTagKeys(input.tags);
  if (c.store.group(scope, input.logGroupName!)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
}

/** CreateLogGroup, which the api's ensureLogGroup/ensureLogStream also use; `encryptedKey` is the data key KMS made for a kmsKeyId. */
export function createGroup(c: LogsContext, scope: Scope, input: CreateLogGroupRequest, encryptedKey?: Buffer): void {
  const name = input.logGroupName!;
  c.store.tx(() => {
    checkNewGroup(c, scope, input);
    c.store.createGroup({
      account: scope.account,
      region: scope.region,
      name,
      created_at: c.rt.clock.now(),
      retention_days: null,
      kms_key_id: input.kmsKeyId ?? null,
      log_group_class: input.logGroupClass ?? 'STANDARD',
      deletion_protection: input.deletionProtectionEnabled ? 1 : 0,
      tags: JSON.stringify(input.tags ?? {}),
    });
    if (encryptedKey) c.resources.insertDataKey(requireGroup(c, scope, name).id, input.kmsKeyId!, encryptedKey, c.rt.clock.now());
  });
}

export function toLogGroup(group: GroupWithBytes): LogGroup {
  return {
    logGroupName: group.name,
    creationTime: group.created_at,
    ...(group.retention_days !== null ? { retentionInDays: group.retention_days } : {}),
    metricFilterCount: group.metric_filter_count,
    arn: `${groupArn(group)}:*`,
    storedBytes: group.stored_bytes,
    ...(group.kms_key_id !== null ? { kmsKeyId: group.kms_key_id } : {}),
    logGroupClass: group.log_group_class as LogGroup['logGroupClass'],
    logGroupArn: groupArn(group),
    deletionProtectionEnabled: group.deletion_protection === 1,
  };
}

/** logGroupIdentifiers as names: ARNs of other accounts or Regions name nothing (''). */
function identifiedNames(scope: Scope, identifiers: string[]): string[] {
  return identifiers.map((id) => {
    if (!id.startsWith('arn:')) return id;
    const parts = parseArn(id);
    return parts?.resource.startsWith('log-group:') && parts.account === scope.account && parts.region === scope.region ? parts.resource.slice('log-group:'.length) : '';
  });
}

/** Groups named by name or ARN (StartQuery's logGroupIdentifiers): `missing` for any that is not the caller's own existing group. */
export function groupsOfIdentifiers(c: LogsContext, scope: Scope, identifiers: string[], missing: (identifier: string) => AwsError): GroupRow[] {
  const names = identifiedNames(scope, identifiers);
  return names.map((name, i) => {
    const group = name ? c.store.group(scope, name.replace(/:\*$/, '')) : undefined;
    if (!group) throw missing(identifiers[i]);
    return group;
  });
}

export function describeLogGroups(c: LogsContext, input: DescribeLogGroupsRequest, ctx: RequestContext): DescribeLogGroupsResponse {
  if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
    throw invalid('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
  }
  if (input.logGroupIdentifiers !== undefined && (input.logGroupNamePrefix !== undefined || input.logGroupNamePattern !== undefined)) {
    throw invalid('logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.');
  }
  const scope = scopeOf(ctx);
  const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
  const after = input.nextToken !== undefined ? readNextToken<{ n: string }>(input.nextToken, { n: 'string' }).n : undefined;
  // One extra row tells whether another page exists.
  const rows = c.store.listGroups(scope, {
    after,
    prefix: input.logGroupNamePrefix,
    contains: input.logGroupNamePattern || undefined,
    logGroupClass: input.logGroupClass,
    names: input.logGroupIdentifiers && identifiedNames(scope, input.logGroupIdentifiers),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    // With a name pattern AWS answers only these three members.
    logGroups: input.logGroupNamePattern ? page.map((g) => ({ logGroupName: g.name, creationTime: g.created_at, arn: `${groupArn(g)}:*` })) : page.map(toLogGroup),
    ...(rows.length > limit ? { nextToken: pageToken({ n: page[page.length - 1].name }) } : {}),
  };
}

/** ListLogGroups' name pattern: up to five alternatives split by `|`, each a prefix (`^name`) or a substring, case-sensitive. */
function namePattern(pattern: string | undefined): (name: string) => boolean {
  if (!pattern) return () => true;
  const alternatives = pattern.split('|').map((alternative) => (alternative.startsWith('^') ? { prefix: true, text: alternative.slice(1) } : { prefix: false, text: alternative }));
  return (name) => alternatives.some((a) => (a.prefix ? name.startsWith(a.text) : name.includes(a.text)));
}

function hasTags(filters: TagFilter[] | undefined): (group: GroupWithBytes) => boolean {
  if (!filters) return () => true;
  return (group) => {
    const tags = JSON.parse(group.tags) as Record<string, string>;
    return filters.every((f) => tags[f.key!] !== undefined && (!f.values?.length || f.values.includes(tags[f.key!])));
  };
}

/** Rows read from the store at a time while ListLogGroups filters by pattern and tags. */
const LIST_BATCH = 1000;

export function listLogGroups(c: LogsContext, input: ListLogGroupsRequest, ctx: RequestContext): ListLogGroupsResponse {
  const scope = scopeOf(ctx);
  const limit = input.limit ?? DEFAULT_DESCRIBE_LIMIT;
  let after = input.nextToken !== undefined ? readNextToken<{ n: string }>(input.nextToken, { n: 'string' }).n : undefined;
  // Drydock keeps neither field indexes nor data sources, so no group has the ones asked for.
  if (input.fieldIndexNames?.length || input.dataSources?.length) return { logGroups: [] };
  const matches = namePattern(input.logGroupNamePattern);
  const tagged = hasTags(input.logGroupTags);
  const found: GroupWithBytes[] = [];
  for (;;) {
    const batch = c.store.listGroups(scope, { after, logGroupClass: input.logGroupClass, limit: LIST_BATCH });
    for (const group of batch) if (found.length <= limit && matches(group.name) && tagged(group)) found.push(group);
    if (found.length > limit || batch.length < LIST_BATCH) break;
    after = batch[batch.length - 1].name;
  }
  const page = found.slice(0, limit);
  return {
    logGroups: page.map((g) => ({ logGroupName: g.name, logGroupArn: groupArn(g), logGroupClass: g.log_group_class as LogGroup['logGroupClass'] })),
    ...(found.length > limit ? { nextToken: pageToken({ n: page[page.length - 1].name }) } : {}),
  };
}

/** A kmsKeyId is checked as AssociateKmsKey checks it: KMS must make the group a data key as CloudWatch Logs. */
export async function createLogGroup(c: LogsContext, input: CreateLogGroupRequest, ctx: RequestContext): Promise<void> {
  const scope = scopeOf(ctx);
  if (input.kmsKeyId === undefined) return createGroup(c, scope, input);
  checkKeyArn(input.kmsKeyId);
  checkNewGroup(c, scope, input);
  const made = await newDataKey(c, scope, arn('logs', scope.region, scope.account, `log-group:${input.logGroupName}`), input.kmsKeyId);
  createGroup(c, scope, input, made.encrypted);
}

export function deleteLogGroup(c: LogsContext, input: DeleteLogGroupRequest, ctx: RequestContext): void {
  c.store.tx(() => {
    const group = requireGroup(c, scopeOf(ctx), input.logGroupName!);
    if (group.deletion_protection) throw new AwsError('ValidationException', 'Cannot delete log group with deletion protection enabled. Disable deletion protection first.');
    c.store.deleteGroup(group.id);
    // Its data keys and its own resource policy go with it.
    c.resources.deleteDataKeys(group.id);
    c.resources.deletePolicy(scopeOf(ctx), groupArn(group));
  });
}
