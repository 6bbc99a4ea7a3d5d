/**
 * The stack operations that start work: CreateStack, UpdateStack and DeleteStack, and the ones
 * that steer it (CancelUpdateStack, ContinueUpdateRollback, RollbackStack), plus termination
 * protection and stack policies. Each checks the request as AWS does, writes the stack's new
 * status with its "User Initiated" event, and enqueues the operation in the same transaction.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type CloudFormationContext, findStack, inProgress, keptFailure, parametersOf, parseJson, requireLiveStack, STACK_TYPE, stackArn, updateRefusal, validationError } from '../common.js';
import { assumeStackRole } from '../engine/caller.js';
import { recordEvent, setStackStatus } from '../engine/events.js';
import { externalValues, pseudoParameters, stackModel } from '../engine/model.js';
import { type PreviousState, updateBaseOf } from '../engine/operations.js';
import { exportInUse } from '../engine/outputs.js';
import { parseStackPolicy } from '../engine/policy.js';
import { cancelOperation, startOperation } from '../engine/runner.js';
import type { NewStackRow, StackRow } from '../store.js';
import { resolveParameters } from '../template/index.js';
import type { ResolvedParameter, Template } from '../template/types.js';
import { isRetried, refuseTokenOfDeletedStack, rememberToken } from './request-tokens.js';
import { processedTemplate, requestCaller, templateText } from './templates.js';

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;

function checkStackName(name: string): void {
  if (!STACK_NAME.test(name) || name.length > 128) {
    throw validationError(
      `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`,
    );
  }
}

/** A stack policy from StackPolicyBody or StackPolicyURL (read from S3), checked; undefined when neither is given. */
async function stackPolicyText(c: CloudFormationContext, body: string | undefined, url: string | undefined, ctx: RequestContext): Promise<string | undefined> {
  if (body !== undefined && url !== undefined) throw validationError('You cannot specify both StackPolicyURL and StackPolicyBody');
  const text = url !== undefined ? await templateText(c, { TemplateURL: url }, ctx) : body;
  if (text !== undefined) parseStackPolicy(text);
  return text;
}

interface Prepared {
  template: Template;
  text: string;
  parameters: Record<string, ResolvedParameter>;
}

/** Checks the template, its capabilities and parameters (and its conditions evaluate) for a stack with these pseudo parameters. */
async function prepare(
  c: CloudFormationContext,
  stack: Pick<StackRow, 'account' | 'region' | 'stack_id' | 'name' | 'notification_arns'>,
  text: string,
  input: C.CreateStackInput | C.UpdateStackInput,
  ctx: RequestContext,
  previous?: Record<string, ResolvedParameter>,
): Promise<Prepared> {
  const pseudo = pseudoParameters(stack);
  const template = await processedTemplate(c, text, { capabilities: input.Capabilities, pseudo, parameters: input.Parameters, caller: requestCaller(ctx) });
  const parameters = await resolveParameters(template, input.Parameters ?? [], { previous, external: externalValues(c, requestCaller(ctx)), pseudo });
  stackModel(template, parameters, pseudo);
  if (input.RoleARN) await assumeStackRole(c, ctx, input.RoleARN);
  return { template, text, parameters };
}

/**
 * The parent stack of a stack CloudFormation creates in-process for an AWS::CloudFormation::Stack
 * resource (the call names the parent as its source); undefined for every other CreateStack.
 */
function nestingParent(c: CloudFormationContext, ctx: RequestContext): StackRow | undefined {
  if (!ctx.calledVia?.includes('cloudformation.amazonaws.com') || !ctx.sourceArn) return undefined;
  const parent = c.store.stack(ctx.sourceArn);
  return parent && parent.account === ctx.account && parent.region === ctx.region ? parent : undefined;
}

