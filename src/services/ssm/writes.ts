/** Writing parameters: PutParameter (creation and new versions) and deletion. */
import type { DeleteParameterRequest, DeleteParameterResult, DeleteParametersRequest, DeleteParametersResult, PutParameterRequest, PutParameterResult } from '@aws-sdk/client-ssm';
import { AwsError } from '../../core/errors.js';
import type { RequestContext } from '../../protocol/types.js';
import { notFound, ownReference, publishChange, type SsmContext } from './common.js';
import { encrypt } from './encryption.js';
import { scheduleExpiry } from './expiry.js';
import { requestImageValidation } from './image-validation.js';
import { nameKey, parseReference, validateNameForPut } from './names.js';
import { expirationTime, type ParameterPolicy, parsePolicies } from './policies.js';
import type { ParameterRow, VersionRow } from './store.js';

const DEFAULT_KEY = 'alias/aws/ssm';
const MAX_VERSIONS = 100;
export const MAX_TAGS = 50;
const TIER_LIMITS: Record<string, number> = { Standard: 4096, Advanced: 8192 };
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];

/** Who writes, where: the request's context, or what an asynchronous validation kept of it. */
export interface Writer {
  account: string;
  region: string;
  principal: { arn: string };
}

/**
 * Whether `text` has more than `limit` code points, as AWS counts value sizes. It has at most as
 * many as UTF-16 units, so only a longer text is spread into code points (an array per put).
 */
function longerThan(text: string, limit: number): boolean {
  return text.length > limit && [...text].length > limit;
}

function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      throw new AwsError('InvalidAllowedPatternException', `The allowed pattern ${pattern} is not valid.`);
    }
  }
}

function resolveTier(requested: string | undefined, previous: string | undefined, value: string, hasPolicies: boolean): string {
  if (requested === 'Standard' && previous === 'Advanced') {
    throw new AwsError(
      'ValidationException',
      "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
    );
  }
  if (requested === 'Intelligent-Tiering') return previous === 'Advanced' || longerThan(value, TIER_LIMITS.Standard) || hasPolicies ? 'Advanced' : 'Standard';
  return requested ?? previous ?? 'Standard';
}

/** The checks PutParameter makes before it reads anything. */
function checkPutRequest(input: PutParameterRequest, ctx: RequestContext): void {
  if (input.Overwrite && input.Tags !== undefined) {
    throw new AwsError(
      'ValidationException',
      "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
    );
  }
  validateNameForPut(input.Name!, ctx.region, ctx.account);
  if (input.Value === '') throw new AwsError('ValidationException', "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1");
  if (input.DataType !== undefined && !DATA_TYPES.includes(input.DataType)) {
    throw new AwsError('ValidationException', `The following data type is not supported: ${input.DataType} (Data type names are all lowercase.)`);
  }
  if ((input.Tags?.length ?? 0) > MAX_TAGS) throw new AwsError('TooManyTagsError', `A parameter can have at most ${MAX_TAGS} tags.`);
}

/** What the new version will be: the request's attributes, or the previous version's where it names none. */
interface NewVersion {
  type: string;
  dataType: string;
  allowedPattern: string | null;
  policies: ParameterPolicy[] | undefined;
  storedPolicies: string | null;
  tier: string;
}

/** The value of an aws:ec2:image parameter is checked later, asynchronously (image-validation.ts); its type now. */
function checkDataType(dataType: string, type: string): void {
  if (dataType === 'aws:ec2:image' && type !== 'String') throw new AwsError('ValidationException', `The data type ${dataType} is supported only for parameters of type String.`);
}

function checkTier(tier: string, value: string, storedPolicies: string | null): void {
  if (longerThan(value, TIER_LIMITS[tier])) {
    throw new AwsError(
      'ValidationException',
      tier === 'Standard'
        ? 'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html'
        : 'Advanced tier parameters support a maximum parameter value of 8192 characters.',
    );
  }
  if (storedPolicies !== null && tier !== 'Advanced') {
    throw new AwsError('ValidationException', 'Parameter policies are supported only for parameters in the advanced-parameter tier. Use the Advanced or Intelligent-Tiering tier and try again.');
  }
}

