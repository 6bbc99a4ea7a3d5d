/**
 * AWS::CloudFormation::Stack: a nested stack, made from TemplateURL (an object in Drydock's S3)
 * with CreateStack as the parent stack's caller, named `<parent>-<Logical>-<RANDOM>`, with the
 * parent's capabilities and role, ParentId and RootId (CreateStack links a stack it creates for a
 * parent, see handlers/stacks.ts), and waited for on the stack status events. `Ref` is the nested
 * stack's id, `Fn::GetAtt Outputs.X` its outputs. Updates and deletions of the parent update and
 * delete it; a nested stack that fails fails its resource with AWS's "Embedded stack … was not
 * successfully created/updated" reason, so the parent rolls back.
 *
 * Gaps against AWS: a nested stack whose creation failed is deleted by its own resource before the
 * parent rolls back (AWS deletes it in the parent's rollback); an update is sent only when the
 * resource's properties changed (AWS also updates a nested stack whose template at the same URL
 * changed); the parent's update rollback updates the nested stack back to its previous template and
 * parameters (AWS rolls the nested update back, UPDATE_ROLLBACK_*).
 */
import type { Capability, Parameter, Tag } from '@aws-sdk/client-cloudformation';
import { AwsError } from '../../../core/errors.js';
import type { AwsEvent } from '../../../core/events.js';
import type { InProcessCaller } from '../../contracts.js';
import { type CloudFormationContext, parseJson, type StackOutput, validationError } from '../common.js';
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

/** Status changes of one stack as its events announce them, with their reasons. */
interface Change {
  status: string;
  reason: string;
}

/** Waits until the stack reaches a status `final` accepts; answers it with the first failure reason seen on the way. */
async function settle(c: CloudFormationContext, ctx: ProviderContext, stackId: string, final: (status: string) => boolean): Promise<{ status: string; failure?: string }> {
  let failure: string | undefined;
  let wake: () => void = () => {};
  const noteFailure = (change: Change) => {
    if (failure === undefined && /(FAILED|ROLLBACK_IN_PROGRESS)$/.test(change.status) && change.reason) failure = change.reason;
  };
  const unsubscribe = c.rt.events.subscribe((event: AwsEvent) => {
    if (event['detail-type'] !== 'CloudFormation Stack Status Change' || event.detail['stack-id'] !== stackId) return;
    const details = event.detail['status-details'] as { status: string; 'status-reason': string };
    noteFailure({ status: details.status, reason: details['status-reason'] });
    wake();
  });
  const onAbort = () => wake();
  ctx.signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const stack = c.store.stack(stackId);
      if (!stack) throw validationError(`Stack with id ${stackId} does not exist`);
      if (final(stack.status)) {
        noteFailure({ status: stack.status, reason: stack.status_reason ?? '' });
        return { status: stack.status, failure };
      }
      if (ctx.signal.aborted) throw ctx.signal.reason;
      await woken;
    }
  } finally {
    unsubscribe();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

const settled = (status: string) => !status.endsWith('_IN_PROGRESS');

function provided(c: CloudFormationContext, stackId: string): ProvidedResource {
  const stack = c.store.stack(stackId)!;
  const attributes: Record<string, unknown> = { StackId: stackId };
  for (const output of parseJson<StackOutput[]>(stack.outputs)) attributes[`Outputs.${output.key}`] = output.value;
  return { physicalId: stackId, attributes };
}

async function deleteNested(c: CloudFormationContext, ctx: ProviderContext, stackId: string): Promise<void> {
  await c.rt.call('cloudformation', 'DeleteStack', { StackName: stackId }, nestingCaller(ctx));
  const result = await settle(c, ctx, stackId, settled);
  if (result.status !== 'DELETE_COMPLETE') throw validationError(`Embedded stack ${stackId} was not successfully deleted: ${result.failure ?? result.status}`);
}

export const nestedStackProvider: ResourceProvider = {
  async create(ctx, props) {
    const c = signalContext(ctx.rt);
    const parent = c.store.stack(ctx.stackId);
    const input = {
      StackName: ctx.physicalName({ maxLength: 128 }),
      ...stackInput(c, ctx, props),
      TimeoutInMinutes: props.TimeoutInMinutes === undefined ? undefined : Number(props.TimeoutInMinutes),
      // A failed nested stack stays as it is: the parent's failure decides what happens to it.
      OnFailure: 'DO_NOTHING' as const,
    };
    const { StackId } = await c.rt.call('cloudformation', 'CreateStack', input, nestingCaller(ctx));
    const result = await settle(c, ctx, StackId!, settled);
    if (result.status === 'CREATE_COMPLETE') return provided(c, StackId!);
    if (parent && !parent.disable_rollback && parent.on_failure !== 'DO_NOTHING') await deleteNested(c, ctx, StackId!);
    throw validationError(`Embedded stack ${StackId} was not successfully created: ${result.failure ?? result.status}`);
  },
  async update(ctx, current: CurrentResource, props) {
    const c = signalContext(ctx.rt);
    try {
      await c.rt.call('cloudformation', 'UpdateStack', { StackName: current.physicalId, ...stackInput(c, ctx, props) }, nestingCaller(ctx));
    } catch (err) {
      if (err instanceof AwsError && err.message === 'No updates are to be performed.') return provided(c, current.physicalId);
      throw err;
    }
    const result = await settle(c, ctx, current.physicalId, settled);
    if (result.status === 'UPDATE_COMPLETE') return provided(c, current.physicalId);
    throw validationError(`Embedded stack ${current.physicalId} was not successfully updated. Currently in ${result.status} with reason: ${result.failure ?? ''}`);
  },
  async delete(ctx, current) {
    const c = signalContext(ctx.rt);
    const stack = c.store.stack(current.physicalId);
    if (!stack || stack.deleted_at !== null) return;
    await deleteNested(c, ctx, current.physicalId);
  },
};
