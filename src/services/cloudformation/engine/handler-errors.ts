/**
 * How a resource's failure reads in its stack events, by the kind of handler AWS runs for its type.
 *
 * - Registry types (AWS runs the type's resource handler, as Cloud Control does): the reason is
 *   `Resource handler returned message: "<message>" (RequestToken: <uuid>, HandlerErrorCode: <code>)`,
 *   where a service error's message carries the AWS SDK for Java v2's suffix
 *   ` (Service: Sns, Status Code: 400, Request ID: <id>)`, and a create refused because the resource
 *   exists reads as the handler plugins' standard "Resource of type 'T' with identifier 'I' already
 *   exists." Stack events AWS users reported, e.g. AWS::SNS::Topic `Resource handler returned
 *   message: "Invalid parameter: Topic Name (Service: Sns, Status Code: 400, Request ID: …)"
 *   (RequestToken: …, HandlerErrorCode: InvalidRequest)` (aws-samples/document-translation#104),
 *   AWS::Lambda::Function `"… (Service: Lambda, Status Code: 400, Request ID: …)" … InvalidRequest`
 *   (aws-samples/bedrock-access-gateway#205), AWS::IAM::Role `"The role with name … cannot be
 *   found. (Service: Iam, Status Code: 404, Request ID: …)" … NotFound`
 *   (aws-samples/terraform-aws-windows-workloads-on-aws#3), AWS::SES::EmailIdentity `"Resource of
 *   type 'AWS::SES::EmailIdentity' with identifier '…' already exists." … AlreadyExists`
 *   (widdix/mastodon-on-aws#27).
 * - Older types CloudFormation still provisions itself (LEGACY_TYPES): the service's message with
 *   the AWS SDK for Java v1's suffix, `… (Service: AmazonIdentityManagement; Status Code: 400; Error
 *   Code: MalformedPolicyDocument; Request ID: …; Proxy: null)` (AWS::IAM::Policy,
 *   eksctl-io/eksctl#4329), `Bad Request (Service: Amazon S3; Status Code: 400; Error Code: 400 Bad
 *   Request; Request ID: …; S3 Extended Request ID: …; Proxy: null)` (AWS::S3::Bucket,
 *   awslabs/aws-well-architected-labs#855), and "<bucket> already exists" for a taken bucket name.
 * - CloudFormation's own types (stacks, custom resources, wait conditions, CDK metadata) fail in
 *   their own words, unwrapped, as does Drydock's NotImplemented for a feature it lacks.
 *
 * Request ids in the suffixes are fresh UUIDs: the in-process call has no wire request id.
 */
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import { errorWire } from '../../../protocol/codecs/codec.js';
import { loadModel } from '../../../protocol/model.js';
import { primaryIdentifier } from '../spec/index.js';

/**
 * Drydock's types AWS still provisions without a registry handler: those whose stack events users
 * reported in the SDK v1 form, and AWS::CodeCommit::Repository, whose DescribeType answers
 * ProvisioningType NON_PROVISIONABLE (no handlers; noted by the cdkd project's CodeCommit provider).
 * Types with no report either way count as registry types.
 */
const LEGACY_TYPES = new Set(['AWS::S3::Bucket', 'AWS::IAM::Policy', 'AWS::CodeCommit::Repository']);

/** The SDK for Java v1 service names of the legacy types' services. */
const SDK_V1_NAMES: Record<string, string> = { s3: 'Amazon S3', iam: 'AmazonIdentityManagement', codecommit: 'AWSCodeCommit' };

function ownType(type: string): boolean {
  return type.startsWith('Custom::') || type.startsWith('AWS::CloudFormation::') || type === 'AWS::CDK::Metadata';
}

/** Which service answered each error an operation of a provider threw (ProviderContext.call tags them). */
const servicesOf = new WeakMap<object, string>();

/** Notes that `err` came from an operation of `service`; rethrow it unchanged afterwards (providers test its code). */
export function tagServiceError(err: unknown, service: string): void {
  if (err instanceof AwsError && !servicesOf.has(err)) servicesOf.set(err, service);
}