function newVersion(input: PutParameterRequest, previous: VersionRow | undefined, now: number): NewVersion {
  const value = input.Value!;
  const type = input.Type ?? previous?.type;
  if (!type) throw new AwsError('ValidationException', 'A parameter type is required when you create a parameter.');
  if (input.KeyId !== undefined && type !== 'SecureString') {
    throw new AwsError('ValidationException', 'KeyId is required for SecureString type parameter only.');
  }
  const dataType = input.DataType ?? previous?.data_type ?? 'text';
  checkDataType(dataType, type);
  const allowedPattern = input.AllowedPattern ?? previous?.allowed_pattern ?? null;
  if (allowedPattern && !compilePattern(allowedPattern).test(value)) {
    throw new AwsError('ParameterPatternMismatchException', `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`);
  }
  // Policies carry over an overwrite that does not name them; `[]` removes them.
  const policies = input.Policies !== undefined ? parsePolicies(input.Policies, now) : undefined;
  const fromRequest = policies?.length ? JSON.stringify(policies) : null;
  const storedPolicies = policies ? fromRequest : (previous?.policies ?? null);
  const tier = resolveTier(input.Tier, previous?.tier, value, storedPolicies !== null);
  checkTier(tier, value, storedPolicies);
  return { type, dataType, allowedPattern, policies, storedPolicies, tier };
}

