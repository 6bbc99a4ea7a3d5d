/**
 * What every Secrets Manager handler file shares: the service context, lookups of secrets, KMS
 * encryption of values (bound to the secret's ARN and version), staging labels and page tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import type * as S from '@aws-sdk/client-secrets-manager';
import type { Scope } from '../../core/accounts.js';
import { arn, parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { pageToken, readPageToken } from '../../core/pagination.js';
import type { RequestContext } from '../../protocol/types.js';
import type { InProcessCaller, Runtime } from '../contracts.js';
import type { SecretRow, SecretsStore, VersionRow } from './store.js';

/** The service context every handler is given: made once per instance in index.ts. */
export interface SecretsContext {
  store: SecretsStore;
  rt: Runtime;
}

export const DAY_MS = 86_400_000;
export const DEFAULT_KMS_KEY = 'alias/aws/secretsmanager';
/** Labels Secrets Manager itself maintains: moving AWSCURRENT demotes the old version to AWSPREVIOUS. */
export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';
const MAX_STAGES_PER_VERSION = 20;

export interface SecretValue {
  bytes: Buffer;
  binary: boolean;
}

const notFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const markedForDeletion = () => new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");

/** The value a request carries; undefined when it carries none. */
export function requestValue(input: { SecretString?: string; SecretBinary?: Uint8Array }): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw new AwsError('InvalidParameterException', "You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (input.SecretString !== undefined) return { bytes: Buffer.from(input.SecretString, 'utf8'), binary: false };
  if (input.SecretBinary !== undefined) return { bytes: Buffer.from(input.SecretBinary), binary: true };
  return undefined;
}

/** Whether two values are the same secret value (a retried request, not a new one). */
export function sameValue(a: SecretValue, b: SecretValue): boolean {
  return a.binary === b.binary && a.bytes.equals(b.bytes);
}

const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The ARN CreateSecret gives a new secret: its name and AWS's six-character suffix. The suffix is
 * derived from the request's ClientRequestToken (which the SDKs always send) so that the
 * authorization step, which runs before the handler, checks the ARN the secret will have, as AWS
 * does; without a token it is random.
 */
export function newSecretArn(scope: Scope, name: string, token: string | undefined): string {
  const bytes = token === undefined ? randomBytes(6) : createHash('sha256').update(`${scope.account}\0${scope.region}\0${name}\0${token}`).digest();
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += SUFFIX_CHARS[bytes[i]! % SUFFIX_CHARS.length];
  return arn('secretsmanager', scope.region, scope.account, `secret:${name}-${suffix}`);
}

/** Secret Manager's KMS encryption context, as AWS binds it. */
function contextOf(secretArn: string, versionId: string) {
  return { SecretARN: secretArn, SecretVersionId: versionId };
}

export function encrypt(c: SecretsContext, scope: Scope, secret: SecretRow, versionId: string, value: SecretValue): { ciphertext: Buffer; keyArn: string } {
  try {
    const { ciphertextBlob, keyArn } = c.rt.api('kms').encrypt(scope, secret.kms_key_id ?? DEFAULT_KMS_KEY, value.bytes, contextOf(secret.arn, versionId));
    return { ciphertext: ciphertextBlob, keyArn };
  } catch (err) {
    if (err instanceof AwsError) {
      throw new AwsError(
        'EncryptionFailure',
        `Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state. (${err.code}: ${err.message})`,
      );
    }
    throw err;
  }
}

/**
 * Secrets Manager uses KMS on its caller's behalf (aws:CalledVia secretsmanager.amazonaws.com, so
 * KMS sees kms:ViaService secretsmanager.<region>.amazonaws.com): reading a value calls KMS Decrypt
 * as the caller, so the caller needs kms:Decrypt on a customer key through its key policy, while the
 * AWS managed key's policy lets the whole account use it through Secrets Manager. Calling the KMS
 * operation keeps the key policy, the caller's IAM policies and key state in KMS's own
 * authorization step instead of copying them here.
 */
export function viaSecretsManager(ctx: RequestContext): InProcessCaller {
  return { principal: ctx.principal, account: ctx.account, region: ctx.region, calledVia: [...(ctx.calledVia ?? []), 'secretsmanager.amazonaws.com'] };
}

/** KMS's refusal as Secrets Manager reports it. */
const kmsNotAllowed = () => new AwsError('AccessDeniedException', 'Access to KMS is not allowed', { status: 400 });

/** A version's value, decrypted by KMS for the caller; KMS's refusal is "Access to KMS is not allowed", other failures DecryptionFailure. */
export async function decryptFor(c: SecretsContext, ctx: RequestContext, secret: SecretRow, version: VersionRow): Promise<SecretValue> {
  try {
    const { Plaintext } = await c.rt.call('kms', 'Decrypt', { CiphertextBlob: version.ciphertext, EncryptionContext: contextOf(secret.arn, version.version_id) }, viaSecretsManager(ctx));
    return { bytes: Buffer.from(Plaintext!), binary: version.is_binary === 1 };
  } catch (err) {
    if (err instanceof AwsError && err.code === 'AccessDeniedException') throw kmsNotAllowed();
    if (err instanceof AwsError) {
      throw new AwsError('DecryptionFailure', `Secrets Manager can't decrypt the protected secret text using the provided KMS key. (${err.code}: ${err.message})`);
    }
    throw err;
  }
}

