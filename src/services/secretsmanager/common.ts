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
import type { Runtime } from '../contracts.js';
import type { SecretRow, SecretsStore } from './store.js';

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

const SECRET_NAME = /^[A-Za-z0-9/_+=.@!-]+$/;

/** A secret name must use the characters secret names may contain: AWS answers ValidationException for any other. */
export function validateSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) throw new AwsError('ValidationException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
}

/** A SecretId that is not an ARN is a name: an invalid one is a ValidationException, not ResourceNotFoundException. */
export function validateSecretId(secretId: string): void {
  if (!secretId.startsWith('arn:')) validateSecretName(secretId);
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

/** A ClientRequestToken reused with another value: AWS refuses to modify a version. */
export function tokenInUse(token: string, secretArn: string): AwsError {
  return new AwsError('ResourceExistsException', `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${secretArn}.`);
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

/** Purges secrets whose recovery window has ended. */
export function sweep(c: SecretsContext, scope: Scope): void {
  const expired = c.store.expired(scope, c.rt.clock.now());
  if (!expired.length) return;
  c.store.tx(() => {
    for (const secretArn of expired) c.store.purge(secretArn);
  });
}

/**
 * A secret by name, full ARN or partial ARN (without the random suffix). A secret of another
 * account (in the request's Region) is named by its full ARN only; the authorization step has
 * checked the secret's resource policy for it.
 */
export function find(c: SecretsContext, scope: Scope, secretId: string): SecretRow {
  const { store } = c;
  let row = secretId.startsWith('arn:') ? store.byArn(scope, secretId) : store.byName(scope, secretId);
  if (!row && secretId.startsWith('arn:')) {
    const parsed = parseArn(secretId);
    if (parsed?.service === 'secretsmanager' && parsed.region === scope.region && parsed.resource.startsWith('secret:')) {
      row = parsed.account === scope.account ? store.byName(scope, parsed.resource.slice('secret:'.length)) : store.byArn({ account: parsed.account, region: parsed.region }, secretId);
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
