/**
 * AWS::CloudFormation::WaitCondition: creation waits, on Drydock's clock, for signals. Either
 * through a WaitConditionHandle (`Handle` its URL, `Timeout` seconds up to 43200, `Count` SUCCESS
 * signals with distinct UniqueIds, 1 by default), or, with a CreationPolicy ResourceSignal (Count,
 * ISO 8601 Timeout, PT5M by default), through SignalResource. A FAILURE signal or the timeout fails
 * the resource with AWS's reasons; each SUCCESS signal under a CreationPolicy is a
 * "Received SUCCESS signal with UniqueId …" event. `Fn::GetAtt Data` is the JSON object of the
 * signals' UniqueId → Data. Updates change nothing and wait for nothing, as on AWS.
 *
 * Gaps against AWS: CreationPolicy is honoured for wait conditions only (AWS also honours it for
 * EC2 instances, Auto Scaling groups and AppStream fleets, which Drydock does not provide).
 */
import { parseJson, validationError } from '../common.js';
import { recordEvent } from '../engine/events.js';
import { keyOfSignalUrl, signalBodies, signalContext, waitForSignal } from '../signals.js';
import type { Template } from '../template/types.js';
import { signalKey } from './cloudformation-wait-condition-handle.js';
import type { Properties, ProviderContext, ResourceProvider } from './types.js';

const MAX_TIMEOUT_SECONDS = 43200;
const DEFAULT_SIGNAL_TIMEOUT = 'PT5M';

interface WaitSignal {
  Status?: string;
  UniqueId?: string;
  Data?: string;
  Reason?: string;
}

interface Wait {
  key: string;
  count: number;
  timeoutMs: number;
  /** Under a CreationPolicy: signals come through SignalResource and are reported as AWS words it for that path. */
  policy: boolean;
}

/** An ISO 8601 duration as CreationPolicy Timeout takes it (`PT1H30M`, `PT45S`), in ms. */
function isoDurationMs(text: string): number {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(text);
  if (!match || text === 'PT') throw validationError(`Invalid CreationPolicy Timeout value: ${text}`);
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
}

function positiveCount(value: unknown): number {
  const count = value === undefined ? 1 : Number(value);
  if (!Number.isInteger(count) || count < 1) throw validationError(`Count must be a positive integer, not ${String(value)}`);
  return count;
}

function creationPolicy(ctx: ProviderContext): { Count?: unknown; Timeout?: unknown } | undefined {
  const stack = signalContext(ctx.rt).store.stack(ctx.stackId);
  const template = stack ? parseJson<Template>(stack.processed_template) : undefined;
  const policy = template?.Resources[ctx.logicalId]?.CreationPolicy as { ResourceSignal?: { Count?: unknown; Timeout?: unknown } } | undefined;
  return policy?.ResourceSignal;
}

function waitOf(ctx: ProviderContext, props: Properties): Wait {
  const policy = creationPolicy(ctx);
  if (policy) {
    return { key: signalKey(ctx), count: positiveCount(policy.Count), timeoutMs: isoDurationMs(String(policy.Timeout ?? DEFAULT_SIGNAL_TIMEOUT)), policy: true };
  }
  if (props.Handle === undefined || props.Timeout === undefined) throw validationError('Handle and Timeout are required for a WaitCondition without a CreationPolicy');
  const key = keyOfSignalUrl('waitcondition', ctx.region, String(props.Handle));
  if (!key) throw validationError(`Invalid WaitConditionHandle URL: ${String(props.Handle)}`);
  const seconds = Number(props.Timeout);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS)
    throw validationError(`Timeout must be an integer from 1 to ${MAX_TIMEOUT_SECONDS} seconds, not ${String(props.Timeout)}`);
  return { key, count: positiveCount(props.Count), timeoutMs: seconds * 1000, policy: false };
}

/** The signals received so far, one per UniqueId (a repeated UniqueId replaces the earlier one). */
function signalsOf(bodies: string[], wait: Wait): Map<string, WaitSignal> {
  const signals = new Map<string, WaitSignal>();
  for (const body of bodies) {
    let signal: WaitSignal;
    try {
      signal = JSON.parse(body) as WaitSignal;
    } catch {
      throw validationError(wait.policy ? 'Unparsable resource signal' : 'Unparsable WaitCondition data');
    }
    signals.set(String(signal.UniqueId ?? ''), signal);
  }
  return signals;
}

function reportSignal(ctx: ProviderContext, physicalId: string, uniqueId: string): void {
  const c = signalContext(ctx.rt);
  const stack = c.store.stack(ctx.stackId);
  if (!stack) return;
  c.store.tx(() => recordEvent(c, stack, { logicalId: ctx.logicalId, physicalId, type: ctx.resourceType, status: 'CREATE_IN_PROGRESS', reason: `Received SUCCESS signal with UniqueId ${uniqueId}` }));
}

/** Waits until `count` SUCCESS signals arrived; throws AWS's reason for a FAILURE signal or the timeout. */
async function awaitSignals(ctx: ProviderContext, wait: Wait, physicalId: string): Promise<Map<string, WaitSignal>> {
  const reported = new Set<string>();
  let received = new Map<string, WaitSignal>();
  const until = ctx.clock.now() + wait.timeoutMs;
  const done = await waitForSignal(ctx.rt, 'waitcondition', ctx.region, until, ctx.signal, async () => {
    received = signalsOf(await signalBodies(ctx.rt, 'waitcondition', ctx.region, wait.key), wait);
    for (const [uniqueId, signal] of received) {
      if (signal.Status !== 'SUCCESS') {
        throw validationError(wait.policy ? `Received FAILURE signal with UniqueId ${uniqueId}` : `WaitCondition received failed message: '${signal.Reason ?? ''}' for uniqueId: ${uniqueId}`);
      }
      if (wait.policy && !reported.has(uniqueId)) reportSignal(ctx, physicalId, uniqueId);
      reported.add(uniqueId);
    }
    return received.size >= wait.count ? received : undefined;
  });
  if (done) return done;
  throw validationError(
    wait.policy ? `Failed to receive ${wait.count} resource signal(s) within the specified duration` : `WaitCondition timed out. Received ${received.size} conditions when expecting ${wait.count}`,
  );
}

export const waitConditionProvider: ResourceProvider = {
  async create(ctx, props) {
    const wait = waitOf(ctx, props);
    const physicalId = wait.key;
    const signals = await awaitSignals(ctx, wait, physicalId);
    const data = Object.fromEntries([...signals].map(([uniqueId, signal]) => [uniqueId, signal.Data ?? '']));
    return { physicalId, attributes: { Data: JSON.stringify(data), Id: physicalId } };
  },
  async update(_ctx, current) {
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  async delete() {
    // A wait condition is CloudFormation's own bookkeeping: nothing exists outside the stack.
  },
};
