/**
 * Change sets: CreateChangeSet (CREATE makes the stack in REVIEW_IN_PROGRESS, UPDATE plans against
 * the running stack), DescribeChangeSet (with IncludePropertyValues), ExecuteChangeSet,
 * DeleteChangeSet and ListChangeSets, with AWS's refusals. The template, parameters and
 * capabilities are checked when the change set is created, as CreateStack checks them.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import { AwsError } from '../../../core/errors.js';
import { hasMembers, pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type CloudFormationContext, findStack, keptFailure, parametersOf, parseJson, stackArn, UPDATABLE, updateRefusal, validationError, wrongState } from '../common.js';
import { assumeStackRole } from '../engine/caller.js';
import { type ChangeSetData, changeSetArn, executionStatusNow, insertReviewStack, NO_CHANGES, planChangeSet, startExecution, visibleChanges } from '../engine/change-sets.js';
import { importChanges, importTargets } from '../engine/import.js';
import { externalValues, modelOfStack, pseudoParameters, stackModel } from '../engine/model.js';
import { changeSetLinks, createNestedChangeSets, deleteNestedChangeSets } from '../engine/nested-change-sets.js';
import type { ChangeSetRow, StackRow } from '../store.js';
import { resolveParameters } from '../template/index.js';
import type { ResolvedParameter } from '../template/types.js';
import { isRetried, rememberToken } from './request-tokens.js';
import { processedTemplate, requestCaller, templateText } from './templates.js';

const PAGE = 100;
const CHANGE_SET_ARN = /^arn:aws[a-z-]*:cloudformation:[^:]*:\d{12}:changeSet\/[^/]+\/.+$/;
const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;
const invalidToken = () => validationError('Invalid NextToken');
const offsetToken = hasMembers<{ offset: number }>({ offset: 'number' });

const changeSetNotFound = (nameOrId: string) => new AwsError('ChangeSetNotFoundException', `ChangeSet [${nameOrId}] does not exist`);
const stackDoesNotExist = (nameOrId: string) => validationError(`Stack [${nameOrId}] does not exist`);
const invalidStatus = (message: string) => new AwsError('InvalidChangeSetStatusException', message);

interface Found {
  row: ChangeSetRow;
  data: ChangeSetData;
  stack: StackRow;
}

/** A change set by ARN, or by name within StackName's stack, with AWS's refusals. */
export function findChangeSet(c: CloudFormationContext, ctx: RequestContext, changeSetName: string, stackName: string | undefined): Found {
  if (CHANGE_SET_ARN.test(changeSetName)) {
    const row = c.store.changeSet(changeSetName);
    const stack = row && row.account === ctx.account && row.region === ctx.region ? c.store.stack(row.stack_id) : undefined;
    if (!row || !stack || stack.deleted_at !== null) throw changeSetNotFound(changeSetName);
    return { row, data: parseJson<ChangeSetData>(row.data), stack };
  }
  if (stackName === undefined) throw validationError('StackName must be specified if ChangeSetName is not specified as an ARN.');
  const stack = findStack(c, ctx, stackName);
  if (!stack || stack.deleted_at !== null) throw stackDoesNotExist(stackName);
  const row = c.store.changeSetByName(stack.stack_id, changeSetName);
  if (!row) throw changeSetNotFound(changeSetName);
  return { row, data: parseJson<ChangeSetData>(row.data), stack };
}