/** At the version limit AWS drops the oldest version to make room, unless a label still points at it. */
function makeRoomForVersion(c: SsmContext, ctx: Writer, key: string, name: string): void {
  const { store } = c;
  const { n, oldest } = store.versionCount(ctx.account, ctx.region, key);
  if (n < MAX_VERSIONS) return;
  if (store.labels(ctx.account, ctx.region, key).some((l) => l.version === oldest)) {
    throw new AwsError(
      'ParameterMaxVersionLimitExceeded',
      `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
    );
  }
  store.deleteVersion(ctx.account, ctx.region, key, oldest);
}

/** What a PutParameter request writes, as the stored parameter stands: checked, with the key a SecureString is encrypted under. */
interface PreparedPut {
  param: ParameterRow | undefined;
  previous: VersionRow | undefined;
  v: NewVersion;
  /** The KMS key of a SecureString (the request's, the previous version's, or the AWS managed key); null otherwise. */
  keyId: string | null;
  displayName: string;
  /** A create whose parameter row is already written (createWithoutKms inserts it first). */
  inserted: boolean;
}

function alreadyExists(): AwsError {
  return new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
}

function preparePut(c: SsmContext, input: PutParameterRequest, ctx: Writer, key: string, now: number): PreparedPut {
  const { store } = c;
  const param = store.parameter(ctx.account, ctx.region, key);
  if (param && !input.Overwrite) throw alreadyExists();
  const previous = param ? store.version(ctx.account, ctx.region, key, param.version) : undefined;
  const v = newVersion(input, previous, now);
  const previousKey = previous?.type === 'SecureString' ? previous.key_id : null;
  const keyId = v.type === 'SecureString' ? (input.KeyId ?? previousKey ?? DEFAULT_KEY) : null;
  return { param, previous, v, keyId, displayName: param?.name ?? input.Name!, inserted: false };
}

/** Writes the new version (and, for a new parameter, the parameter and its tags); answers its number. */
function writeVersion(c: SsmContext, input: PutParameterRequest, ctx: Writer, put: PreparedPut, value: string, now: number): number {
  const { store } = c;
  const { param, previous, v } = put;
  const key = nameKey(input.Name!);
  const version = (param?.version ?? 0) + 1;
  const row: VersionRow = {
    account: ctx.account,
    region: ctx.region,
    name_key: key,
    version,
    type: v.type,
    value,
    description: input.Description ?? previous?.description ?? null,
    key_id: put.keyId,
    tier: v.tier,
    data_type: v.dataType,
    allowed_pattern: v.allowedPattern,
    policies: v.storedPolicies,
    modified_at: now,
    modified_by: ctx.principal.arn,
  };
  if (param) {
    store.setLatestVersion(ctx.account, ctx.region, key, version);
  } else {
    if (!put.inserted) store.createParameter({ account: ctx.account, region: ctx.region, name_key: key, name: input.Name!, version });
    for (const tag of input.Tags ?? []) store.putTag(ctx.account, ctx.region, key, tag.Key!, tag.Value!);
  }
  store.addVersion(row);
  return version;
}

/**
 * Synchronous unless the value goes through KMS: a plain value's answer is no promise, so its
 * transaction shares the request's group commit and the pipeline spends no microtask hop on it.
 */
export function putParameter(c: SsmContext, input: PutParameterRequest, ctx: RequestContext): PutParameterResult | Promise<PutParameterResult> {
  checkPutRequest(input, ctx);
  const key = nameKey(input.Name!);
  const now = c.rt.clock.now();
  // A type other than SecureString needs no KMS, so nothing is awaited: one transaction reads, checks and writes.
  if (input.Type !== undefined && input.Type !== 'SecureString') return c.store.tx(() => putWithoutKms(c, input, ctx, key, now));
  // Every check runs before KMS is called for a SecureString (a refused request encrypts nothing),
  // and again in the transaction on what it reads: the value is encrypted under the key chosen then.
  const before = preparePut(c, input, ctx, key, now);
  if (before.v.dataType === 'aws:ec2:image') return requestImageValidation(c, input, ctx, key, (before.param?.version ?? 0) + 1, before.v.tier, now);
  if (before.keyId === null) return commitPut(c, input, ctx, key, now);
  return encryptAndCommit(c, input, ctx, key, now, before);
}

async function encryptAndCommit(c: SsmContext, input: PutParameterRequest, ctx: RequestContext, key: string, now: number, before: PreparedPut): Promise<PutParameterResult> {
  const keyId = before.keyId!;
  const ciphertext = await encrypt(c, ctx, before.displayName, keyId, input.Value!, before.v.tier);
  return commitPut(c, input, ctx, key, now, ciphertext, keyId);
}

/** A PutParameter whose value needs no KMS, in the caller's transaction; an aws:ec2:image value is left to its validation. */
function putWithoutKms(c: SsmContext, input: PutParameterRequest, ctx: RequestContext, key: string, now: number): PutParameterResult {
  if (!input.Overwrite && input.DataType !== 'aws:ec2:image') return createWithoutKms(c, input, ctx, key, now);
  const put = preparePut(c, input, ctx, key, now);
  if (put.v.dataType === 'aws:ec2:image') return requestImageValidation(c, input, ctx, key, (put.param?.version ?? 0) + 1, put.v.tier, now);
  return writePut(c, input, ctx, key, put, input.Value!, now);
}

/**
 * A create of a value that needs no KMS, in the caller's transaction, without a read first: the
 * insert of the parameter row finds a name that exists (ParameterAlreadyExists, before any other
 * check, as when it is read), and a check that fails afterwards rolls the row back with the rest.
 */
function createWithoutKms(c: SsmContext, input: PutParameterRequest, ctx: RequestContext, key: string, now: number): PutParameterResult {
  if (!c.store.createParameter({ account: ctx.account, region: ctx.region, name_key: key, name: input.Name!, version: 1 })) throw alreadyExists();
  const put: PreparedPut = { param: undefined, previous: undefined, v: newVersion(input, undefined, now), keyId: null, displayName: input.Name!, inserted: true };
  return writePut(c, input, ctx, key, put, input.Value!, now);
}

/**
 * Writes a PutParameter in one transaction, checked again on what it reads there: the new version
 * (SecureStrings as `ciphertext`, encrypted under `keyId`), its expiry and its change event.
 * Also what an aws:ec2:image write runs once its value is validated.
 */
export function commitPut(c: SsmContext, input: PutParameterRequest, writer: Writer, key: string, now: number, ciphertext?: string, keyId: string | null = null): PutParameterResult {
  return c.store.tx(() => {
    const put = preparePut(c, input, writer, key, now);
    if (put.keyId !== keyId) throw new AwsError('TooManyUpdates', 'There are concurrent updates for the parameter. Try again.');
    return writePut(c, input, writer, key, put, ciphertext ?? input.Value!, now);
  });
}

/** Writes a checked PutParameter (inside the caller's transaction): the new version, its expiry and its change event. */
function writePut(c: SsmContext, input: PutParameterRequest, writer: Writer, key: string, put: PreparedPut, value: string, now: number): PutParameterResult {
  if (put.param) makeRoomForVersion(c, writer, key, input.Name!);
  const version = writeVersion(c, input, writer, put, value, now);
  const expiresAt = put.v.policies ? expirationTime(put.v.policies) : undefined;
  if (expiresAt !== undefined) scheduleExpiry(c, writer, key, expiresAt, now);
  publishChange(c, writer, put.displayName, put.v.type, put.param ? 'Update' : 'Create', put.v.dataType === 'aws:ec2:image' ? { dataType: put.v.dataType } : {});
  return { Version: version, Tier: put.v.tier as PutParameterResult['Tier'] };
}

/** Deletes one parameter (inside the caller's transaction); false when it does not exist. */
function deleteOne(c: SsmContext, ctx: RequestContext, text: string): boolean {
  const ref = parseReference(text);
  if (ref.selector !== undefined || !ownReference(ctx, ref)) return false;
  const current = c.store.current(ctx.account, ctx.region, nameKey(ref.name));
  if (!current) return false;
  c.store.deleteParameter(ctx.account, ctx.region, current.name_key);
  publishChange(c, ctx, current.name, current.type, 'Delete');
  return true;
}

export function deleteParameter(c: SsmContext, input: DeleteParameterRequest, ctx: RequestContext): DeleteParameterResult {
  const deleted = c.store.tx(() => deleteOne(c, ctx, input.Name!));
  if (!deleted) throw notFound(input.Name!);
  return {};
}

export function deleteParameters(c: SsmContext, input: DeleteParametersRequest, ctx: RequestContext): DeleteParametersResult {
  return c.store.tx(() => {
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of new Set(input.Names!)) {
      if (deleteOne(c, ctx, name)) deleted.push(name);
      else invalid.push(name);
    }
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  });
}
