/**
 * What each KMS operation needs to be allowed, from AWS's Service Authorization Reference
 * ("Actions, resources, and condition keys for AWS Key Management Service").
 *
 * Operations on one key are checked on the key's ARN (the key policy, `required`, comes from the
 * KMS instance's resourcePolicy), with its tags as `aws:ResourceTag/…`; a key named by alias is
 * checked on the key the alias points to (with `kms:RequestAlias`), which is why the table is built
 * in create() over the store. Alias operations are checked on the alias ARN (IAM policies only) and
 * on the keys involved. Decrypt is checked on the key the ciphertext names (another account's key
 * when the request's KeyId ARN names it). Every rule carries `kms:CallerAccount` and, when another service calls KMS for
 * its caller (aws:CalledVia), `kms:ViaService` (`ssm.us-east-1.amazonaws.com`), which is how the AWS
 * managed keys' policies let the account use them only through their service.
 */
import type * as K from '@aws-sdk/client-kms';
import { partitionOf } from '../../core/arn.js';
import type { ContextValue } from '../../core/policy.js';
import type { RequestContext } from '../../protocol/types.js';
import type { ActionRule, ResourceSpec, ServiceAuthorization } from '../authorization.js';
import { readHeader } from './envelope.js';

/** What the table reads of the stored keys and aliases. */
export interface KeyLookup {
  /** The ARN of the key an alias ARN points to, or undefined when the alias does not exist. */
  aliasTarget(aliasArn: string): string | undefined;
  /** The tags of the key a key ARN names. */
  tags(keyArn: string): Record<string, string>;
}

/** The ARN a key identifier names as written: key id → key ARN, `alias/x` → alias ARN, ARNs as given; `*` for none. */
function namedResource(keyId: string | undefined, ctx: RequestContext, region = ctx.region): string {
  if (!keyId) return '*';
  if (keyId.startsWith('arn:')) return keyId;
  const base = `arn:${partitionOf(region)}:kms:${region}:${ctx.account}`;
  return keyId.startsWith('alias/') ? `${base}:${keyId}` : `${base}:key/${keyId}`;
}

/** `kms:RequestAlias` when the request names the key by an alias. */
function requestAlias(keyId: string | undefined): Record<string, ContextValue> {
  if (!keyId) return {};
  const alias = keyId.startsWith('alias/') ? keyId : /^arn:[^:]+:kms:[^:]*:[^:]*:(alias\/.+)$/.exec(keyId)?.[1];
  return alias ? { 'kms:RequestAlias': alias } : {};
}

/** The keys every KMS request carries: the caller's account and the service it came through. */
function callerContext(ctx: RequestContext): Record<string, ContextValue> {
  const via = ctx.calledVia?.at(-1);
  return {
    'kms:CallerAccount': ctx.principal.account,
    ...(via ? { 'kms:ViaService': `${via.replace(/\.amazonaws\.com$/, '')}.${ctx.region}.amazonaws.com` } : {}),
  };
}

/** `kms:EncryptionContext:<key>` for each pair, and `kms:EncryptionContextKeys`. */
function encryptionContext(context: Record<string, string> | undefined): Record<string, ContextValue> {
  if (!context) return {};
  const out: Record<string, ContextValue> = { 'kms:EncryptionContextKeys': Object.keys(context) };
  for (const [key, value] of Object.entries(context)) out[`kms:EncryptionContext:${key}`] = value;
  return out;
}

function requestTags(tags: K.Tag[] | undefined): Record<string, ContextValue> {
  if (!tags?.length) return {};
  const out: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.TagKey ?? '') };
  for (const tag of tags) out[`aws:RequestTag/${tag.TagKey}`] = tag.TagValue ?? '';
  return out;
}

type Input = Record<string, unknown>;
type ContextOf = (input: Input, ctx: RequestContext) => Record<string, ContextValue>;

/** A rule checked on `*` (operations on no particular key, or on all of them). */
function onAll(own?: ContextOf, extra: Partial<ActionRule> = {}): ActionRule {
  return { resource: '*', context: (input: Input, ctx) => ({ ...callerContext(ctx), ...own?.(input, ctx) }), ...extra };
}

const withEncryptionContext: ContextOf = (input) => encryptionContext(input.EncryptionContext as Record<string, string> | undefined);
const encrypting: ContextOf = (input) => ({
  ...encryptionContext(input.EncryptionContext as Record<string, string> | undefined),
  'kms:EncryptionAlgorithm': (input.EncryptionAlgorithm as string | undefined) ?? 'SYMMETRIC_DEFAULT',
});
const dataKeyPair: ContextOf = (input) => ({ ...encryptionContext(input.EncryptionContext as Record<string, string> | undefined), 'kms:DataKeyPairSpec': input.KeyPairSpec as string });
const signing: ContextOf = (input) => ({ 'kms:SigningAlgorithm': input.SigningAlgorithm as string, 'kms:MessageType': (input.MessageType as string | undefined) ?? 'RAW' });
const mac: ContextOf = (input) => ({ 'kms:MacAlgorithm': input.MacAlgorithm as string });
/** Tagging a key as it is created or replicated also needs kms:TagResource. */
const tagOnCreate = (resource: ResourceSpec) => ({ action: 'kms:TagResource', resource, when: (input: { Tags?: K.Tag[] }) => (input.Tags?.length ?? 0) > 0 });

