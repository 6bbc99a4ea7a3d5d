/**
 * Who a stack acts as. With a RoleARN, CloudFormation assumes that role as
 * `cloudformation.amazonaws.com` (the role must trust that service) and every resource operation
 * runs as the session; without one, as the principal who started the stack operation, with
 * `aws:CalledVia` naming CloudFormation. Providers get that caller through their ProviderContext.
 */
import { randomInt } from 'node:crypto';
import { servicePrincipal } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { InProcessCaller } from '../../contracts.js';
import { type CloudFormationContext, principalOf, validationError } from '../common.js';
import type { ProviderContext } from '../providers/types.js';
import type { StackRow } from '../store.js';
import { tagServiceError } from './handler-errors.js';

const CLOUDFORMATION = 'cloudformation.amazonaws.com';
const NAME_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The role session CloudFormation acts as, or AWS's refusal when the role cannot be assumed by CloudFormation. */
export async function assumeStackRole(c: CloudFormationContext, scope: { account: string; region: string }, roleArn: string): Promise<InProcessCaller> {
  const service = { principal: servicePrincipal(scope.account, CLOUDFORMATION), region: scope.region };
  try {
    const { Credentials } = await c.rt.call('sts', 'AssumeRole', { RoleArn: roleArn, RoleSessionName: `AWSCloudFormation-${Math.floor(c.rt.clock.now() / 1000)}` }, service);
    const principal = c.rt.credential(Credentials!.AccessKeyId!)!.principal;
    return { principal, account: scope.account, region: scope.region };
  } catch (err) {
    if (err instanceof AwsError) throw validationError(`Role ${roleArn} is invalid or cannot be assumed`);
    throw err;
  }
}

/** The caller a stack's resource operations run as. */
export async function stackCaller(c: CloudFormationContext, stack: StackRow): Promise<InProcessCaller> {
  if (stack.role_arn) return assumeStackRole(c, stack, stack.role_arn);
  return { principal: principalOf(stack), account: stack.account, region: stack.region, calledVia: [CLOUDFORMATION] };
}

/**
 * AWS's generated name `<stack>-<logical>-<12 random>`: stack name and logical id are shortened
 * (the stack name first, to at most half of what is left) so the whole fits `maxLength`.
 */
export function generatedPhysicalName(stackName: string, logicalId: string, options: { maxLength?: number; lowercase?: boolean } = {}): string {
  let suffix = '';
  for (let i = 0; i < 12; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  const room = (options.maxLength ?? 255) - suffix.length - 2;
  let stack = stackName;
  let logical = logicalId;
  if (stack.length + logical.length > room) {
    stack = stack.slice(0, Math.max(Math.floor(room / 2), room - logical.length));
    logical = logical.slice(0, Math.max(0, room - stack.length));
  }
  const name = `${stack}-${logical}-${suffix}`;
  return options.lowercase ? name.toLowerCase() : name;
}

export function providerContext(
  c: CloudFormationContext,
  stack: StackRow,
  caller: InProcessCaller,
  logicalId: string,
  resourceType: string,
  signal: AbortSignal,
  creation: Pick<ProviderContext, 'recordPhysicalId' | 'intendPhysicalId'> = {},
): ProviderContext {
  return {
    call: (service, operation, input) =>
      c.rt.call(service, operation, input, caller).catch((err: unknown) => {
        tagServiceError(err, service);
        throw err;
      }),
    invoke: (call) =>
      c.rt.invoke(call, caller).catch((err: unknown) => {
        tagServiceError(err, call.service);
        throw err;
      }),
    caller,
    rt: c.rt,
    clock: c.rt.clock,
    account: stack.account,
    region: stack.region,
    partition: caller.region.startsWith('cn-') ? 'aws-cn' : 'aws',
    stackName: stack.name,
    stackId: stack.stack_id,
    logicalId,
    resourceType,
    physicalName: (options) => generatedPhysicalName(stack.name, logicalId, options),
    signal,
    ...creation,
  };
}
