/**
 * Custom resources (`Custom::*` and AWS::CloudFormation::CustomResource): each create, update and
 * delete is a request sent to the ServiceToken, a Lambda function (invoked asynchronously,
 * InvocationType Event, as AWS does) or an SNS topic (published as the message), in AWS's request
 * shape with a presigned S3 ResponseURL; the resource waits on Drydock's clock (ServiceTimeout
 * seconds, 3600 by default) for the cfn-response JSON the function PUTs there. FAILED fails the
 * resource with AWS's "Received response status [FAILED]" reason; no answer in time fails it with
 * AWS's timeout reason. `Data` is what `Fn::GetAtt` reads. An update answered with another
 * PhysicalResourceId is a replacement: the engine sends the old one a Delete in the cleanup.
 *
 * A create answered FAILED still names a physical resource (the response's PhysicalResourceId, or
 * a generated name when it has none), and so does a create that got no answer within
 * ServiceTimeout (or was stopped waiting): the rollback sends it a Delete, as AWS does, so a
 * provider that made half of something can clean it up; a provider that never answers that Delete
 * either fails it after another ServiceTimeout (ROLLBACK_FAILED), as on AWS.
 *
 * Gaps against AWS: NoEcho in a response does not mask `Data` in outputs or events; a response
 * that is not JSON, or a create answered SUCCESS without PhysicalResourceId, fails the resource in
 * Drydock's words. The physical id a Delete names after an unanswered create is a generated
 * `stack-Logical-RANDOM` name: which id AWS sends then is not documented.
 */
import { uuid } from '../../../core/ids.js';
import { validationError } from '../common.js';
import { signalBodies, signalUrl, waitForSignal } from '../signals.js';
import type { CurrentResource, Properties, ProvidedResource, ProviderContext, ResourceProvider } from './types.js';

/** AWS keeps a response URL valid for two hours. */
const RESPONSE_URL_SECONDS = 2 * 60 * 60;
const DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600;

type RequestType = 'Create' | 'Update' | 'Delete';

interface CfnResponse {
  Status?: string;
  Reason?: string;
  PhysicalResourceId?: string;
  NoEcho?: boolean;
  Data?: Record<string, unknown>;
}

/** CloudFormation hands custom resources every scalar property value as a string. */
function stringified(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringified);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, stringified(inner)]));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value;
}

function serviceTimeoutMs(props: Properties): number {
  const seconds = props.ServiceTimeout === undefined ? DEFAULT_SERVICE_TIMEOUT_SECONDS : Number(props.ServiceTimeout);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) throw validationError(`ServiceTimeout must be an integer from 1 to 3600 seconds, not ${String(props.ServiceTimeout)}`);
  return seconds * 1000;
}

async function deliver(ctx: ProviderContext, serviceToken: string, request: Record<string, unknown>): Promise<void> {
  const message = JSON.stringify(request);
  const service = /^arn:aws[a-z-]*:(lambda|sns):/.exec(serviceToken)?.[1];
  if (service === 'lambda') {
    await ctx.call('lambda', 'Invoke', { FunctionName: serviceToken, InvocationType: 'Event', Payload: Buffer.from(message) });
  } else if (service === 'sns') {
    await ctx.call('sns', 'Publish', { TopicArn: serviceToken, Message: message });
  } else {
    throw validationError(`Invalid service token: ${serviceToken}`);
  }
}

/**
 * Sends one request and waits for its response; throws the resource's failure reason, after
 * `onFailed` has seen a FAILED response (or undefined: no response came, in time or before the
 * operation was stopped).
 */
async function send(
  ctx: ProviderContext,
  type: RequestType,
  props: Properties,
  extra: { PhysicalResourceId?: string; OldResourceProperties?: Properties },
  onFailed?: (response: CfnResponse | undefined) => void,
): Promise<CfnResponse> {
  const serviceToken = String(props.ServiceToken ?? '');
  const timeoutMs = serviceTimeoutMs(props);
  const requestId = uuid();
  const key = `${ctx.stackId}|${ctx.logicalId}|${requestId}`;
  const request: Record<string, unknown> = {
    RequestType: type,
    ServiceToken: serviceToken,
    ResponseURL: await signalUrl(ctx.rt, 'response', ctx.region, key, RESPONSE_URL_SECONDS),
    StackId: ctx.stackId,
    RequestId: requestId,
    LogicalResourceId: ctx.logicalId,
    ResourceType: ctx.resourceType,
    ...(extra.PhysicalResourceId !== undefined ? { PhysicalResourceId: extra.PhysicalResourceId } : {}),
    ResourceProperties: stringified(props),
    ...(extra.OldResourceProperties ? { OldResourceProperties: stringified(extra.OldResourceProperties) } : {}),
  };
  const until = ctx.clock.now() + timeoutMs;
  await deliver(ctx, serviceToken, request);
  let body: string | undefined;
  try {
    body = await waitForSignal(ctx.rt, 'response', ctx.region, until, ctx.signal, async () => (await signalBodies(ctx.rt, 'response', ctx.region, key)).at(-1));
  } catch (err) {
    onFailed?.(undefined);
    throw err;
  }
  if (body === undefined) {
    onFailed?.(undefined);
    throw validationError(
      `CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [${requestId}]. If you are using the Python cfn-response module, you may need to update your Lambda function code so that CloudFormation can attach the updated version.`,
    );
  }
  let response: CfnResponse;
  try {
    response = JSON.parse(body) as CfnResponse;
  } catch {
    throw validationError(`Invalid response object: the response of request ${requestId} is not JSON`);
  }
  if (response.Status === 'FAILED') {
    onFailed?.(response);
    throw validationError(`Received response status [FAILED] from custom resource. Message returned: ${response.Reason ?? ''} (RequestId: ${requestId})`);
  }
  if (response.Status !== 'SUCCESS') throw validationError(`Invalid response object: Status must be SUCCESS or FAILED (RequestId: ${requestId})`);
  return response;
}

function provided(response: CfnResponse, fallbackId: string | undefined): ProvidedResource {
  const physicalId = response.PhysicalResourceId || fallbackId;
  if (!physicalId) throw validationError('Invalid PhysicalResourceId');
  return { physicalId, attributes: { ...(response.Data ?? {}) } };
}

export const customResourceProvider: ResourceProvider = {
  async create(ctx, props) {
    // A failed or unanswered create's physical id is recorded, so the rollback's Delete request
    // names it: AWS sends a Delete after a create that timed out (the rollback of a silent custom
    // resource waits a second hour, operatingops.org "Avoiding the Two Hour Exception Timeout";
    // aws/aws-cdk#2126 shows the DELETE_IN_PROGRESS after the CREATE_FAILED).
    const recordFailed = (response: CfnResponse | undefined) => ctx.recordPhysicalId?.(response?.PhysicalResourceId || ctx.physicalName());
    return provided(await send(ctx, 'Create', props, {}, recordFailed), undefined);
  },
  async update(ctx, current: CurrentResource, props) {
    const response = await send(ctx, 'Update', props, { PhysicalResourceId: current.physicalId, OldResourceProperties: current.props });
    return provided(response, current.physicalId);
  },
  async delete(ctx, current) {
    await send(ctx, 'Delete', current.props, { PhysicalResourceId: current.physicalId });
  },
};