/** The handler error code AWS's handler contract gives a failure of this service error. */
function handlerErrorCode(err: AwsError, status: number): string {
  const code = err.code;
  if (code === 'NotStabilized') return code;
  if (/AlreadyExists|AlreadyOwnedByYou|Exists(Exception)?$|NameExists/.test(code)) return 'AlreadyExists';
  if (/NotFound|NoSuch|DoesNotExist|NonExistent/.test(code) || status === 404) return 'NotFound';
  if (/AccessDenied|AuthorizationError|Unauthorized|NotAuthorized/.test(code) || status === 403) return 'AccessDenied';
  if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(code)) return 'Throttling';
  if (/LimitExceeded|QuotaExceeded|TooMany/.test(code)) return 'ServiceLimitExceeded';
  if (/Conflict|InUse|ConcurrentModification|OperationAborted/.test(code) || status === 409) return 'ResourceConflict';
  if (status >= 500) return 'GeneralServiceException';
  return 'InvalidRequest';
}

/** SDK v2 names a service after its serviceId in words, upper-case words capitalised (`Sns`, `Iam`, `CloudWatchLogs`). */
function sdkV2Name(serviceId: string): string {
  return serviceId
    .split(' ')
    .map((word) => (word === word.toUpperCase() ? word[0] + word.slice(1).toLowerCase() : word))
    .join('');
}

function wireOf(service: string, err: AwsError): { code: string; status: number } {
  try {
    return errorWire(loadModel(service), err);
  } catch {
    return { code: err.code, status: err.status ?? 400 };
  }
}

/** The identifier a create named (the primary identifier property's value), when the template gave it. */
function requestedIdentifier(type: string, props: Record<string, unknown>): string | undefined {
  const names = primaryIdentifier(type);
  const values = names.map((name) => props[name]);
  return values.length > 0 && values.every((value) => typeof value === 'string') ? values.join('|') : undefined;
}

function registryReason(type: string, err: unknown, step: 'create' | 'update' | 'delete', props: Record<string, unknown>): string {
  let message = err instanceof Error ? err.message : String(err);
  let code = 'InternalFailure';
  if (err instanceof AwsError) {
    const service = servicesOf.get(err);
    const wire = service ? wireOf(service, err) : { code: err.code, status: err.status ?? 400 };
    code = handlerErrorCode(err, wire.status);
    const identifier = step === 'create' && code === 'AlreadyExists' ? requestedIdentifier(type, props) : undefined;
    if (identifier !== undefined) message = `Resource of type '${type}' with identifier '${identifier}' already exists.`;
    else if (service) message = `${message} (Service: ${sdkV2Name(loadModel(service).metadata.serviceId)}, Status Code: ${wire.status}, Request ID: ${uuid()})`;
  }
  return `Resource handler returned message: "${message}" (RequestToken: ${uuid()}, HandlerErrorCode: ${code})`;
}

function legacyReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const service = err instanceof AwsError ? servicesOf.get(err) : undefined;
  if (!(err instanceof AwsError) || !service) return message;
  const wire = wireOf(service, err);
  const extended = service === 's3' ? ` S3 Extended Request ID: ${Buffer.from(uuid()).toString('base64')};` : '';
  return `${message} (Service: ${SDK_V1_NAMES[service] ?? sdkV2Name(loadModel(service).metadata.serviceId)}; Status Code: ${wire.status}; Error Code: ${wire.code}; Request ID: ${uuid()};${extended} Proxy: null)`;
}

/** Thrown in place of a provider's failure: its message is the ResourceStatusReason AWS would show. */
class HandlerFailure extends Error {}

/** Runs a provider step, turning its failure into the reason AWS shows for the type. */
export async function handlerStep<T>(type: string, step: 'create' | 'update' | 'delete', props: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    // Drydock's own refusals of what it does not implement stay in its plain words.
    if (ownType(type) || (err instanceof AwsError && err.code === 'NotImplemented')) throw err;
    throw new HandlerFailure(LEGACY_TYPES.has(type) ? legacyReason(err) : registryReason(type, err, step, props));
  }
}