export function kmsAuthorization(lookup: KeyLookup): ServiceAuthorization {
  /** The key an identifier names: an alias resolves to its key when it exists. */
  const keyResource = (keyId: string | undefined, ctx: RequestContext, region = ctx.region): string => {
    const named = namedResource(keyId, ctx, region);
    return named.includes(':alias/') ? (lookup.aliasTarget(named) ?? named) : named;
  };
  /**
   * The key a symmetric ciphertext names (it carries its key id: in the caller's account, or the
   * account of a KeyId ARN naming the same key); the request's KeyId otherwise.
   */
  const ciphertextKey = (blob: Uint8Array | undefined, keyId: string | undefined, ctx: RequestContext): string => {
    const header = blob ? readHeader(Buffer.from(blob)) : undefined;
    if (!header) return keyResource(keyId, ctx);
    const named = keyId ? keyResource(keyId, ctx) : undefined;
    return named?.endsWith(`:key/${header.keyId}`) ? named : keyResource(header.keyId, ctx);
  };
  const resourceTags = (resource: string): Record<string, ContextValue> =>
    Object.fromEntries(Object.entries(resource.includes(':key/') ? lookup.tags(resource) : {}).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));
  /** A rule on one key (`KeyId`'s unless `resource` says otherwise), with the caller keys, the alias used, the key's tags and keys of its own. */
  const onKey = (own?: ContextOf, extra: Partial<ActionRule> & { resource?: (input: never, ctx: RequestContext) => string } = {}): ActionRule => {
    const resource = (extra.resource ?? ((input: { KeyId?: string }, ctx: RequestContext) => keyResource(input.KeyId, ctx))) as (input: object, ctx: RequestContext) => string;
    return {
      ...extra,
      resource,
      context: (input: Input & { KeyId?: string }, ctx) => ({ ...callerContext(ctx), ...requestAlias(input.KeyId), ...resourceTags(resource(input, ctx)), ...own?.(input, ctx) }),
    };
  };
  return {
    prefix: 'kms',
    rules: {
      CreateKey: onAll(
        (input) => ({
          'kms:KeySpec': (input.KeySpec as string | undefined) ?? (input.CustomerMasterKeySpec as string | undefined) ?? 'SYMMETRIC_DEFAULT',
          'kms:KeyUsage': (input.KeyUsage as string | undefined) ?? 'ENCRYPT_DECRYPT',
          'kms:KeyOrigin': (input.Origin as string | undefined) ?? 'AWS_KMS',
          'kms:MultiRegion': input.MultiRegion ? 'true' : 'false',
          ...(input.MultiRegion ? { 'kms:MultiRegionKeyType': 'PRIMARY' } : {}),
          'kms:BypassPolicyLockoutSafetyCheck': input.BypassPolicyLockoutSafetyCheck ? 'true' : 'false',
          ...requestTags(input.Tags as K.Tag[] | undefined),
        }),
        { also: [tagOnCreate('*')] },
      ),
      DescribeKey: onKey(),
      ListKeys: onAll(),
      UpdateKeyDescription: onKey(),
      EnableKey: onKey(),
      DisableKey: onKey(),
      ScheduleKeyDeletion: onKey((input) => ({ 'kms:ScheduleKeyDeletionPendingWindowInDays': String(input.PendingWindowInDays ?? 30) })),
      CancelKeyDeletion: onKey(),
      GetKeyLastUsage: onKey(),
      DescribeCustomKeyStores: onAll(),
      // Alias operations need the permission on the alias and on each key it points to or will.
      CreateAlias: onAll(undefined, {
        resource: (input: K.CreateAliasRequest, ctx) => [namedResource(input.AliasName, ctx), keyResource(input.TargetKeyId, ctx)],
      }),
      UpdateAlias: onAll(undefined, {
        resource: (input: K.UpdateAliasRequest, ctx) => [namedResource(input.AliasName, ctx), keyResource(input.AliasName, ctx), keyResource(input.TargetKeyId, ctx)],
      }),
      DeleteAlias: onAll(undefined, { resource: (input: K.DeleteAliasRequest, ctx) => [namedResource(input.AliasName, ctx), keyResource(input.AliasName, ctx)] }),
      ListAliases: onAll(),
      CreateGrant: onKey((input) => ({
        'kms:GranteePrincipal': input.GranteePrincipal as string,
        ...(input.RetiringPrincipal ? { 'kms:RetiringPrincipal': input.RetiringPrincipal as string } : {}),
        'kms:GrantOperations': input.Operations as string[],
        ...encryptionContext((input.Constraints as K.GrantConstraints | undefined)?.EncryptionContextEquals ?? (input.Constraints as K.GrantConstraints | undefined)?.EncryptionContextSubset),
      })),
      ListGrants: onKey((input) => (input.GranteePrincipal ? { 'kms:GranteePrincipal': input.GranteePrincipal as string } : {})),
      ListRetirableGrants: onAll(),
      RetireGrant: onKey(),
      RevokeGrant: onKey(),
      TagResource: onKey((input) => requestTags(input.Tags as K.Tag[] | undefined)),
      UntagResource: onKey((input) => ({ 'aws:TagKeys': input.TagKeys as string[] })),
      ListResourceTags: onKey(),
      GetKeyPolicy: onKey(),
      PutKeyPolicy: onKey((input) => ({ 'kms:BypassPolicyLockoutSafetyCheck': input.BypassPolicyLockoutSafetyCheck ? 'true' : 'false' })),
      ListKeyPolicies: onKey(),
      Encrypt: onKey(encrypting),
      Decrypt: onKey(encrypting, { resource: (input: K.DecryptRequest, ctx: RequestContext) => ciphertextKey(input.CiphertextBlob, input.KeyId, ctx) }),
      // ReEncrypt is two actions: ReEncryptFrom on the source key, ReEncryptTo on the destination.
      ReEncrypt: onKey(
        (input, ctx) => ({
          ...encryptionContext(input.DestinationEncryptionContext as Record<string, string> | undefined),
          'kms:ReEncryptOnSameKey':
            ciphertextKey(input.CiphertextBlob as Uint8Array, input.SourceKeyId as string | undefined, ctx) === keyResource(input.DestinationKeyId as string, ctx) ? 'true' : 'false',
        }),
        {
          action: 'kms:ReEncryptFrom',
          resource: (input: K.ReEncryptRequest, ctx: RequestContext) => ciphertextKey(input.CiphertextBlob, input.SourceKeyId, ctx),
          also: [{ action: 'kms:ReEncryptTo', resource: (input: K.ReEncryptRequest, ctx) => keyResource(input.DestinationKeyId, ctx) }],
        },
      ),
      GenerateDataKey: onKey(withEncryptionContext),
      GenerateDataKeyWithoutPlaintext: onKey(withEncryptionContext),
      GenerateDataKeyPair: onKey(dataKeyPair),
      GenerateDataKeyPairWithoutPlaintext: onKey(dataKeyPair),
      GenerateRandom: onAll(),
      Sign: onKey(signing),
      Verify: onKey(signing),
      DeriveSharedSecret: onKey((input) => ({ 'kms:KeyAgreementAlgorithm': input.KeyAgreementAlgorithm as string })),
      GetPublicKey: onKey(),
      GenerateMac: onKey(mac),
      VerifyMac: onKey(mac),
      GetParametersForImport: onKey((input) => ({ 'kms:WrappingAlgorithm': input.WrappingAlgorithm as string, 'kms:WrappingKeySpec': input.WrappingKeySpec as string })),
      ImportKeyMaterial: onKey((input) => ({
        'kms:ExpirationModel': (input.ExpirationModel as string | undefined) ?? 'KEY_MATERIAL_EXPIRES',
        ...(input.ValidTo instanceof Date ? { 'kms:ValidTo': String(Math.floor(input.ValidTo.getTime() / 1000)) } : {}),
      })),
      DeleteImportedKeyMaterial: onKey(),
      EnableKeyRotation: onKey((input) => (input.RotationPeriodInDays !== undefined ? { 'kms:RotationPeriodInDays': String(input.RotationPeriodInDays) } : {})),
      DisableKeyRotation: onKey(),
      GetKeyRotationStatus: onKey(),
      RotateKeyOnDemand: onKey(),
      ListKeyRotations: onKey(),
      // Replicating needs kms:ReplicateKey on the primary and kms:CreateKey (and kms:TagResource for tags) in the replica's Region.
      ReplicateKey: onKey((input) => ({ 'kms:ReplicaRegion': input.ReplicaRegion as string }), {
        also: [{ action: 'kms:CreateKey', resource: '*' }, tagOnCreate('*')],
      }),
      // Changing the primary Region needs the permission on both the current primary and the replica that becomes primary.
      UpdatePrimaryRegion: onKey((input) => ({ 'kms:PrimaryRegion': input.PrimaryRegion as string }), {
        also: [
          {
            action: 'kms:UpdatePrimaryRegion',
            resource: (input: K.UpdatePrimaryRegionRequest, ctx) => {
              const key = keyResource(input.KeyId, ctx);
              return key.replace(/^(arn:[^:]+:kms:)[^:]*/, `$1${input.PrimaryRegion}`);
            },
          },
        ],
      }),
    },
  };
}
