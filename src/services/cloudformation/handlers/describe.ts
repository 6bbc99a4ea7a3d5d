/**
 * What CloudFormation reports about stacks: DescribeStacks, ListStacks, DescribeStackEvents, the
 * resource views, GetTemplate, ListExports, ListImports and DescribeAccountLimits, in AWS's shapes
 * (NoEcho parameters masked as `****`, newest stacks and events first).
 */
import type * as C from '@aws-sdk/client-cloudformation';
import { hasMembers, pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type CloudFormationContext, DELETED_STACK_RETENTION_MS, findStack, parametersOf, parseJson, type StackOutput, stackNotFound, validationError } from '../common.js';
import { resourceDriftInformation, stackDriftInformation } from '../engine/drift.js';
import type { ResourceRow, StackRow } from '../store.js';
import { parseTemplate } from '../template/index.js';
import type { Template } from '../template/types.js';
import { findChangeSet } from './change-sets.js';

const PAGE = 100;
const invalidToken = () => validationError('Invalid NextToken');
const positionToken = hasMembers<{ before: number }>({ before: 'number' });

function optionalDate(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(ms);
}

function describeStack(c: CloudFormationContext, stack: StackRow): C.Stack {
  const outputs = parseJson<StackOutput[]>(stack.outputs);
  return {
    StackId: stack.stack_id,
    StackName: stack.name,
    Description: stack.description ?? undefined,
    Parameters: Object.values(parametersOf(stack)).map((p) => ({
      ParameterKey: p.key,
      ParameterValue: p.noEcho ? '****' : p.value,
      ...(p.resolvedValue !== undefined ? { ResolvedValue: p.noEcho ? '****' : p.resolvedValue } : {}),
    })),
    CreationTime: new Date(stack.created_at),
    DeletionTime: optionalDate(stack.deleted_at),
    LastUpdatedTime: optionalDate(stack.updated_at),
    RollbackConfiguration: {},
    StackStatus: stack.status as C.StackStatus,
    StackStatusReason: stack.status_reason ?? undefined,
    DisableRollback: stack.disable_rollback === 1,
    NotificationARNs: parseJson<string[]>(stack.notification_arns),
    TimeoutInMinutes: stack.timeout_minutes ?? undefined,
    Capabilities: parseJson<C.Capability[]>(stack.capabilities),
    Outputs: outputs.map((o) => ({ OutputKey: o.key, OutputValue: o.value, Description: o.description, ExportName: o.exportName })),
    RoleARN: stack.role_arn ?? undefined,
    Tags: parseJson<C.Tag[]>(stack.tags),
    EnableTerminationProtection: stack.termination_protection === 1,
    ParentId: stack.parent_id ?? undefined,
    RootId: stack.root_id ?? undefined,
    DriftInformation: stackDriftInformation(c, stack.stack_id),
    RetainExceptOnCreate: stack.retain_except_on_create === 1,
  };
}

export function describeStacks(c: CloudFormationContext, input: C.DescribeStacksInput, ctx: RequestContext): C.DescribeStacksOutput {
  if (input.StackName !== undefined) {
    const stack = findStack(c, ctx, input.StackName);
    if (!stack) throw stackNotFound(input.StackName);
    return { Stacks: [describeStack(c, stack)] };
  }
  const before = input.NextToken ? readPageToken(input.NextToken, positionToken, invalidToken).before : Number.MAX_SAFE_INTEGER;
  const rows = c.store.stacksNewestFirst(ctx, before, PAGE + 1, true);
  const page = rows.slice(0, PAGE);
  return { Stacks: page.map((stack) => describeStack(c, stack)), NextToken: rows.length > PAGE ? pageToken({ before: page.at(-1)!.position }) : undefined };
}

export function listStacks(c: CloudFormationContext, input: C.ListStacksInput, ctx: RequestContext): C.ListStacksOutput {
  c.store.purgeDeleted(ctx, c.rt.clock.now() - DELETED_STACK_RETENTION_MS);
  const filter = input.StackStatusFilter?.length ? new Set<string>(input.StackStatusFilter) : undefined;
  let before = input.NextToken ? readPageToken(input.NextToken, positionToken, invalidToken).before : Number.MAX_SAFE_INTEGER;
  const summaries: C.StackSummary[] = [];
  for (;;) {
    const rows = c.store.stacksNewestFirst(ctx, before, PAGE, false);
    for (const stack of rows) {
      before = stack.position;
      if (filter && !filter.has(stack.status)) continue;
      summaries.push({
        StackId: stack.stack_id,
        StackName: stack.name,
        TemplateDescription: stack.description ?? undefined,
        CreationTime: new Date(stack.created_at),
        LastUpdatedTime: optionalDate(stack.updated_at),
        DeletionTime: optionalDate(stack.deleted_at),
        StackStatus: stack.status as C.StackStatus,
        StackStatusReason: stack.status_reason ?? undefined,
        ParentId: stack.parent_id ?? undefined,
        RootId: stack.root_id ?? undefined,
        DriftInformation: stackDriftInformation(c, stack.stack_id),
      });
      if (summaries.length === PAGE) return { StackSummaries: summaries, NextToken: pageToken({ before }) };
    }
    if (rows.length < PAGE) return { StackSummaries: summaries };
  }
}