export async function createStack(c: CloudFormationContext, input: C.CreateStackInput, ctx: RequestContext): Promise<C.CreateStackOutput> {
  const name = input.StackName!;
  checkStackName(name);
  const retried = retriedCreation(c, ctx, name, input.ClientRequestToken);
  if (retried) return { StackId: retried };
  if (input.OnFailure !== undefined && input.DisableRollback !== undefined) throw validationError('Either DisableRollback or OnFailure can be specified, not both.');
  // A stack a CREATE change set made and left in review is created by CreateStack, keeping its id.
  const stackId = inReview(c, ctx, name)?.stack_id ?? stackArn(ctx, name);
  const notificationArns = JSON.stringify(input.NotificationARNs ?? []);
  const text = await templateText(c, input, ctx);
  const { template, parameters } = await prepare(c, { account: ctx.account, region: ctx.region, stack_id: stackId, name, notification_arns: notificationArns }, text, input, ctx);
  const policy = await stackPolicyText(c, input.StackPolicyBody, input.StackPolicyURL, ctx);
  const parent = nestingParent(c, ctx);
  const created = c.store.tx(() => {
    const again = retriedCreation(c, ctx, name, input.ClientRequestToken);
    if (again) return again;
    const row: NewStackRow = {
      stack_id: stackId,
      account: ctx.account,
      region: ctx.region,
      name,
      status: 'CREATE_IN_PROGRESS',
      status_reason: 'User Initiated',
      description: template.Description ?? null,
      created_at: c.rt.clock.now(),
      template_body: text,
      processed_template: JSON.stringify(template),
      parameters: JSON.stringify(parameters),
      capabilities: JSON.stringify(input.Capabilities ?? []),
      notification_arns: notificationArns,
      // A nested stack acts through its parent's role.
      role_arn: input.RoleARN ?? parent?.role_arn ?? null,
      tags: JSON.stringify(input.Tags ?? []),
      termination_protection: input.EnableTerminationProtection ? 1 : 0,
      disable_rollback: input.DisableRollback ? 1 : 0,
      on_failure: input.OnFailure ?? 'ROLLBACK',
      retain_except_on_create: input.RetainExceptOnCreate ? 1 : 0,
      timeout_minutes: input.TimeoutInMinutes ?? null,
      stack_policy: policy ?? null,
      parent_id: parent?.stack_id ?? null,
      root_id: parent ? (parent.root_id ?? parent.stack_id) : null,
      caller: JSON.stringify(ctx.principal),
      client_request_token: input.ClientRequestToken ?? null,
      operation_options: '{}',
    };
    if (inReview(c, ctx, name)?.stack_id === stackId) {
      const { stack_id: _id, account: _account, region: _region, name: _name, status: _status, status_reason: _reason, created_at: _created, ...columns } = row;
      setStackStatus(c, stackId, 'CREATE_IN_PROGRESS', 'User Initiated', columns);
    } else {
      c.store.insertStack(row);
      recordEvent(c, c.store.stack(stackId)!, { logicalId: name, physicalId: stackId, type: STACK_TYPE, status: 'CREATE_IN_PROGRESS', reason: 'User Initiated' });
    }
    rememberToken(c, stackId, input.ClientRequestToken, 'CreateStack');
    startOperation(c, stackId);
    return stackId;
  });
  return { StackId: created };
}

/** The live stack of that name when a CREATE change set left it in REVIEW_IN_PROGRESS. */
function inReview(c: CloudFormationContext, ctx: RequestContext, name: string): StackRow | undefined {
  const live = c.store.liveStackByName(ctx, name);
  return live?.status === 'REVIEW_IN_PROGRESS' ? live : undefined;
}

/** The id of the live stack of that name when this CreateStack retries the one that made it (same token); AWS's refusal when another made it. */
function retriedCreation(c: CloudFormationContext, ctx: RequestContext, name: string, token: string | undefined): string | undefined {
  const live = c.store.liveStackByName(ctx, name);
  if (!live || live.status === 'REVIEW_IN_PROGRESS') {
    refuseTokenOfDeletedStack(c, ctx, name, token);
    return undefined;
  }
  if (isRetried(c, live.stack_id, token, 'CreateStack')) return live.stack_id;
  throw new AwsError('AlreadyExistsException', `Stack [${name}] already exists`);
}

function sameParameters(left: Record<string, ResolvedParameter>, right: Record<string, ResolvedParameter>): boolean {
  const values = (parameters: Record<string, ResolvedParameter>) => JSON.stringify(Object.values(parameters).map((p) => [p.key, p.value, p.resolvedValue ?? null]));
  return values(left) === values(right);
}

function updateTemplateText(c: CloudFormationContext, stack: StackRow, input: C.UpdateStackInput, ctx: RequestContext): Promise<string> {
  if (!input.UsePreviousTemplate) return templateText(c, input, ctx);
  if (input.TemplateBody !== undefined || input.TemplateURL !== undefined) throw validationError('You cannot specify both usePreviousTemplate and Template Body/Template Url');
  return Promise.resolve(stack.template_body);
}

