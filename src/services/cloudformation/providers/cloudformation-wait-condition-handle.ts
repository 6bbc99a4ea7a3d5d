/**
 * AWS::CloudFormation::WaitConditionHandle: `Ref` is a presigned S3 PUT URL (key
 * `<stack id>/<logical id>` in CloudFormation's wait condition bucket) that instance scripts signal
 * with curl or cfn-signal: `{"Status":"SUCCESS","Reason":"…","UniqueId":"…","Data":"…"}`. Each PUT
 * is kept as a version of that object; the WaitCondition naming the handle counts them.
 *
 * Gaps against AWS: the URL is valid for a day (SigV4 presigning allows at most a week), checked
 * against the wall clock.
 */
import { deleteSignals, signalUrl } from '../signals.js';
import type { ProviderContext, ResourceProvider } from './types.js';

const HANDLE_URL_SECONDS = 24 * 60 * 60;

/** Where a stack's handle (or a resource's SignalResource signals) is written. */
export function signalKey(ctx: Pick<ProviderContext, 'stackId' | 'logicalId'>): string {
  return `${ctx.stackId}/${ctx.logicalId}`;
}

export const waitConditionHandleProvider: ResourceProvider = {
  async create(ctx) {
    const url = await signalUrl(ctx.rt, 'waitcondition', ctx.region, signalKey(ctx), HANDLE_URL_SECONDS);
    return { physicalId: url, attributes: { Id: url } };
  },
  async update(_ctx, current) {
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  async delete(ctx) {
    await deleteSignals(ctx.rt, 'waitcondition', ctx.region, signalKey(ctx));
  },
};
