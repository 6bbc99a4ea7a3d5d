/**
 * AWS::CloudFormation::Stack: a nested stack, made from TemplateURL (an object in Drydock's S3)
 * with CreateStack as the parent stack's caller, named `<parent>-<Logical>-<RANDOM>`, with the
 * parent's capabilities and role, ParentId and RootId (CreateStack links a stack it creates for a
 * parent, see handlers/stacks.ts), and waited for on the stack status events. `Ref` is the nested
 * stack's id, `Fn::GetAtt Outputs.X` its outputs.
 *
 * As AWS: the nested stack's id is recorded on the parent's resource as soon as CreateStack answers
 * (so the parent's rollback deletes it, after a restart too); a nested stack that fails to create
 * stays CREATE_FAILED and is deleted by the parent's rollback. Every update of the parent updates
 * the nested stack (its template at the same URL may have changed; "No updates" passes quietly); a
 * nested update that succeeded holds in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS until the parent's
 * update is decided (engine/nested.ts), then cleans up with the parent or rolls back through it
 * (UPDATE_ROLLBACK_IN_PROGRESS … UPDATE_ROLLBACK_COMPLETE, its own events); a nested update that
 * fails fails the parent's resource with "Embedded stack … was not successfully updated. Currently
 * in UPDATE_ROLLBACK_IN_PROGRESS with reason: …". The parent's rollback cancels a nested update
 * still running, and ContinueUpdateRollback on the parent continues a nested stack's failed
 * rollback. When the parent's update runs a change set made with IncludeNestedStacks, the nested
 * stack's own change set is executed instead of UpdateStack, or, for a nested stack the change set
 * adds (made in REVIEW_IN_PROGRESS), instead of CreateStack (engine/nested-change-sets.ts).
 *
 * Gaps against AWS: a nested stack the parent's rollback rolls back gets no ResourceStatusReason
 * on its UPDATE_ROLLBACK_IN_PROGRESS event; a nested stack made in review by a change set counts
 * its TimeoutInMinutes from that change set's creation; a nested change set can be executed or
 * deleted on its own (AWS allows that only from the root change set; its refusal is not known to
 * Drydock); ResourcesToSkip does not take nested stacks' resources (`Nested.Logical`).
 */
import type { Capability, Parameter, Tag } from '@aws-sdk/client-cloudformation';
import { AwsError } from '../../../core/errors.js';
import type { InProcessCaller } from '../../contracts.js';
import { type CloudFormationContext, type OperationOptions, parseJson, type StackOutput, validationError } from '../common.js';
import { setStackStatus } from '../engine/events.js';
import { settledStatus as settled, settleStack } from '../engine/nested.js';
import { startNestedChangeSet } from '../engine/nested-change-sets.js';
import { cancelOperation } from '../engine/runner.js';
import { signalContext } from '../signals.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

const CLOUDFORMATION = 'cloudformation.amazonaws.com';

/** The caller nested stack operations run as: the parent's, marked as CloudFormation acting for the parent stack. */
function nestingCaller(ctx: ProviderContext): InProcessCaller {
  return { ...ctx.caller, calledVia: [CLOUDFORMATION], sourceArn: ctx.stackId, sourceAccount: ctx.account };
}

function parametersOf(props: Properties): Parameter[] {
  const given = (props.Parameters ?? {}) as Record<string, unknown>;
  return Object.entries(given).map(([ParameterKey, value]) => ({ ParameterKey, ParameterValue: Array.isArray(value) ? value.join(',') : String(value) }));
}

function stackInput(c: CloudFormationContext, ctx: ProviderContext, props: Properties) {
  const parent = c.store.stack(ctx.stackId);
  return {
    TemplateURL: props.TemplateURL as string | undefined,
    Parameters: parametersOf(props),
    NotificationARNs: props.NotificationARNs as string[] | undefined,
    Tags: props.Tags as Tag[] | undefined,
    Capabilities: parent ? parseJson<Capability[]>(parent.capabilities) : undefined,
  } as const;
}

function provided(c: CloudFormationContext, stackId: string): ProvidedResource {
  const stack = c.store.stack(stackId)!;
  const attributes: Record<string, unknown> = { StackId: stackId };
  for (const output of parseJson<StackOutput[]>(stack.outputs)) attributes[`Outputs.${output.key}`] = output.value;
  return { physicalId: stackId, attributes };
}

async function deleteNested(c: CloudFormationContext, ctx: ProviderContext, stackId: string): Promise<void> {
  // A nested stack still in an operation (its creation, after a restart) finishes it first.
  await settleStack(c, stackId, settled, ctx.signal);
  await c.rt.call('cloudformation', 'DeleteStack', { StackName: stackId }, nestingCaller(ctx));
  const result = await settleStack(c, stackId, settled, ctx.signal);
  if (result.status !== 'DELETE_COMPLETE') throw validationError(`Embedded stack ${stackId} was not successfully deleted: ${result.failure ?? result.status}`);
}

