/** Secrets Manager operations. The Gaps are stated in index.ts. */
import { randomInt } from 'node:crypto';
import type * as S from '@aws-sdk/client-secrets-manager';
import type { Handler, Handlers, RequestContext } from '../../protocol/types.js';
import type { Runtime } from '../contracts.js';
import { AwsError } from '../../core/errors.js';
import { arn, parseArn } from '../../core/arn.js';
import { isRegion } from '../../core/accounts.js';
import { uuid } from '../../core/ids.js';
import type { SecretRow, SecretsStore, VersionRow } from './store.js';
import { randomPassword } from './password.js';

const DAY_MS = 86_400_000;
const DEFAULT_KMS_KEY = 'alias/aws/secretsmanager';
const MAX_STAGES_PER_VERSION = 20;
/** AWS keeps at most this many versions without staging labels, dropping the oldest. */
const MAX_UNLABELLED_VERSIONS = 100;
const MAX_TAGS = 50;
const NAME = /^[A-Za-z0-9/_+=.@!-]+$/;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Labels Secrets Manager itself maintains: moving AWSCURRENT demotes the old version to AWSPREVIOUS. */
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';

interface Scope {
  account: string;
  region: string;
}

interface SecretValue {
  bytes: Buffer;
  binary: boolean;
}

function scopeOf(ctx: RequestContext): Scope {
  return { account: ctx.account, region: ctx.region };
}

const notFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const markedForDeletion = () => new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");

function secretArn(scope: Scope, name: string): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)];
  return arn('secretsmanager', scope.region, scope.account, `secret:${name}-${suffix}`);
}