export function describeStackEvents(c: CloudFormationContext, input: C.DescribeStackEventsInput, ctx: RequestContext): C.DescribeStackEventsOutput {
  const stack = findStack(c, ctx, input.StackName!);
  if (!stack) throw stackNotFound(input.StackName!);
  const before = input.NextToken ? readPageToken(input.NextToken, positionToken, invalidToken).before : Number.MAX_SAFE_INTEGER;
  const rows = c.store.events(stack.stack_id, before, PAGE + 1);
  const page = rows.slice(0, PAGE);
  return {
    StackEvents: page.map((e) => ({
      StackId: e.stack_id,
      EventId: e.event_id,
      StackName: e.stack_name,
      LogicalResourceId: e.logical_id,
      PhysicalResourceId: e.physical_id ?? '',
      ResourceType: e.type,
      Timestamp: new Date(e.timestamp),
      ResourceStatus: e.status as C.ResourceStatus,
      ResourceStatusReason: e.reason ?? undefined,
      ResourceProperties: e.props ?? undefined,
      ClientRequestToken: e.client_request_token ?? undefined,
    })),
    NextToken: rows.length > PAGE ? pageToken({ before: page.at(-1)!.seq }) : undefined,
  };
}

function templateOf(stack: StackRow): Template {
  return parseJson<Template>(stack.processed_template);
}

function resourceDescription(template: Template, logicalId: string): string | undefined {
  const description = (template.Resources[logicalId] as { Description?: unknown } | undefined)?.Description;
  return typeof description === 'string' ? description : undefined;
}

export function describeStackResource(c: CloudFormationContext, input: C.DescribeStackResourceInput, ctx: RequestContext): C.DescribeStackResourceOutput {
  const stack = findStack(c, ctx, input.StackName!);
  if (!stack) throw stackNotFound(input.StackName!);
  const row = c.store.resource(stack.stack_id, input.LogicalResourceId!);
  if (!row) throw validationError(`Resource ${input.LogicalResourceId} does not exist for stack ${stack.name}`);
  const template = templateOf(stack);
  const metadata = template.Resources[row.logical_id]?.Metadata;
  return {
    StackResourceDetail: {
      StackName: stack.name,
      StackId: stack.stack_id,
      LogicalResourceId: row.logical_id,
      PhysicalResourceId: row.physical_id ?? undefined,
      ResourceType: row.type,
      LastUpdatedTimestamp: new Date(row.updated_at),
      ResourceStatus: row.status as C.ResourceStatus,
      ResourceStatusReason: row.status_reason ?? undefined,
      Description: resourceDescription(template, row.logical_id),
      Metadata: metadata === undefined ? undefined : JSON.stringify(metadata),
      DriftInformation: resourceDriftInformation(c, stack.stack_id)(row),
    },
  };
}

function stackResource(stack: StackRow, template: Template, row: ResourceRow, drift: C.StackResourceDriftInformation): C.StackResource {
  return {
    StackName: stack.name,
    StackId: stack.stack_id,
    LogicalResourceId: row.logical_id,
    PhysicalResourceId: row.physical_id ?? undefined,
    ResourceType: row.type,
    Timestamp: new Date(row.updated_at),
    ResourceStatus: row.status as C.ResourceStatus,
    ResourceStatusReason: row.status_reason ?? undefined,
    Description: resourceDescription(template, row.logical_id),
    DriftInformation: drift,
  };
}