/** An update of the nested stack is done (for now) once it holds for the parent's decision, or has failed and is rolling back. */
const updateDone = (status: string) => status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' || status === 'UPDATE_ROLLBACK_IN_PROGRESS' || settled(status);

function notUpdated(stackId: string, result: { status: string; failure?: string }): AwsError {
  return validationError(`Embedded stack ${stackId} was not successfully updated. Currently in ${result.status} with reason: ${result.failure ?? ''}`);
}

/** Whether the parent's rollback is a ContinueUpdateRollback (which records what it skips) rather than the rollback of a failed update. */
function continuing(c: CloudFormationContext, ctx: ProviderContext): boolean {
  const parent = c.store.stack(ctx.stackId);
  return parent !== undefined && parseJson<OperationOptions>(parent.operation_options).skip !== undefined;
}

const holding = (status: string) => status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' || settled(status);

/**
 * The parent's update rollback: a nested update still running (the parent was cancelled, or
 * restarted) is cancelled; a nested stack holding after its update rolls that update back
 * (UPDATE_ROLLBACK_IN_PROGRESS, in its own job); one that failed is already rolling back; either
 * way the parent waits for it to settle.
 */
async function rollBackNested(c: CloudFormationContext, ctx: ProviderContext, stackId: string): Promise<ProvidedResource> {
  const status = c.store.stack(stackId)?.status;
  if (status === 'UPDATE_IN_PROGRESS') c.store.tx(() => cancelOperation(c, stackId));
  // ContinueUpdateRollback on the parent continues the nested stacks' failed rollbacks too.
  if (status === 'UPDATE_ROLLBACK_FAILED' && continuing(c, ctx)) await c.rt.call('cloudformation', 'ContinueUpdateRollback', { StackName: stackId }, nestingCaller(ctx));
  const reached = await settleStack(c, stackId, holding, ctx.signal);
  if (reached.status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS') setStackStatus(c, stackId, 'UPDATE_ROLLBACK_IN_PROGRESS');
  const result = await settleStack(c, stackId, settled, ctx.signal);
  if (result.status.endsWith('_FAILED')) throw notUpdated(stackId, result);
  return provided(c, stackId);
}

export const nestedStackProvider: ResourceProvider = {
  async create(ctx, props) {
    const c = signalContext(ctx.rt);
    const timeout = props.TimeoutInMinutes === undefined ? undefined : Number(props.TimeoutInMinutes);
    // A failed nested stack stays as it is: the parent's rollback deletes it (or keeps it, as the parent's OnFailure says).
    const asNested = { on_failure: 'DO_NOTHING', role_arn: c.store.stack(ctx.stackId)?.role_arn ?? null, timeout_minutes: timeout ?? null };
    // A change set of the hierarchy made this nested stack in review already: its change set creates it.
    let StackId = startNestedChangeSet(c, ctx.stackId, ctx.logicalId, asNested);
    if (StackId === undefined) {
      const input = { StackName: ctx.physicalName({ maxLength: 128 }), ...stackInput(c, ctx, props), TimeoutInMinutes: timeout, OnFailure: 'DO_NOTHING' as const };
      ({ StackId } = await c.rt.call('cloudformation', 'CreateStack', input, nestingCaller(ctx)));
    }
    // Known to the parent before the wait, so the parent's rollback deletes it even after a restart.
    ctx.recordPhysicalId?.(StackId!);
    const result = await settleStack(c, StackId!, settled, ctx.signal);
    if (result.status === 'CREATE_COMPLETE') return provided(c, StackId!);
    throw validationError(`Embedded stack ${StackId} was not successfully created: ${result.failure ?? result.status}`);
  },
  // AWS passes every update of the parent down: the template at the same TemplateURL may have changed.
  updatesUnchanged: true,
  async update(ctx, current: CurrentResource, props) {
    const c = signalContext(ctx.rt);
    if (c.store.stack(ctx.stackId)?.status === 'UPDATE_ROLLBACK_IN_PROGRESS') return rollBackNested(c, ctx, current.physicalId);
    // A change set of the hierarchy runs the nested change set made for this stack; otherwise the parent's properties are passed down.
    if (startNestedChangeSet(c, ctx.stackId, ctx.logicalId) === undefined) {
      try {
        await c.rt.call('cloudformation', 'UpdateStack', { StackName: current.physicalId, ...stackInput(c, ctx, props) }, nestingCaller(ctx));
      } catch (err) {
        if (err instanceof AwsError && err.message === 'No updates are to be performed.') return provided(c, current.physicalId);
        throw err;
      }
    }
    const result = await settleStack(c, current.physicalId, updateDone, ctx.signal);
    if (result.status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' || result.status === 'UPDATE_COMPLETE') return provided(c, current.physicalId);
    throw notUpdated(current.physicalId, result);
  },
  async delete(ctx, current) {
    const c = signalContext(ctx.rt);
    const stack = c.store.stack(current.physicalId);
    if (!stack || stack.deleted_at !== null) return;
    await deleteNested(c, ctx, current.physicalId);
  },
};
