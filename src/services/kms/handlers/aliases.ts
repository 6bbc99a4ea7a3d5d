/** KMS aliases: friendly names that point at customer managed keys (`alias/aws/…` ones belong to AWS managed keys). */
import type * as K from '@aws-sdk/client-kms';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { assertCustomerManaged, assertNotPendingDeletion, type KmsContext, page, readMarker, scopeOf } from '../common.js';
import { aliasArn, keyArn } from '../keys.js';
import { PREDEFINED_ALIASES } from '../managed-keys.js';

/** The rules an alias name follows; `alias/aws/` names are AWS's to create and change. */
export function validateAliasName(name: string, forCreate: boolean): void {
  if (!name.startsWith('alias/'))
    throw new AwsError('ValidationException', 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
  if (name.startsWith('alias/aws/')) throw new AwsError('NotAuthorizedException', `Cannot ${forCreate ? 'create' : 'modify'} alias with prefix 'alias/aws/'.`, { status: 400 });
  if (name === 'alias/') throw new AwsError('ValidationException', 'Alias name must have at least one character after "alias/".');
  if (name.includes(':')) throw new AwsError('ValidationException', `${name} contains invalid characters for an alias`);
}

export function createAlias(c: KmsContext, input: K.CreateAliasRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const name = input.AliasName!;
  validateAliasName(name, true);
  const row = c.keys.resolve(scope, input.TargetKeyId!);
  assertNotPendingDeletion(scope, row);
  assertCustomerManaged(ctx, row, 'CreateAlias');
  c.store.tx(() => {
    if (c.store.getAlias(scope, name)) throw new AwsError('AlreadyExistsException', `An alias with the name ${aliasArn(scope, name)} already exists`);
    const now = c.rt.clock.now();
    c.store.insertAlias({ account: scope.account, region: scope.region, alias_name: name, key_id: row.key_id, created_at: now, updated_at: now });
  });
  return {};
}

export function updateAlias(c: KmsContext, input: K.UpdateAliasRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const name = input.AliasName!;
  validateAliasName(name, false);
  const alias = c.store.getAlias(scope, name);
  if (!alias) throw new AwsError('NotFoundException', `Alias ${aliasArn(scope, name)} is not found.`);
  const target = c.keys.resolve(scope, input.TargetKeyId!);
  assertNotPendingDeletion(scope, target);
  assertCustomerManaged(ctx, target, 'UpdateAlias');
  const current = c.store.getKey(scope, alias.key_id);
  if (current && (current.key_usage !== target.key_usage || (current.key_spec === 'SYMMETRIC_DEFAULT') !== (target.key_spec === 'SYMMETRIC_DEFAULT'))) {
    throw new AwsError('ValidationException', `${keyArn(scope, target.key_id)} must have the same key type and key usage as the key the alias points to.`);
  }
  c.store.tx(() => c.store.retargetAlias(scope, name, target.key_id, c.rt.clock.now()));
  return {};
}

export function deleteAlias(c: KmsContext, input: K.DeleteAliasRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const name = input.AliasName!;
  validateAliasName(name, false);
  c.store.tx(() => {
    if (!c.store.getAlias(scope, name)) throw new AwsError('NotFoundException', `Alias ${aliasArn(scope, name)} is not found.`);
    c.store.deleteAlias(scope, name);
  });
  return {};
}

/**
 * Aliases in name order: the account's own, and AWS's predefined `alias/aws/…` ones whose AWS
 * managed key does not exist yet (listed without a TargetKeyId, as AWS lists them). A listing for
 * one KeyId has only that key's aliases.
 */
export function listAliases(c: KmsContext, input: K.ListAliasesRequest, ctx: RequestContext): K.ListAliasesResponse {
  const scope = scopeOf(ctx);
  c.keys.sweep(scope);
  const keyId = input.KeyId === undefined ? undefined : c.keys.resolve(scope, input.KeyId).key_id;
  const limit = input.Limit ?? 100;
  const after = readMarker(input.Marker);
  const stored: K.AliasListEntry[] = c.store.listAliases(scope, keyId, after, limit + 1).map((a) => ({
    AliasName: a.alias_name,
    AliasArn: aliasArn(scope, a.alias_name),
    TargetKeyId: a.key_id,
    CreationDate: new Date(a.created_at),
    LastUpdatedDate: new Date(a.updated_at),
  }));
  const predefined: K.AliasListEntry[] =
    keyId === undefined ? PREDEFINED_ALIASES.filter((name) => name > after && !c.store.getAlias(scope, name)).map((name) => ({ AliasName: name, AliasArn: aliasArn(scope, name) })) : [];
  const merged = [...stored, ...predefined].sort((a, b) => (a.AliasName! < b.AliasName! ? -1 : 1)).slice(0, limit + 1);
  const { items, ...rest } = page(merged, limit, (a) => a.AliasName!);
  return { Aliases: items, ...rest };
}