export async function updateStack(c: CloudFormationContext, input: C.UpdateStackInput, ctx: RequestContext): Promise<C.UpdateStackOutput> {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  if (isRetried(c, stack.stack_id, input.ClientRequestToken, 'UpdateStack')) return { StackId: stack.stack_id };
  const refusal = updateRefusal(stack, input.DisableRollback);
  if (refusal) throw refusal;
  // From a failure DisableRollback kept, the same template again is AWS's Retry, not "no updates".
  const retry = keptFailure(stack);
  const notificationArns = JSON.stringify(input.NotificationARNs ?? JSON.parse(stack.notification_arns));
  const text = await updateTemplateText(c, stack, input, ctx);
  const { template, parameters } = await prepare(c, { ...stack, notification_arns: notificationArns }, text, input, ctx, parametersOf(stack));
  const policy = await stackPolicyText(c, input.StackPolicyBody, input.StackPolicyURL, ctx);
  const duringUpdate = await stackPolicyText(c, input.StackPolicyDuringUpdateBody, input.StackPolicyDuringUpdateURL, ctx);
  const processed = JSON.stringify(template);
  const tags = input.Tags ? JSON.stringify(input.Tags) : stack.tags;
  const roleArn = input.RoleARN ?? stack.role_arn;
  const unchanged =
    !retry &&
    processed === stack.processed_template &&
    sameParameters(parameters, parametersOf(stack)) &&
    tags === stack.tags &&
    notificationArns === stack.notification_arns &&
    roleArn === stack.role_arn;
  if (unchanged) {
    if (policy !== undefined) c.store.updateStack(stack.stack_id, { stack_policy: policy });
    throw validationError('No updates are to be performed.');
  }
  const previous = updateBaseOf(c, stack);
  c.store.tx(() => {
    setStackStatus(c, stack.stack_id, 'UPDATE_IN_PROGRESS', 'User Initiated', {
      template_body: text,
      processed_template: processed,
      parameters: JSON.stringify(parameters),
      description: template.Description ?? null,
      capabilities: JSON.stringify(input.Capabilities ?? []),
      notification_arns: notificationArns,
      tags,
      role_arn: roleArn,
      disable_rollback: input.DisableRollback ? 1 : 0,
      retain_except_on_create: input.RetainExceptOnCreate ? 1 : 0,
      stack_policy: policy ?? stack.stack_policy,
      update_policy: duringUpdate ?? null,
      updated_at: c.rt.clock.now(),
      caller: JSON.stringify(ctx.principal),
      client_request_token: input.ClientRequestToken ?? null,
      previous: JSON.stringify(previous),
      operation_options: '{}',
      cancel_requested: 0,
    });
    rememberToken(c, stack.stack_id, input.ClientRequestToken, 'UpdateStack');
    startOperation(c, stack.stack_id);
  });
  return { StackId: stack.stack_id };
}

export function deleteStack(c: CloudFormationContext, input: C.DeleteStackInput, ctx: RequestContext): void {
  const stack = findStack(c, ctx, input.StackName!);
  // AWS answers success for a stack that does not exist or is already deleted.
  if (!stack || isRetried(c, stack.stack_id, input.ClientRequestToken, 'DeleteStack') || stack.deleted_at !== null || stack.status === 'DELETE_IN_PROGRESS') return;
  if (stack.termination_protection) throw validationError(`Stack [${stack.name}] cannot be deleted while TerminationProtection is enabled`);
  // A stack in review (a change set made it, none executed) has nothing running and may go; a creation is stopped and deleted.
  if (inProgress(stack.status) && stack.status !== 'REVIEW_IN_PROGRESS' && stack.status !== 'CREATE_IN_PROGRESS') {
    throw validationError(`Stack [${stack.name}] cannot be deleted while in status ${stack.status}`);
  }
  if (input.RetainResources?.length && stack.status !== 'DELETE_FAILED') {
    throw validationError(`Invalid operation on stack [${stack.stack_id}]. RetainResources can only be specified when the stack is in the DELETE_FAILED state.`);
  }
  if (stack.status === 'CREATE_IN_PROGRESS') {
    if (stack.cancel_requested) return;
    c.store.tx(() => {
      rememberToken(c, stack.stack_id, input.ClientRequestToken, 'DeleteStack');
      cancelOperation(c, stack.stack_id);
    });
    return;
  }
  c.store.tx(() => {
    const inUse = exportInUse(c, stack);
    if (inUse) {
      // AWS keeps the stack as it was and says why in an event.
      recordEvent(c, stack, { logicalId: stack.name, physicalId: stack.stack_id, type: STACK_TYPE, status: stack.status, reason: inUse });
      return;
    }
    setStackStatus(c, stack.stack_id, 'DELETE_IN_PROGRESS', 'User Initiated', {
      role_arn: input.RoleARN ?? stack.role_arn,
      caller: JSON.stringify(ctx.principal),
      client_request_token: input.ClientRequestToken ?? null,
      operation_options: JSON.stringify({ retain: input.RetainResources ?? [] }),
    });
    rememberToken(c, stack.stack_id, input.ClientRequestToken, 'DeleteStack');
    startOperation(c, stack.stack_id);
  });
}