/** The stack a new change set is for, or AWS's refusal for the change set type. Undefined: a CREATE change set makes it. */
function targetStack(c: CloudFormationContext, ctx: RequestContext, input: C.CreateChangeSetInput, type: string): StackRow | undefined {
  const stackName = input.StackName!;
  const stack = findStack(c, ctx, stackName);
  // An IMPORT change set creates its stack like a CREATE one when there is none yet (or it is in review).
  if (type === 'CREATE' || (type === 'IMPORT' && (!stack || stack.status === 'REVIEW_IN_PROGRESS'))) {
    if (stack && stack.status !== 'REVIEW_IN_PROGRESS') {
      throw validationError(`Stack [${stackName}] already exists and cannot be created again with the changeSet [${input.ChangeSetName}].`);
    }
    if (!stack && !STACK_NAME.test(stackName)) {
      throw validationError(`1 validation error detected: Value '${stackName}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
    }
    return stack;
  }
  // A stack in review has never been deployed: to an UPDATE change set it does not exist (boto/boto3#2327).
  if (!stack || stack.deleted_at !== null || stack.status === 'REVIEW_IN_PROGRESS') throw stackDoesNotExist(stackName);
  // A stack a failure DisableRollback kept takes change sets too (AWS's guide, stack-failure-options); executing one needs DisableRollback.
  if (!UPDATABLE.has(stack.status) && !keptFailure(stack)) throw wrongState(stack, 'updated');
  return stack;
}

/**
 * CreateChangeSet is idempotent: the same request again (a retry, or `aws cloudformation deploy`
 * run twice within a second, which names its change sets by the second) answers the change set
 * already made; a different one under the same name is refused, naming the first attribute that differs.
 */
function sameRequestAgain(existing: ChangeSetRow, data: ChangeSetData, type: string, description: string | undefined): C.CreateChangeSetOutput {
  const before = parseJson<ChangeSetData>(existing.data);
  const attributes: [string, unknown, unknown][] = [
    ['Template', before.templateBody, data.templateBody],
    ['Parameters', before.parameters, data.parameters],
    ['Capabilities', before.capabilities, data.capabilities],
    ['Tags', before.tags, data.tags],
    ['NotificationARNs', before.notificationArns, data.notificationArns],
    ['RoleARN', before.roleArn, data.roleArn],
    ['ChangeSetType', existing.change_set_type, type],
    ['Description', existing.description, description ?? null],
  ];
  const differing = attributes.find(([, left, right]) => JSON.stringify(left) !== JSON.stringify(right));
  if (differing) throw new AwsError('AlreadyExistsException', `ChangeSet ${existing.name} cannot be created due to a mismatch with existing attribute ${differing[0]}`);
  return { Id: existing.change_set_id, StackId: existing.stack_id };
}

function sameParameters(left: Record<string, ResolvedParameter>, right: Record<string, ResolvedParameter>): boolean {
  const values = (parameters: Record<string, ResolvedParameter>) => JSON.stringify(Object.values(parameters).map((p) => [p.key, p.value, p.resolvedValue ?? null]));
  return values(left) === values(right);
}

export async function createChangeSet(c: CloudFormationContext, input: C.CreateChangeSetInput, ctx: RequestContext): Promise<C.CreateChangeSetOutput> {
  const type = input.ChangeSetType ?? 'UPDATE';
  const name = input.ChangeSetName!;
  const existing = targetStack(c, ctx, input, type);
  const update = type === 'UPDATE' || (type === 'IMPORT' && existing?.status !== 'REVIEW_IN_PROGRESS') ? existing : undefined;
  if (input.UsePreviousTemplate && !update) throw validationError('UsePreviousTemplate can only be used with an existing stack.');
  if (input.UsePreviousTemplate && (input.TemplateBody !== undefined || input.TemplateURL !== undefined)) {
    throw validationError('You cannot specify both usePreviousTemplate and Template Body/Template Url');
  }
  const stackId = existing?.stack_id ?? stackArn(ctx, input.StackName!);
  const stackName = existing?.name ?? input.StackName!;
  const notificationArns = input.NotificationARNs ?? (update ? parseJson<string[]>(update.notification_arns) : []);
  const text = input.UsePreviousTemplate && update ? update.template_body : await templateText(c, input, ctx);
  const pseudo = pseudoParameters({ account: ctx.account, region: ctx.region, stack_id: stackId, name: stackName, notification_arns: JSON.stringify(notificationArns) });
  const caller = requestCaller(ctx);
  const template = await processedTemplate(c, text, { capabilities: input.Capabilities, pseudo, parameters: input.Parameters, caller });
  const previous = update ? parametersOf(update) : undefined;
  const parameters = await resolveParameters(template, input.Parameters ?? [], { previous, external: externalValues(c, caller), pseudo });
  const next = stackModel(template, parameters, pseudo);
  if (input.RoleARN) await assumeStackRole(c, ctx, input.RoleARN);
  const data: ChangeSetData = {
    templateBody: text,
    processedTemplate: JSON.stringify(template),
    parameters,
    capabilities: input.Capabilities ?? [],
    notificationArns,
    tags: input.Tags ?? (update ? parseJson<C.Tag[]>(update.tags) : []),
    roleArn: input.RoleARN ?? update?.role_arn ?? null,
    includeNestedStacks: input.IncludeNestedStacks ?? false,
    onStackFailure: input.OnStackFailure,
    rollbackConfiguration: input.RollbackConfiguration,
    changes: [],
    baseUpdatedAt: existing?.updated_at ?? null,
    createsStack: !update,
  };
  let status = 'CREATE_COMPLETE';
  let reason: string | null = null;
  if (type === 'IMPORT') {
    data.resourcesToImport = importTargets(c, input.ResourcesToImport, template, update);
    data.changes = importChanges(data.resourcesToImport);
  } else
    try {
      data.changes = planChangeSet(c, ctx, update ? c.store.resources(update.stack_id) : [], next, update ? modelOfStack(update) : undefined);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      status = 'FAILED';
      reason = err.message;
    }
  if (type === 'UPDATE' && update && status === 'CREATE_COMPLETE') {
    const unchanged =
      data.processedTemplate === update.processed_template &&
      sameParameters(parameters, parametersOf(update)) &&
      JSON.stringify(data.tags) === update.tags &&
      JSON.stringify(notificationArns) === update.notification_arns &&
      data.roleArn === update.role_arn;
    if (unchanged) {
      status = 'FAILED';
      reason = NO_CHANGES;
    }
  }
  const duplicate = existing && c.store.changeSetByName(existing.stack_id, name);
  if (duplicate) return sameRequestAgain(duplicate, data, type, input.Description);
  const changeSetId = changeSetArn(ctx, name);
  if (data.includeNestedStacks && status === 'CREATE_COMPLETE') {
    const parent = { changeSetId, name, stackId, stackName, rootStackId: existing?.root_id ?? stackId, capabilities: input.Capabilities };
    const nestedFailure = await createNestedChangeSets(c, caller, parent, data, update ? c.store.resources(update.stack_id) : []);
    if (nestedFailure) {
      status = 'FAILED';
      reason = nestedFailure;
    }
  }
  c.store.tx(() => {
    const stack = existing ? c.store.stack(existing.stack_id)! : insertReviewStack(c, ctx, stackId, stackName, JSON.stringify(ctx.principal));
    if (c.store.changeSetByName(stack.stack_id, name)) throw new AwsError('AlreadyExistsException', `ChangeSet ${name} cannot be created due to a mismatch with existing attribute Template`);
    c.store.insertChangeSet({
      change_set_id: changeSetId,
      stack_id: stack.stack_id,
      account: ctx.account,
      region: ctx.region,
      name,
      change_set_type: type,
      status,
      status_reason: reason,
      execution_status: status === 'CREATE_COMPLETE' ? 'AVAILABLE' : 'UNAVAILABLE',
      description: input.Description ?? null,
      created_at: c.rt.clock.now(),
      data: JSON.stringify(data),
    });
  });
  return { Id: changeSetId, StackId: stackId };
}

function pageStart(token: string | undefined): number {
  return token === undefined ? 0 : readPageToken(token, offsetToken, invalidToken).offset;
}

export function describeChangeSet(c: CloudFormationContext, input: C.DescribeChangeSetInput, ctx: RequestContext): C.DescribeChangeSetOutput {
  const { row, data, stack } = findChangeSet(c, ctx, input.ChangeSetName!, input.StackName);
  const start = pageStart(input.NextToken);
  const changes = visibleChanges(data.changes.slice(start, start + PAGE), input.IncludePropertyValues === true);
  return {
    ChangeSetName: row.name,
    ChangeSetId: row.change_set_id,
    StackId: stack.stack_id,
    StackName: stack.name,
    Description: row.description ?? undefined,
    Parameters: Object.values(data.parameters).map((p) => ({
      ParameterKey: p.key,
      ParameterValue: p.noEcho ? '****' : p.value,
      ...(p.resolvedValue !== undefined ? { ResolvedValue: p.noEcho ? '****' : p.resolvedValue } : {}),
    })),
    CreationTime: new Date(row.created_at),
    ExecutionStatus: executionStatusNow(c, row, data, stack) as C.ExecutionStatus,
    Status: row.status as C.ChangeSetStatus,
    StatusReason: row.status_reason ?? undefined,
    NotificationARNs: data.notificationArns,
    RollbackConfiguration: data.rollbackConfiguration ?? {},
    Capabilities: data.capabilities as C.Capability[],
    Tags: data.tags.length ? data.tags : undefined,
    Changes: changes,
    NextToken: start + PAGE < data.changes.length ? pageToken({ offset: start + PAGE }) : undefined,
    IncludeNestedStacks: data.includeNestedStacks,
    OnStackFailure: data.onStackFailure as C.OnStackFailure | undefined,
    ...changeSetLinks(data),
  };
}

/** How long ExecuteChangeSet holds its answer for the stack operation to end. */
const SETTLE_MS = 15_000;
const SETTLE_POLL_MS = 10;

/**
 * Waits (on the clock) until the stack's operation has ended, or SETTLE_MS passed. The waiters of
 * the CLI, the SDKs and the CDK poll once and then sleep 30 s (stacks): answering ExecuteChangeSet
 * when a stack of built-in providers is already done lets their first poll find it done.
 */
async function settle(c: CloudFormationContext, stackId: string): Promise<void> {
  const deadline = c.rt.clock.now() + SETTLE_MS;
  while (c.rt.clock.now() < deadline) {
    const status = c.store.stack(stackId)?.status;
    if (!status?.endsWith('_IN_PROGRESS')) return;
    await c.rt.clock.sleep(SETTLE_POLL_MS);
  }
}

export async function executeChangeSet(c: CloudFormationContext, input: C.ExecuteChangeSetInput, ctx: RequestContext): Promise<C.ExecuteChangeSetOutput> {
  const { row, data, stack } = findChangeSet(c, ctx, input.ChangeSetName!, input.StackName);
  if (isRetried(c, stack.stack_id, input.ClientRequestToken, 'ExecuteChangeSet')) return {};
  if (row.status !== 'CREATE_COMPLETE') throw invalidStatus(`ChangeSet [${row.change_set_id}] cannot be executed in its current status of [${row.status}]`);
  if (input.DisableRollback !== undefined && data.onStackFailure !== undefined) {
    // AWS's words, as its knowledge-center article on this ExecuteChangeSet error quotes them.
    throw validationError('Either DisableRollback or OnStackFailure can be specified, but not both. Validation error as OnStackFailure parameter was specified during CreateChangeSet.');
  }
  // From a failure DisableRollback kept, only an execution that again preserves what it provisions may continue (UpdateStack's rule and words).
  if (row.change_set_type === 'UPDATE' && keptFailure(stack)) {
    const refusal = updateRefusal(stack, input.DisableRollback);
    if (refusal) throw refusal;
  }
  c.store.tx(() => {
    const now = c.store.stack(stack.stack_id)!;
    const current = c.store.changeSet(row.change_set_id)!;
    const execution = executionStatusNow(c, current, data, now);
    if (execution !== 'AVAILABLE') throw invalidStatus(`ChangeSet [${row.change_set_id}] cannot be executed in its current execution status of [${execution}]`);
    rememberToken(c, stack.stack_id, input.ClientRequestToken, 'ExecuteChangeSet');
    startExecution(c, current, data, now, {
      caller: JSON.stringify(ctx.principal),
      clientRequestToken: input.ClientRequestToken,
      disableRollback: input.DisableRollback,
      retainExceptOnCreate: input.RetainExceptOnCreate,
    });
  });
  await settle(c, stack.stack_id);
  return {};
}

export function deleteChangeSet(c: CloudFormationContext, input: C.DeleteChangeSetInput, ctx: RequestContext): C.DeleteChangeSetOutput {
  const { row, data, stack } = findChangeSet(c, ctx, input.ChangeSetName!, input.StackName);
  c.store.tx(() => {
    if (executionStatusNow(c, row, data, stack) === 'EXECUTE_IN_PROGRESS') {
      throw invalidStatus('An operation on this ChangeSet is currently in progress.  Please attempt this operation again later.');
    }
    deleteNestedChangeSets(c, data);
    c.store.deleteChangeSet(row.change_set_id);
  });
  return {};
}

export function listChangeSets(c: CloudFormationContext, input: C.ListChangeSetsInput, ctx: RequestContext): C.ListChangeSetsOutput {
  const stack = findStack(c, ctx, input.StackName!);
  if (!stack || stack.deleted_at !== null) throw stackDoesNotExist(input.StackName!);
  const rows = c.store.changeSetsOf(stack.stack_id);
  const start = pageStart(input.NextToken);
  return {
    Summaries: rows.slice(start, start + PAGE).map((row) => {
      const data = parseJson<ChangeSetData>(row.data);
      return {
        StackId: stack.stack_id,
        StackName: stack.name,
        ChangeSetId: row.change_set_id,
        ChangeSetName: row.name,
        ExecutionStatus: executionStatusNow(c, row, data, stack) as C.ExecutionStatus,
        Status: row.status as C.ChangeSetStatus,
        StatusReason: row.status_reason ?? undefined,
        CreationTime: new Date(row.created_at),
        Description: row.description ?? undefined,
        IncludeNestedStacks: data.includeNestedStacks,
        ...changeSetLinks(data),
      };
    }),
    NextToken: start + PAGE < rows.length ? pageToken({ offset: start + PAGE }) : undefined,
  };
}