export function describeStackResources(c: CloudFormationContext, input: C.DescribeStackResourcesInput, ctx: RequestContext): C.DescribeStackResourcesOutput {
  if (input.StackName === undefined && input.PhysicalResourceId === undefined) throw validationError('Either StackName or PhysicalResourceId must be specified.');
  let stack: StackRow | undefined;
  if (input.StackName !== undefined) {
    stack = findStack(c, ctx, input.StackName);
    if (!stack) throw stackNotFound(input.StackName);
  } else {
    const owner = c.store
      .resourcesByPhysicalId(input.PhysicalResourceId!)
      .map((row) => c.store.stack(row.stack_id)!)
      .find((s) => s.account === ctx.account && s.region === ctx.region);
    if (!owner) throw validationError(`Stack for ${input.PhysicalResourceId} does not exist`);
    stack = owner;
  }
  const template = templateOf(stack);
  const rows = c.store.resources(stack.stack_id).filter((row) => input.LogicalResourceId === undefined || row.logical_id === input.LogicalResourceId);
  const drift = resourceDriftInformation(c, stack.stack_id);
  return { StackResources: rows.map((row) => stackResource(stack, template, row, drift(row))) };
}

export function listStackResources(c: CloudFormationContext, input: C.ListStackResourcesInput, ctx: RequestContext): C.ListStackResourcesOutput {
  const stack = findStack(c, ctx, input.StackName!);
  if (!stack) throw stackNotFound(input.StackName!);
  const start = input.NextToken ? readPageToken(input.NextToken, positionToken, invalidToken).before : 0;
  const rows = c.store.resources(stack.stack_id);
  const page = rows.slice(start, start + PAGE);
  const drift = resourceDriftInformation(c, stack.stack_id);
  return {
    StackResourceSummaries: page.map((row) => ({
      LogicalResourceId: row.logical_id,
      PhysicalResourceId: row.physical_id ?? undefined,
      ResourceType: row.type,
      LastUpdatedTimestamp: new Date(row.updated_at),
      ResourceStatus: row.status as C.ResourceStatus,
      ResourceStatusReason: row.status_reason ?? undefined,
      DriftInformation: drift(row),
    })),
    NextToken: start + PAGE < rows.length ? pageToken({ before: start + PAGE }) : undefined,
  };
}

export function getTemplate(c: CloudFormationContext, input: C.GetTemplateInput, ctx: RequestContext): C.GetTemplateOutput {
  if (input.ChangeSetName !== undefined) {
    // The template the change set would run, as it was submitted (Original) or after its transforms (Processed).
    const { data } = findChangeSet(c, ctx, input.ChangeSetName, input.StackName);
    const expanded = input.TemplateStage === 'Processed' && parseTemplate(data.templateBody).Transform !== undefined;
    return { TemplateBody: expanded ? data.processedTemplate : data.templateBody, StagesAvailable: ['Original', 'Processed'] };
  }
  const stackName = input.StackName;
  if (stackName === undefined) throw validationError('StackName must be specified.');
  const stack = findStack(c, ctx, stackName);
  if (!stack) throw stackNotFound(stackName);
  // A template without transforms is its own processed form; one with them was expanded before it ran.
  const processed = input.TemplateStage === 'Processed' && parseTemplate(stack.template_body).Transform !== undefined;
  return { TemplateBody: processed ? stack.processed_template : stack.template_body, StagesAvailable: ['Original', 'Processed'] };
}

export function listExports(c: CloudFormationContext, input: C.ListExportsInput, ctx: RequestContext): C.ListExportsOutput {
  const after = input.NextToken ? readPageToken(input.NextToken, hasMembers<{ after: string }>({ after: 'string' }), invalidToken).after : '';
  const rows = c.store.exports(ctx, after, PAGE + 1);
  const page = rows.slice(0, PAGE);
  return {
    Exports: page.map((row) => ({ ExportingStackId: row.stack_id, Name: row.name, Value: row.value })),
    NextToken: rows.length > PAGE ? pageToken({ after: page.at(-1)!.name }) : undefined,
  };
}

export function listImports(c: CloudFormationContext, input: C.ListImportsInput, ctx: RequestContext): C.ListImportsOutput {
  const after = input.NextToken ? readPageToken(input.NextToken, hasMembers<{ after: string }>({ after: 'string' }), invalidToken).after : '';
  const rows = c.store.importers(ctx, input.ExportName!, after, PAGE + 1);
  if (rows.length === 0 && after === '') throw validationError(`Export '${input.ExportName}' is not imported by any stack.`);
  const page = rows.slice(0, PAGE);
  return { Imports: page.map((row) => row.name), NextToken: rows.length > PAGE ? pageToken({ after: page.at(-1)!.name }) : undefined };
}

export function describeAccountLimits(): C.DescribeAccountLimitsOutput {
  return {
    AccountLimits: [
      { Name: 'StackLimit', Value: 2000 },
      { Name: 'StackOutputsLimit', Value: 200 },
      { Name: 'ConcurrentResourcesLimit', Value: 2500 },
    ],
  };
}