export function updateTerminationProtection(c: CloudFormationContext, input: C.UpdateTerminationProtectionInput, ctx: RequestContext): C.UpdateTerminationProtectionOutput {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  c.store.updateStack(stack.stack_id, { termination_protection: input.EnableTerminationProtection ? 1 : 0 });
  return { StackId: stack.stack_id };
}

export function cancelUpdateStack(c: CloudFormationContext, input: C.CancelUpdateStackInput, ctx: RequestContext): void {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  if (isRetried(c, stack.stack_id, input.ClientRequestToken, 'CancelUpdateStack')) return;
  if (stack.status !== 'UPDATE_IN_PROGRESS') throw validationError('CancelUpdateStack cannot be called from current stack status');
  c.store.tx(() => {
    rememberToken(c, stack.stack_id, input.ClientRequestToken, 'CancelUpdateStack');
    cancelOperation(c, stack.stack_id);
  });
}

export function continueUpdateRollback(c: CloudFormationContext, input: C.ContinueUpdateRollbackInput, ctx: RequestContext): C.ContinueUpdateRollbackOutput {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  if (isRetried(c, stack.stack_id, input.ClientRequestToken, 'ContinueUpdateRollback')) return {};
  if (stack.status !== 'UPDATE_ROLLBACK_FAILED') throw validationError(`Stack ${stack.stack_id} is in ${stack.status} state and can not continue update rollback.`);
  const skip = input.ResourcesToSkip ?? [];
  for (const logicalId of skip) {
    const row = c.store.resource(stack.stack_id, logicalId);
    if (row?.status !== 'UPDATE_FAILED') {
      // AWS's wording for this refusal is undocumented: the message is Drydock's.
      throw validationError(`Resource ${logicalId} cannot be skipped: only resources in the UPDATE_FAILED state can be.`);
    }
  }
  c.store.tx(() => {
    setStackStatus(c, stack.stack_id, 'UPDATE_ROLLBACK_IN_PROGRESS', 'User Initiated', {
      role_arn: input.RoleARN ?? stack.role_arn,
      caller: JSON.stringify(ctx.principal),
      client_request_token: input.ClientRequestToken ?? null,
      operation_options: JSON.stringify({ skip }),
    });
    rememberToken(c, stack.stack_id, input.ClientRequestToken, 'ContinueUpdateRollback');
    startOperation(c, stack.stack_id);
  });
  return {};
}

export function rollbackStack(c: CloudFormationContext, input: C.RollbackStackInput, ctx: RequestContext): C.RollbackStackOutput {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  if (isRetried(c, stack.stack_id, input.ClientRequestToken, 'RollbackStack')) return { StackId: stack.stack_id };
  // A stack that never reached a stable state (a retried failed creation) has nothing to go back to: it is rolled back as a creation, as AWS documents.
  const neverStable = stack.previous !== null && parseJson<PreviousState>(stack.previous).neverStable === true;
  const next =
    stack.status === 'CREATE_FAILED' || (stack.status === 'UPDATE_FAILED' && neverStable) ? 'ROLLBACK_IN_PROGRESS' : stack.status === 'UPDATE_FAILED' ? 'UPDATE_ROLLBACK_IN_PROGRESS' : undefined;
  if (!next) throw validationError(`Stack ${stack.stack_id} is in ${stack.status} state and can not be rolled back.`);
  c.store.tx(() => {
    setStackStatus(c, stack.stack_id, next, 'User Initiated', {
      role_arn: input.RoleARN ?? stack.role_arn,
      caller: JSON.stringify(ctx.principal),
      client_request_token: input.ClientRequestToken ?? null,
      retain_except_on_create: input.RetainExceptOnCreate ? 1 : stack.retain_except_on_create,
    });
    rememberToken(c, stack.stack_id, input.ClientRequestToken, 'RollbackStack');
    startOperation(c, stack.stack_id);
  });
  return { StackId: stack.stack_id };
}

export async function setStackPolicy(c: CloudFormationContext, input: C.SetStackPolicyInput, ctx: RequestContext): Promise<void> {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  const policy = await stackPolicyText(c, input.StackPolicyBody, input.StackPolicyURL, ctx);
  if (policy === undefined) throw validationError('Either StackPolicyBody or StackPolicyURL must be specified.');
  c.store.updateStack(stack.stack_id, { stack_policy: policy });
}

export function getStackPolicy(c: CloudFormationContext, input: C.GetStackPolicyInput, ctx: RequestContext): C.GetStackPolicyOutput {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  return stack.stack_policy === null ? {} : { StackPolicyBody: stack.stack_policy };
}
