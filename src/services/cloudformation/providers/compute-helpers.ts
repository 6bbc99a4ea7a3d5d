/**
 * What the Lambda and ECR providers share beyond foundation-helpers.ts: waiting on a function's
 * state machine as CloudFormation does (a resource is complete only once its function is Active and
 * its last update Successful), tags as the map Lambda takes, and CloudFormation's structures with
 * their integers and booleans coerced for APIs that spell them as the template does.
 */
import { AwsError } from '../../../core/errors.js';
import type { KeyValueTag } from './foundation-helpers.js';
import { booleanValue, integerValue } from './integration-helpers.js';
import type { ProviderContext } from './types.js';

/** How often a stabilization wait looks again, on Drydock's clock. */
const POLL_MS = 100;
/** How long CloudFormation waits for a function to stabilize before failing the resource. */
const STABILIZE_MS = 15 * 60 * 1000;

/**
 * Waits until the function (or version) is Active with its last update Successful, as
 * CloudFormation waits before it marks a function complete; a Failed state fails the resource
 * with Lambda's reason.
 */
export async function waitForFunction(ctx: ProviderContext, functionName: string, qualifier?: string): Promise<void> {
  const deadline = ctx.clock.now() + STABILIZE_MS;
  for (;;) {
    const config = await ctx.call('lambda', 'GetFunctionConfiguration', { FunctionName: functionName, Qualifier: qualifier });
    // The registry handler's words (docwho2/java-connect-lex-chatgpt#36); the engine wraps them as a NotStabilized failure.
    const unstable = (reason: string | undefined) =>
      new AwsError(
        'NotStabilized',
        `Resource of type '${ctx.resourceType}' with identifier '${qualifier ? `${functionName}:${qualifier}` : functionName}' did not stabilize. Status Reason is ${reason}`,
      );
    if (config.State === 'Failed') throw unstable(config.StateReason);
    if (config.LastUpdateStatus === 'Failed') throw unstable(config.LastUpdateStatusReason);
    if (config.State === 'Active' && (config.LastUpdateStatus ?? 'Successful') === 'Successful') return;
    if (ctx.clock.now() > deadline) throw new AwsError('NotStabilized', `Exceeded attempts to wait for function ${functionName} to become Active`);
    await ctx.clock.sleep(POLL_MS, ctx.signal);
  }
}

/** Tags as Lambda's map; undefined for none. */
export function tagMap(tags: KeyValueTag[] | undefined): Record<string, string> | undefined {
  return tags?.length ? Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value])) : undefined;
}

/**
 * A structure the API spells as the template does (Lambda's PascalCase members), with the named
 * members coerced: templates may give `"512"` for an Integer and `"true"` for a Boolean.
 */
export function coerced(value: unknown, integers: ReadonlySet<string>, booleans: ReadonlySet<string> = new Set(), path = ''): unknown {
  if (Array.isArray(value)) return value.map((item, index) => coerced(item, integers, booleans, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if (member === undefined || member === null) continue;
    const where = path ? `${path}.${key}` : key;
    if (integers.has(key)) result[key] = integerValue(member, where);
    else if (booleans.has(key)) result[key] = booleanValue(member, where);
    else result[key] = coerced(member, integers, booleans, where);
  }
  return result;
}

/**
 * Runs the steps that follow a resource's creation; when one fails, deletes the resource before
 * failing: the engine records no physical id for a failed create, so nothing else would.
 */
export async function orDelete<T>(steps: () => Promise<T>, remove: () => Promise<unknown>): Promise<T> {
  try {
    return await steps();
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
}
