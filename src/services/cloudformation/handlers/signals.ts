/**
 * SignalResource: a SUCCESS or FAILURE signal for a resource whose CreationPolicy waits for
 * signals (what cfn-signal sends with --stack and --resource). The signal is kept where the
 * resource's wait reads it, so it is counted whether the wait is running yet or not.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import type { RequestContext } from '../../../protocol/types.js';
import { type CloudFormationContext, parseJson, requireLiveStack, validationError } from '../common.js';
import { putSignal } from '../signals.js';
import type { Template } from '../template/types.js';

export async function signalResource(c: CloudFormationContext, input: C.SignalResourceInput, ctx: RequestContext): Promise<void> {
  const stack = requireLiveStack(c, ctx, input.StackName!);
  const logicalId = input.LogicalResourceId!;
  if (stack.status !== 'CREATE_IN_PROGRESS' && stack.status !== 'UPDATE_IN_PROGRESS') throw validationError(`Stack ${stack.stack_id} is in ${stack.status} state and cannot be signaled`);
  const declaration = parseJson<Template>(stack.processed_template).Resources[logicalId];
  const row = c.store.resource(stack.stack_id, logicalId);
  if (!declaration || !row) throw validationError(`Resource ${logicalId} does not exist for stack ${stack.name}`);
  const waits = (declaration.CreationPolicy as { ResourceSignal?: unknown } | undefined)?.ResourceSignal !== undefined;
  if (!waits || row.status !== 'CREATE_IN_PROGRESS') throw validationError(`Resource ${logicalId} is in ${row.status} state and cannot be signaled`);
  const body = { Status: input.Status, UniqueId: input.UniqueId, Reason: 'Signal sent through SignalResource' };
  await putSignal(c.rt, 'waitcondition', stack.region, `${stack.stack_id}/${logicalId}`, JSON.stringify(body));
}