/** The value a request carries; undefined when it carries none. */
function valueOf(input: { SecretString?: string; SecretBinary?: Uint8Array }): SecretValue | undefined {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw new AwsError('InvalidParameterException', "You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (input.SecretString !== undefined) return { bytes: Buffer.from(input.SecretString, 'utf8'), binary: false };
  if (input.SecretBinary !== undefined) return { bytes: Buffer.from(input.SecretBinary), binary: true };
  return undefined;
}

function validateTags(tags: S.Tag[]): void {
  for (const tag of tags) {
    if (tag.Key === undefined || tag.Value === undefined) throw new AwsError('InvalidParameterException', 'A tag must have both a Key and a Value.');
    if (tag.Key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidParameterException', `Invalid tag key: tag keys beginning with 'aws:' are reserved (${tag.Key}).`);
  }
}

function validatePolicyJson(policy: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw new AwsError('MalformedPolicyDocumentException', 'This resource policy contains an unsupported syntax: it is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('Statement' in doc)) {
    throw new AwsError('MalformedPolicyDocumentException', 'This resource policy contains an unsupported syntax: it needs a Statement.');
  }
  return doc as Record<string, unknown>;
}

/** An Allow statement for every principal without conditions makes a policy public. */
function isPublic(doc: Record<string, unknown>): boolean {
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.some((st: unknown) => {
    if (typeof st !== 'object' || st === null) return false;
    const s = st as Record<string, unknown>;
    const principal = s.Principal;
    const everyone = principal === '*' || (typeof principal === 'object' && principal !== null && [(principal as Record<string, unknown>).AWS].flat().includes('*'));
    return s.Effect === 'Allow' && everyone && s.Condition === undefined;
  });
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

function decodeToken(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through to the error below
  }
  throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
}

function paginate<T>(items: T[], token: string | undefined, maxResults: number | undefined, defaultMax: number): { page: T[]; NextToken?: string } {
  const offset = decodeToken(token);
  const max = maxResults ?? defaultMax;
  const page = items.slice(offset, offset + max);
  return { page, NextToken: offset + max < items.length ? encodeToken(offset + max) : undefined };
}

/** ListSecrets filters: values of one filter are ORed (a leading `!` negates), filters are ANDed. */
function matchesFilters(secret: SecretRow, tags: { tag_key: string; tag_value: string }[], filters: S.Filter[]): boolean {
  const words = (text: string) => [text.toLowerCase(), ...text.toLowerCase().split(/[\s/_+=.@-]+/)];
  const test = (key: string, term: string): boolean => {
    switch (key) {
      case 'name':
        return secret.name.startsWith(term);
      case 'description':
        return (secret.description ?? '').toLowerCase().startsWith(term.toLowerCase());
      case 'tag-key':
        return tags.some((t) => t.tag_key.startsWith(term));
      case 'tag-value':
        return tags.some((t) => t.tag_value.startsWith(term));
      case 'primary-region':
        return (secret.primary_region ?? secret.region).startsWith(term);
      case 'owning-service':
        // Secrets created through the API have no owning service.
        return false;
      case 'all': {
        const lower = term.toLowerCase();
        const fields = [secret.name, secret.description ?? '', ...tags.map((t) => t.tag_key), ...tags.map((t) => t.tag_value)];
        return fields.some((f) => words(f).some((w) => w.startsWith(lower)));
      }
      default:
        return false;
    }
  };
  return filters.every((filter) => {
    const values = filter.Values ?? [];
    const positives = values.filter((v) => !v.startsWith('!'));
    const negatives = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
    return (positives.length === 0 || positives.some((v) => test(filter.Key!, v))) && negatives.every((v) => !test(filter.Key!, v));
  });
}

function validateFilters(filters: S.Filter[] | undefined): void {
  for (const filter of filters ?? []) {
    if (filter.Key === undefined) throw new AwsError('InvalidParameterException', 'Invalid filter key: a filter needs a Key.');
    if (!filter.Values?.length) throw new AwsError('InvalidParameterException', `Invalid filter values for key ${filter.Key}: at least one value is required.`);
  }
}

export function createHandlers(store: SecretsStore, rt: Runtime): Handlers {
  const kms = () => rt.api('kms');
  const tuple = (scope: Scope): [string, string] => [scope.account, scope.region];
  /** Secret Manager's KMS encryption context, as AWS binds it. */
  const contextOf = (secretArnText: string, versionId: string) => ({ SecretARN: secretArnText, SecretVersionId: versionId });

  function encrypt(scope: Scope, secret: SecretRow, versionId: string, value: SecretValue): { ciphertext: Buffer; keyArn: string } {
    try {
      const { ciphertextBlob, keyArn } = kms().encrypt(scope, secret.kms_key_id ?? DEFAULT_KMS_KEY, value.bytes, contextOf(secret.arn, versionId));
      return { ciphertext: ciphertextBlob, keyArn };
    } catch (err) {
      if (err instanceof AwsError) {
        throw new AwsError('EncryptionFailure', `Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state. (${err.code}: ${err.message})`);
      }
      throw err;
    }
  }

  function decrypt(scope: Scope, secret: SecretRow, version: VersionRow): SecretValue {
    try {
      return { bytes: kms().decrypt(scope, version.ciphertext, contextOf(secret.arn, version.version_id)).plaintext, binary: version.is_binary === 1 };
    } catch (err) {
      if (err instanceof AwsError) {
        throw new AwsError('DecryptionFailure', `Secrets Manager can't decrypt the protected secret text using the provided KMS key. (${err.code}: ${err.message})`);
      }
      throw err;
    }
  }

  /** Purges secrets whose recovery window has ended. */
  function sweep(scope: Scope): void {
    const expired = store.expired(tuple(scope), rt.clock.now());
    if (expired.length) store.tx(() => expired.forEach((a) => store.purge(a)));
  }

  /** A secret by name, full ARN or partial ARN (without the random suffix). */
  function find(scope: Scope, secretId: string): SecretRow {
    let row = secretId.startsWith('arn:') ? store.byArn(tuple(scope), secretId) : store.byName(tuple(scope), secretId);
    if (!row && secretId.startsWith('arn:')) {
      const parsed = parseArn(secretId);
      if (parsed?.service === 'secretsmanager' && parsed.account === scope.account && parsed.region === scope.region && parsed.resource.startsWith('secret:')) {
        row = store.byName(tuple(scope), parsed.resource.slice('secret:'.length));
      }
    }
    if (!row) throw notFound();
    return row;
  }

  function findLive(scope: Scope, secretId: string): SecretRow {
    const row = find(scope, secretId);
    if (row.deleted_at !== null) throw markedForDeletion();
    return row;
  }

  /** A live secret that accepts changes: replicas change only through their primary. */
  function findWritable(scope: Scope, secretId: string): SecretRow {
    const row = findLive(scope, secretId);
    assertNotReplica(row);
    return row;
  }

  function assertNotReplica(secret: SecretRow): void {
    if (secret.primary_region !== null) {
      throw new AwsError('InvalidRequestException', `Operation is not permitted on a replica secret. Make the change on the primary secret in ${secret.primary_region}.`);
    }
  }

  function replicasOf(secret: SecretRow): SecretRow[] {
    return secret.primary_region === null ? store.replicas(secret.account, secret.name, secret.region) : [];
  }

  /**
   * Copies the primary's metadata, tags, versions and labels into a replica, each value
   * re-encrypted under the replica's KMS key and ARN. A failure marks the replica Failed, as AWS
   * reports replication problems in the status instead of failing the primary's request.
   */
  function syncReplica(primary: SecretRow, replica: SecretRow): void {
    const primaryScope = { account: primary.account, region: primary.region };
    const replicaScope = { account: replica.account, region: replica.region };
    let status = 'InSync';
    let message = 'Replication succeeded';
    try {
      store.tx(() => {
        store.clearContent(replica.arn);
        for (const tag of store.tags(primary.arn)) store.putTag(replica.arn, tag.tag_key, tag.tag_value);
        for (const version of store.versions(primary.arn).reverse()) {
          const { ciphertext, keyArn } = encrypt(replicaScope, replica, version.version_id, decrypt(primaryScope, primary, version));
          store.insertVersion({ ...version, secret_arn: replica.arn, ciphertext, kms_key_arn: keyArn, last_accessed_at: null });
        }
        for (const [stage, versionId] of store.stages(primary.arn)) store.setStage(replica.arn, stage, versionId);
      });
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      status = 'Failed';
      message = err.message;
    }
    store.updateSecret({
      ...replica,
      description: primary.description,
      type: primary.type,
      resource_policy: primary.resource_policy,
      last_changed_at: primary.last_changed_at,
      replication_status: status,
      replication_message: message,
    });
  }

  /** Brings every replica of a primary up to date after a change. */
  function syncReplicas(scope: Scope, primaryArn: string): void {
    const primary = store.byArn(tuple(scope), primaryArn);
    if (primary) for (const replica of replicasOf(primary)) syncReplica(primary, replica);
  }

  function replicationStatus(primary: SecretRow): S.ReplicationStatusType[] {
    return replicasOf(primary).map((r) => ({
      Region: r.region,
      KmsKeyId: r.kms_key_id ?? DEFAULT_KMS_KEY,
      Status: r.replication_status as S.StatusType,
      StatusMessage: r.replication_message ?? undefined,
      LastAccessedDate: r.last_accessed_at === null ? undefined : new Date(r.last_accessed_at),
    }));
  }

  /** Creates (or, with force, takes over) a replica in each Region; Regions that refuse are reported Failed. */
  function addReplicas(scope: Scope, primary: SecretRow, regions: S.ReplicaRegionType[], force: boolean): S.ReplicationStatusType[] {
    const refused: S.ReplicationStatusType[] = [];
    for (const { Region: region, KmsKeyId: kmsKeyId } of regions) {
      if (!region || !isRegion(region) || region === primary.region) throw new AwsError('InvalidParameterException', `Invalid replica Region ${region}: it must be a Region other than the primary's.`);
      const replicaScope = { account: scope.account, region };
      const existing = store.byName(tuple(replicaScope), primary.name);
      if (existing?.primary_region === primary.region) continue;
      if (existing && !force) {
        refused.push({ Region: region, KmsKeyId: kmsKeyId, Status: 'Failed', StatusMessage: 'Destination secret already exists. Set ForceOverwriteReplicaSecret to overwrite it.' });
        continue;
      }
      if (existing) store.purge(existing.arn);
      const replica: SecretRow = {
        ...primary,
        region,
        arn: arn('secretsmanager', region, scope.account, parseArn(primary.arn)!.resource),
        kms_key_id: kmsKeyId || null,
        created_at: rt.clock.now(),
        last_accessed_at: null,
        primary_region: primary.region,
        replication_status: 'InProgress',
        replication_message: null,
      };
      store.insertSecret(replica);
      syncReplica(primary, replica);
    }
    return [...replicationStatus(primary), ...refused];
  }

  /** Version id → its staging labels, for versions that have any. */
  function versionsToStages(secretArnText: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [stage, versionId] of store.stages(secretArnText)) (out[versionId] ??= []).push(stage);
    return out;
  }

  /** Attaches a label to a version, moving it off any other; AWSCURRENT leaves AWSPREVIOUS behind. */
  function attachStage(secretArnText: string, stage: string, versionId: string): void {
    const stages = store.stages(secretArnText);
    const holder = stages.get(stage);
    if (stage === CURRENT && holder !== undefined && holder !== versionId) store.setStage(secretArnText, PREVIOUS, holder);
    store.setStage(secretArnText, stage, versionId);
    const count = [...store.stages(secretArnText).values()].filter((v) => v === versionId).length;
    if (count > MAX_STAGES_PER_VERSION) throw new AwsError('LimitExceededException', `A version can have at most ${MAX_STAGES_PER_VERSION} staging labels.`);
  }

  /**
   * Adds a version (or recognizes a retry): the same ClientRequestToken with the same value is the
   * same request; with another value it is an attempt to modify a version, which AWS refuses.
   */
  function addVersion(scope: Scope, secret: SecretRow, value: SecretValue, token: string | undefined, stages: string[]): { versionId: string; created: boolean } {
    const versionId = token ?? uuid();
    const existing = store.version(secret.arn, versionId);
    if (existing) {
      const old = decrypt(scope, secret, existing);
      if (old.binary === value.binary && old.bytes.equals(value.bytes)) return { versionId, created: false };
      throw new AwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
    }
    const now = rt.clock.now();
    const { ciphertext, keyArn } = encrypt(scope, secret, versionId, value);
    store.insertVersion({ secret_arn: secret.arn, version_id: versionId, ciphertext, is_binary: value.binary ? 1 : 0, kms_key_arn: keyArn, created_at: now, last_accessed_at: null });
    // The first version of a secret always becomes AWSCURRENT, whatever labels were asked for.
    const labels = store.stages(secret.arn).has(CURRENT) || stages.includes(CURRENT) ? stages : [...stages, CURRENT];
    for (const stage of labels) attachStage(secret.arn, stage, versionId);
    store.pruneUnlabelled(secret.arn, MAX_UNLABELLED_VERSIONS);
    store.updateSecret({ ...secret, last_changed_at: now });
    return { versionId, created: true };
  }

  function tagList(secretArnText: string): S.Tag[] {
    return store.tags(secretArnText).map((t) => ({ Key: t.tag_key, Value: t.tag_value }));
  }

  function readValue(scope: Scope, secret: SecretRow, versionId: string | undefined, stage: string | undefined): { version: VersionRow; value: SecretValue; stages: string[] } {
    const byVersion = versionsToStages(secret.arn);
    let version: VersionRow | undefined;
    if (versionId !== undefined) {
      version = store.version(secret.arn, versionId);
      if (!version) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      if (stage !== undefined && !(byVersion[versionId] ?? []).includes(stage)) {
        throw new AwsError('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.');
      }
    } else {
      const label = stage ?? CURRENT;
      const id = store.stages(secret.arn).get(label);
      version = id === undefined ? undefined : store.version(secret.arn, id);
      if (!version) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${label}`);
    }
    const value = decrypt(scope, secret, version);
    // AWS records access dates to the day.
    const today = Math.floor(rt.clock.now() / DAY_MS) * DAY_MS;
    store.tx(() => {
      store.touchVersion(secret.arn, version.version_id, today);
      store.updateSecret({ ...secret, last_accessed_at: today });
    });
    return { version, value, stages: byVersion[version.version_id] ?? [] };
  }

  function valueEntry(secret: SecretRow, read: ReturnType<typeof readValue>): S.GetSecretValueResponse {
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: read.version.version_id,
      ...(read.value.binary ? { SecretBinary: read.value.bytes } : { SecretString: read.value.bytes.toString('utf8') }),
      VersionStages: read.stages,
      CreatedDate: new Date(read.version.created_at),
    };
  }

  function listEntry(secret: SecretRow): S.SecretListEntry {
    const tags = tagList(secret.arn);
    return {
      ARN: secret.arn,
      Name: secret.name,
      Type: secret.type ?? undefined,
      Description: secret.description ?? undefined,
      KmsKeyId: secret.kms_key_id ?? undefined,
      LastChangedDate: new Date(secret.last_changed_at),
      LastAccessedDate: secret.last_accessed_at === null ? undefined : new Date(secret.last_accessed_at),
      DeletedDate: secret.deleted_at === null ? undefined : new Date(secret.deleted_at),
      Tags: tags.length ? tags : undefined,
      SecretVersionsToStages: versionsToStages(secret.arn),
      CreatedDate: new Date(secret.created_at),
      PrimaryRegion: secret.primary_region ?? (replicasOf(secret).length ? secret.region : undefined),
    };
  }

  function filteredSecrets(scope: Scope, filters: S.Filter[] | undefined, includeDeleted: boolean): SecretRow[] {
    validateFilters(filters);
    return store
      .all(tuple(scope))
      .filter((s) => includeDeleted || s.deleted_at === null)
      .filter((s) => matchesFilters(s, store.tags(s.arn), filters ?? []));
  }

  const handlers: Record<string, Handler> = {
    CreateSecret(input: S.CreateSecretRequest, ctx): S.CreateSecretResponse {
      const scope = scopeOf(ctx);
      const name = input.Name!;
      if (!NAME.test(name)) throw new AwsError('InvalidParameterException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
      const value = valueOf(input);
      const tags = input.Tags ?? [];
      validateTags(tags);
      if (tags.length > MAX_TAGS) throw new AwsError('InvalidParameterException', `A secret can have at most ${MAX_TAGS} tags.`);
      return store.tx(() => {
        const existing = store.byName(tuple(scope), name);
        if (existing) {
          if (existing.deleted_at !== null) throw new AwsError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
          // A retry of the request that created this secret (same token, same value) succeeds again.
          const retried = input.ClientRequestToken === undefined ? undefined : store.version(existing.arn, input.ClientRequestToken);
          if (retried && value) {
            const old = decrypt(scope, existing, retried);
            if (old.binary === value.binary && old.bytes.equals(value.bytes)) return { ARN: existing.arn, Name: existing.name, VersionId: retried.version_id };
          }
          throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
        }
        const now = rt.clock.now();
        const secret: SecretRow = {
          account: scope.account,
          region: scope.region,
          name,
          arn: secretArn(scope, name),
          description: input.Description ?? null,
          kms_key_id: input.KmsKeyId || null,
          type: input.Type ?? null,
          resource_policy: null,
          created_at: now,
          last_changed_at: now,
          last_accessed_at: null,
          deleted_at: null,
          deletion_date: null,
          primary_region: null,
          replication_status: null,
          replication_message: null,
        };
        store.insertSecret(secret);
        for (const tag of tags) store.putTag(secret.arn, tag.Key!, tag.Value!);
        const version = value ? addVersion(scope, secret, value, input.ClientRequestToken, [CURRENT]) : undefined;
        const replication = input.AddReplicaRegions?.length
          ? addReplicas(scope, store.byArn(tuple(scope), secret.arn)!, input.AddReplicaRegions, input.ForceOverwriteReplicaSecret === true)
          : undefined;
        return { ARN: secret.arn, Name: name, VersionId: version?.versionId, ReplicationStatus: replication };
      });
    },

    GetSecretValue(input: S.GetSecretValueRequest, ctx): S.GetSecretValueResponse {
      const scope = scopeOf(ctx);
      const secret = findLive(scope, input.SecretId!);
      return valueEntry(secret, readValue(scope, secret, input.VersionId, input.VersionStage));
    },

    BatchGetSecretValue(input: S.BatchGetSecretValueRequest, ctx): S.BatchGetSecretValueResponse {
      const scope = scopeOf(ctx);
      if ((input.SecretIdList === undefined) === (input.Filters === undefined)) {
        throw new AwsError('InvalidParameterException', 'Either SecretIdList or Filters must be provided, but not both.');
      }
      if (input.SecretIdList) {
        if (input.MaxResults !== undefined) throw new AwsError('InvalidParameterException', 'MaxResults can only be used with Filters.');
        const SecretValues: S.SecretValueEntry[] = [];
        const Errors: S.APIErrorType[] = [];
        for (const secretId of input.SecretIdList) {
          try {
            const secret = findLive(scope, secretId);
            SecretValues.push(valueEntry(secret, readValue(scope, secret, undefined, undefined)));
          } catch (err) {
            if (!(err instanceof AwsError)) throw err;
            Errors.push({ SecretId: secretId, ErrorCode: err.code, Message: err.message });
          }
        }
        return { SecretValues, Errors };
      }
      const { page, NextToken } = paginate(filteredSecrets(scope, input.Filters, false), input.NextToken, input.MaxResults, 20);
      const SecretValues: S.SecretValueEntry[] = [];
      const Errors: S.APIErrorType[] = [];
      for (const secret of page) {
        try {
          SecretValues.push(valueEntry(secret, readValue(scope, secret, undefined, undefined)));
        } catch (err) {
          if (!(err instanceof AwsError)) throw err;
          Errors.push({ SecretId: secret.arn, ErrorCode: err.code, Message: err.message });
        }
      }
      return { SecretValues, Errors, NextToken };
    },

    PutSecretValue(input: S.PutSecretValueRequest, ctx): S.PutSecretValueResponse {
      const scope = scopeOf(ctx);
      const value = valueOf(input);
      if (!value) throw new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
      return store.tx(() => {
        const secret = findWritable(scope, input.SecretId!);
        const { versionId } = addVersion(scope, secret, value, input.ClientRequestToken, input.VersionStages ?? [CURRENT]);
        syncReplicas(scope, secret.arn);
        return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: versionsToStages(secret.arn)[versionId] ?? [] };
      });
    },

    UpdateSecret(input: S.UpdateSecretRequest, ctx): S.UpdateSecretResponse {
      const scope = scopeOf(ctx);
      const value = valueOf(input);
      return store.tx(() => {
        let secret = findWritable(scope, input.SecretId!);
        const now = rt.clock.now();
        const newKey = input.KmsKeyId === undefined ? secret.kms_key_id : input.KmsKeyId || null;
        const keyChanged = newKey !== secret.kms_key_id;
        secret = { ...secret, description: input.Description ?? secret.description, kms_key_id: newKey, type: input.Type ?? secret.type, last_changed_at: now };
        store.updateSecret(secret);
        if (keyChanged && !value) {
          // AWS re-encrypts the versions its rotation labels point at under the new key.
          const stages = store.stages(secret.arn);
          const ids = new Set([CURRENT, PREVIOUS, 'AWSPENDING'].map((s) => stages.get(s)).filter((v): v is string => v !== undefined));
          for (const versionId of ids) {
            const version = store.version(secret.arn, versionId)!;
            const plain = decrypt(scope, secret, version);
            const { ciphertext, keyArn } = encrypt(scope, secret, versionId, plain);
            store.reencryptVersion(secret.arn, versionId, ciphertext, keyArn);
          }
        }
        const version = value ? addVersion(scope, secret, value, input.ClientRequestToken, [CURRENT]) : undefined;
        syncReplicas(scope, secret.arn);
        return { ARN: secret.arn, Name: secret.name, VersionId: version?.versionId };
      });
    },

    DescribeSecret(input: S.DescribeSecretRequest, ctx): S.DescribeSecretResponse {
      const scope = scopeOf(ctx);
      const secret = find(scope, input.SecretId!);
      const { SecretVersionsToStages, ...entry } = listEntry(secret);
      const replication = replicationStatus(secret);
      return { ...entry, VersionIdsToStages: SecretVersionsToStages, ReplicationStatus: replication.length ? replication : undefined };
    },

    ListSecrets(input: S.ListSecretsRequest, ctx): S.ListSecretsResponse {
      const scope = scopeOf(ctx);
      const sortBy = input.SortBy ?? 'created-date';
      const sortKey = (s: SecretRow): string | number =>
        sortBy === 'name' ? s.name : sortBy === 'last-accessed-date' ? (s.last_accessed_at ?? 0) : sortBy === 'last-changed-date' ? s.last_changed_at : s.created_at;
      const direction = input.SortOrder === 'desc' ? -1 : 1;
      const secrets = filteredSecrets(scope, input.Filters, input.IncludePlannedDeletion === true).sort((a, b) => {
        const ka = sortKey(a);
        const kb = sortKey(b);
        return (ka < kb ? -1 : ka > kb ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0) * direction;
      });
      const { page, NextToken } = paginate(secrets, input.NextToken, input.MaxResults, 100);
      return { SecretList: page.map(listEntry), NextToken };
    },

    ListSecretVersionIds(input: S.ListSecretVersionIdsRequest, ctx): S.ListSecretVersionIdsResponse {
      const scope = scopeOf(ctx);
      const secret = find(scope, input.SecretId!);
      const stages = versionsToStages(secret.arn);
      const versions = store.versions(secret.arn).filter((v) => input.IncludeDeprecated === true || stages[v.version_id] !== undefined);
      const { page, NextToken } = paginate(versions, input.NextToken, input.MaxResults, 100);
      return {
        ARN: secret.arn,
        Name: secret.name,
        Versions: page.map((v) => ({
          VersionId: v.version_id,
          VersionStages: stages[v.version_id],
          CreatedDate: new Date(v.created_at),
          LastAccessedDate: v.last_accessed_at === null ? undefined : new Date(v.last_accessed_at),
          KmsKeyIds: [secret.kms_key_id ?? 'DefaultEncryptionKey'],
        })),
        NextToken,
      };
    },

    DeleteSecret(input: S.DeleteSecretRequest, ctx): S.DeleteSecretResponse {
      const scope = scopeOf(ctx);
      if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
        throw new AwsError('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      }
      const days = input.RecoveryWindowInDays ?? 30;
      if (!input.ForceDeleteWithoutRecovery && (days < 7 || days > 30)) {
        throw new AwsError('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
      }
      return store.tx(() => {
        const secret = find(scope, input.SecretId!);
        assertNotReplica(secret);
        if (replicasOf(secret).length) throw new AwsError('InvalidRequestException', `You can't delete secret ${secret.name} while it has replicas. Remove the replicas first.`);
        const now = rt.clock.now();
        if (input.ForceDeleteWithoutRecovery) {
          store.purge(secret.arn);
          return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(now) };
        }
        if (secret.deleted_at !== null) throw new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was already scheduled for deletion.");
        const deletionDate = now + days * DAY_MS;
        store.updateSecret({ ...secret, deleted_at: now, deletion_date: deletionDate });
        return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(deletionDate) };
      });
    },

    RestoreSecret(input: S.RestoreSecretRequest, ctx): S.RestoreSecretResponse {
      const scope = scopeOf(ctx);
      return store.tx(() => {
        const secret = find(scope, input.SecretId!);
        assertNotReplica(secret);
        store.updateSecret({ ...secret, deleted_at: null, deletion_date: null });
        return { ARN: secret.arn, Name: secret.name };
      });
    },

    UpdateSecretVersionStage(input: S.UpdateSecretVersionStageRequest, ctx): S.UpdateSecretVersionStageResponse {
      const scope = scopeOf(ctx);
      const stage = input.VersionStage!;
      return store.tx(() => {
        const secret = findWritable(scope, input.SecretId!);
        const holder = store.stages(secret.arn).get(stage);
        for (const id of [input.MoveToVersionId, input.RemoveFromVersionId]) {
          if (id !== undefined && !store.version(secret.arn, id)) throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${id}`);
        }
        if (input.RemoveFromVersionId !== undefined && holder !== input.RemoveFromVersionId) {
          throw new AwsError('InvalidParameterException', `The staging label ${stage} is not currently attached to version ${input.RemoveFromVersionId}, so you can't remove it.`);
        }
        if (input.MoveToVersionId === undefined) {
          if (input.RemoveFromVersionId === undefined) throw new AwsError('InvalidParameterException', 'You must specify MoveToVersionId, RemoveFromVersionId, or both.');
          if (stage === CURRENT) throw new AwsError('InvalidParameterException', 'You can only move staging label AWSCURRENT to a different secret version. It can\'t be completely removed.');
          store.removeStage(secret.arn, stage);
        } else if (holder !== input.MoveToVersionId) {
          if (holder !== undefined && input.RemoveFromVersionId === undefined) {
            throw new AwsError(
              'InvalidParameterException',
              `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
            );
          }
          attachStage(secret.arn, stage, input.MoveToVersionId);
        }
        store.updateSecret({ ...secret, last_changed_at: rt.clock.now() });
        syncReplicas(scope, secret.arn);
        return { ARN: secret.arn, Name: secret.name };
      });
    },

    GetRandomPassword(input: S.GetRandomPasswordRequest): S.GetRandomPasswordResponse {
      return { RandomPassword: randomPassword(input) };
    },

    TagResource(input: S.TagResourceRequest, ctx) {
      const scope = scopeOf(ctx);
      validateTags(input.Tags!);
      store.tx(() => {
        const secret = findWritable(scope, input.SecretId!);
        for (const tag of input.Tags!) store.putTag(secret.arn, tag.Key!, tag.Value!);
        if (store.tags(secret.arn).length > MAX_TAGS) throw new AwsError('InvalidParameterException', `A secret can have at most ${MAX_TAGS} tags.`);
        syncReplicas(scope, secret.arn);
      });
      return {};
    },

    UntagResource(input: S.UntagResourceRequest, ctx) {
      const scope = scopeOf(ctx);
      store.tx(() => {
        const secret = findWritable(scope, input.SecretId!);
        for (const key of input.TagKeys!) store.deleteTag(secret.arn, key);
        syncReplicas(scope, secret.arn);
      });
      return {};
    },

    GetResourcePolicy(input: S.GetResourcePolicyRequest, ctx): S.GetResourcePolicyResponse {
      const secret = find(scopeOf(ctx), input.SecretId!);
      return { ARN: secret.arn, Name: secret.name, ResourcePolicy: secret.resource_policy ?? undefined };
    },

    PutResourcePolicy(input: S.PutResourcePolicyRequest, ctx): S.PutResourcePolicyResponse {
      const scope = scopeOf(ctx);
      const doc = validatePolicyJson(input.ResourcePolicy!);
      if (input.BlockPublicPolicy && isPublic(doc)) throw new AwsError('PublicPolicyException', 'You can\'t attach a resource-based policy that allows broad access to the secret.');
      return store.tx(() => {
        const secret = findWritable(scope, input.SecretId!);
        store.updateSecret({ ...secret, resource_policy: input.ResourcePolicy! });
        syncReplicas(scope, secret.arn);
        return { ARN: secret.arn, Name: secret.name };
      });
    },

    DeleteResourcePolicy(input: S.DeleteResourcePolicyRequest, ctx): S.DeleteResourcePolicyResponse {
      const scope = scopeOf(ctx);
      return store.tx(() => {
        const secret = findWritable(scope, input.SecretId!);
        store.updateSecret({ ...secret, resource_policy: null });
        syncReplicas(scope, secret.arn);
        return { ARN: secret.arn, Name: secret.name };
      });
    },

    ReplicateSecretToRegions(input: S.ReplicateSecretToRegionsRequest, ctx): S.ReplicateSecretToRegionsResponse {
      const scope = scopeOf(ctx);
      return store.tx(() => {
        const secret = findWritable(scope, input.SecretId!);
        return { ARN: secret.arn, ReplicationStatus: addReplicas(scope, secret, input.AddReplicaRegions!, input.ForceOverwriteReplicaSecret === true) };
      });
    },

    RemoveRegionsFromReplication(input: S.RemoveRegionsFromReplicationRequest, ctx): S.RemoveRegionsFromReplicationResponse {
      const scope = scopeOf(ctx);
      return store.tx(() => {
        const secret = findWritable(scope, input.SecretId!);
        const replicas = replicasOf(secret);
        for (const region of input.RemoveReplicaRegions!) {
          const replica = replicas.find((r) => r.region === region);
          if (!replica) throw new AwsError('InvalidParameterException', `The secret ${secret.name} is not replicated to ${region}.`);
          store.purge(replica.arn);
        }
        return { ARN: secret.arn, ReplicationStatus: replicationStatus(secret) };
      });
    },

    StopReplicationToReplica(input: S.StopReplicationToReplicaRequest, ctx): S.StopReplicationToReplicaResponse {
      const scope = scopeOf(ctx);
      return store.tx(() => {
        const secret = findLive(scope, input.SecretId!);
        if (secret.primary_region === null) throw new AwsError('InvalidRequestException', `The secret ${secret.name} is not a replica secret.`);
        // The replica becomes a standalone secret in its own Region.
        store.updateSecret({ ...secret, primary_region: null, replication_status: null, replication_message: null });
        return { ARN: secret.arn };
      });
    },

    ValidateResourcePolicy(input: S.ValidateResourcePolicyRequest, ctx): S.ValidateResourcePolicyResponse {
      if (input.SecretId !== undefined) find(scopeOf(ctx), input.SecretId);
      validatePolicyJson(input.ResourcePolicy!);
      return { PolicyValidationPassed: true, ValidationErrors: [] };
    },
  };

  // Every operation first purges secrets whose recovery window is over, as AWS would have by now.
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      (input: object, ctx: RequestContext) => {
        sweep(scopeOf(ctx));
        return handler(input, ctx);
      },
    ]),
  );
}