/**
 * Before a value is written: AWS asks KMS for a data key (kms:GenerateDataKey) for the caller, so a
 * caller the key does not allow is refused. Drydock makes that call for its authorization only (the
 * data key is not used: the value is stored as a KMS ciphertext made inside the write's
 * transaction); any other KMS failure is left for that encryption to report as EncryptionFailure.
 */
export async function checkKeyUse(c: SecretsContext, ctx: RequestContext, keyId: string | null | undefined, secretArn: string | undefined): Promise<void> {
  try {
    await c.rt.call('kms', 'GenerateDataKey', { KeyId: keyId || DEFAULT_KMS_KEY, KeySpec: 'AES_256', EncryptionContext: secretArn ? { SecretARN: secretArn } : undefined }, viaSecretsManager(ctx));
  } catch (err) {
    if (err instanceof AwsError && err.code === 'AccessDeniedException') throw kmsNotAllowed();
  }
}

/** Decryption inside Secrets Manager's own transactions (retries, re-encryption, replication), not a caller's read. */
export function decrypt(c: SecretsContext, scope: Scope, secret: SecretRow, version: VersionRow): SecretValue {
  try {
    return { bytes: c.rt.api('kms').decrypt(scope, version.ciphertext, contextOf(secret.arn, version.version_id)).plaintext, binary: version.is_binary === 1 };
  } catch (err) {
    if (err instanceof AwsError) {
      throw new AwsError('DecryptionFailure', `Secrets Manager can't decrypt the protected secret text using the provided KMS key. (${err.code}: ${err.message})`);
    }
    throw err;
  }
}

/** Purges secrets whose recovery window has ended. */
export function sweep(c: SecretsContext, scope: Scope): void {
  const expired = c.store.expired(scope, c.rt.clock.now());
  if (!expired.length) return;
  c.store.tx(() => {
    for (const secretArn of expired) c.store.purge(secretArn);
  });
}

/** A secret by name, full ARN or partial ARN (without the random suffix). */
export function find(c: SecretsContext, scope: Scope, secretId: string): SecretRow {
  const { store } = c;
  let row = secretId.startsWith('arn:') ? store.byArn(scope, secretId) : store.byName(scope, secretId);
  if (!row && secretId.startsWith('arn:')) {
    const parsed = parseArn(secretId);
    if (parsed?.service === 'secretsmanager' && parsed.account === scope.account && parsed.region === scope.region && parsed.resource.startsWith('secret:')) {
      row = store.byName(scope, parsed.resource.slice('secret:'.length));
    }
  }
  if (!row) throw notFound();
  return row;
}

/** The secret a SecretId names, or undefined: for checks made before the request's own lookup reports the error. */
export function findOrUndefined(c: SecretsContext, scope: Scope, secretId: string): SecretRow | undefined {
  try {
    return find(c, scope, secretId);
  } catch (err) {
    if (err instanceof AwsError) return undefined;
    throw err;
  }
}

export function findLive(c: SecretsContext, scope: Scope, secretId: string): SecretRow {
  const row = find(c, scope, secretId);
  if (row.deleted_at !== null) throw markedForDeletion();
  return row;
}

export function assertNotReplica(secret: SecretRow): void {
  if (secret.primary_region !== null) {
    throw new AwsError('InvalidRequestException', `Operation is not permitted on a replica secret. Make the change on the primary secret in ${secret.primary_region}.`);
  }
}

/** A live secret that accepts changes: replicas change only through their primary. */
export function findWritable(c: SecretsContext, scope: Scope, secretId: string): SecretRow {
  const row = findLive(c, scope, secretId);
  assertNotReplica(row);
  return row;
}

/** Version id → its staging labels, for versions that have any. */
export function versionsToStages(c: SecretsContext, secretArn: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [stage, versionId] of c.store.stages(secretArn)) {
    out[versionId] ??= [];
    out[versionId].push(stage);
  }
  return out;
}

/** Attaches a label to a version, moving it off any other; AWSCURRENT leaves AWSPREVIOUS behind. */
export function attachStage(c: SecretsContext, secretArn: string, stage: string, versionId: string): void {
  const { store } = c;
  const holder = store.stages(secretArn).get(stage);
  if (stage === CURRENT && holder !== undefined && holder !== versionId) store.setStage(secretArn, PREVIOUS, holder);
  store.setStage(secretArn, stage, versionId);
  const count = [...store.stages(secretArn).values()].filter((v) => v === versionId).length;
  if (count > MAX_STAGES_PER_VERSION) throw new AwsError('LimitExceededException', `A version can have at most ${MAX_STAGES_PER_VERSION} staging labels.`);
}

export function tagList(c: SecretsContext, secretArn: string): S.Tag[] {
  return c.store.tags(secretArn).map((t) => ({ Key: t.tag_key, Value: t.tag_value }));
}

function invalidToken(): AwsError {
  return new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
}

function isOffset(value: unknown): value is { offset: number } {
  if (typeof value !== 'object' || value === null) return false;
  const { offset } = value as { offset?: unknown };
  return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0;
}

/** One page of `items` from the offset a NextToken carries. */
export function paginate<T>(items: T[], token: string | undefined, maxResults: number | undefined, defaultMax: number): { page: T[]; NextToken?: string } {
  const offset = token === undefined ? 0 : readPageToken(token, isOffset, invalidToken).offset;
  const max = maxResults ?? defaultMax;
  const page = items.slice(offset, offset + max);
  return { page, NextToken: offset + max < items.length ? pageToken({ offset: offset + max }) : undefined };
}
