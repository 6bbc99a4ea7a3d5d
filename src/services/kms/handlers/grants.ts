/** KMS grants: stored, listed, retired and revoked (not evaluated; see the Gaps in index.ts). */
import type * as K from '@aws-sdk/client-kms';
import type { Scope } from '../../../core/accounts.js';
import { partitionOf } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { hex } from '../../../core/ids.js';
import { hasMembers, pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { assertNotPendingDeletion, dryRun, type KmsContext, page, readMarker, scopeOf } from '../common.js';
import { keyArn } from '../keys.js';
import type { GrantRow, KeyRow } from '../store.js';

const GRANT_ALWAYS = ['CreateGrant', 'RetireGrant', 'DescribeKey'];

/** Grant operations that make sense for a key's type and usage. */
export function grantableOperations(row: KeyRow): string[] {
  if (row.key_usage === 'SIGN_VERIFY') return [...GRANT_ALWAYS, 'Sign', 'Verify', 'GetPublicKey'];
  if (row.key_usage === 'GENERATE_VERIFY_MAC') return [...GRANT_ALWAYS, 'GenerateMac', 'VerifyMac'];
  if (row.key_usage === 'KEY_AGREEMENT') return [...GRANT_ALWAYS, 'DeriveSharedSecret', 'GetPublicKey'];
  if (row.key_spec !== 'SYMMETRIC_DEFAULT') return [...GRANT_ALWAYS, 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey'];
  return [...GRANT_ALWAYS, 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext'];
}

type GrantTokenContent = {
  grantId: string;
  nonce: string;
};

/** A grant token names its grant; each CreateGrant call hands out a distinct one (opaque text, written like a page token). */
export function grantToken(grantId: string): string {
  return pageToken({ grantId, nonce: hex(16) } satisfies GrantTokenContent);
}

export function grantIdOfToken(token: string): string {
  return readPageToken(token, hasMembers<Pick<GrantTokenContent, 'grantId'>>({ grantId: 'string' }), () => new AwsError('InvalidGrantTokenException', 'The grant token is invalid.')).grantId;
}

function grantEntry(scope: Scope, grant: GrantRow): K.GrantListEntry {
  return {
    KeyId: keyArn(scope, grant.key_id),
    GrantId: grant.grant_id,
    Name: grant.name ?? undefined,
    CreationDate: new Date(grant.created_at),
    GranteePrincipal: grant.grantee_principal,
    RetiringPrincipal: grant.retiring_principal ?? undefined,
    IssuingAccount: `arn:${partitionOf(scope.region)}:iam::${scope.account}:root`,
    Operations: JSON.parse(grant.operations) as K.GrantOperation[],
    Constraints: grant.constraints === null ? undefined : (JSON.parse(grant.constraints) as K.GrantConstraints),
  };
}

/** One page of grants (ordered by grant id) in the ListGrants shape. */
function grantPage(scope: Scope, grants: GrantRow[], limit: number | undefined, marker: string | undefined): K.ListGrantsResponse {
  const after = readMarker(marker);
  const max = limit ?? 50;
  const { items, ...rest } = page(grants.filter((g) => g.grant_id > after).slice(0, max + 1), max, (g) => g.grant_id);
  return { Grants: items.map((g) => grantEntry(scope, g)), ...rest };
}

/** The grant `grantId` of the key `keyId` names (key id or ARN). */
function grantOfKey(c: KmsContext, scope: Scope, keyId: string, grantId: string): GrantRow {
  const key = c.keys.resolve(scope, keyId);
  const grant = c.store.getGrant(scope, grantId);
  if (!grant || grant.key_id !== key.key_id) throw new AwsError('NotFoundException', `Grant ID ${grantId} not found`);
  return grant;
}

/** CreateGrant: with a Name, an identical request returns the same grant (with a new token), as AWS does. */
function issueGrant(c: KmsContext, scope: Scope, row: KeyRow, input: K.CreateGrantRequest): K.CreateGrantResponse {
  const constraints = input.Constraints && (input.Constraints.EncryptionContextEquals || input.Constraints.EncryptionContextSubset) ? JSON.stringify(input.Constraints) : null;
  const operations = JSON.stringify([...new Set(input.Operations!)].sort());
  if (input.DryRun) throw dryRun();
  return c.store.tx(() => {
    const same =
      input.Name === undefined
        ? undefined
        : c.store
            .keyGrants(scope, row.key_id)
            .find(
              (g) =>
                g.name === input.Name &&
                g.grantee_principal === input.GranteePrincipal &&
                g.retiring_principal === (input.RetiringPrincipal ?? null) &&
                g.operations === operations &&
                g.constraints === constraints,
            );
    if (same) return { GrantId: same.grant_id, GrantToken: grantToken(same.grant_id) };
    const grantId = hex(32);
    c.store.insertGrant({
      account: scope.account,
      region: scope.region,
      grant_id: grantId,
      key_id: row.key_id,
      name: input.Name ?? null,
      grantee_principal: input.GranteePrincipal!,
      retiring_principal: input.RetiringPrincipal ?? null,
      operations,
      constraints,
      created_at: c.rt.clock.now(),
    });
    return { GrantId: grantId, GrantToken: grantToken(grantId) };
  });
}

export function createGrant(c: KmsContext, input: K.CreateGrantRequest, ctx: RequestContext): K.CreateGrantResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  assertNotPendingDeletion(scope, row);
  if (row.key_state === 'Disabled') throw new AwsError('DisabledException', `${keyArn(scope, row.key_id)} is disabled.`);
  const allowed = grantableOperations(row);
  const refused = input.Operations!.filter((op) => !allowed.includes(op));
  if (refused.length) throw new AwsError('ValidationException', `Grant operations ${refused.join(', ')} are not supported for ${row.key_spec} keys with key usage ${row.key_usage}.`);
  return issueGrant(c, scope, row, input);
}

export function listGrants(c: KmsContext, input: K.ListGrantsRequest, ctx: RequestContext): K.ListGrantsResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  const grants = c.store
    .keyGrants(scope, row.key_id)
    .filter((g) => (input.GrantId === undefined || g.grant_id === input.GrantId) && (input.GranteePrincipal === undefined || g.grantee_principal === input.GranteePrincipal));
  return grantPage(scope, grants, input.Limit, input.Marker);
}

export function listRetirableGrants(c: KmsContext, input: K.ListRetirableGrantsRequest, ctx: RequestContext): K.ListGrantsResponse {
  const scope = scopeOf(ctx);
  c.keys.sweep(scope);
  return grantPage(scope, c.store.retirableGrants(scope, input.RetiringPrincipal!), input.Limit, input.Marker);
}

export function retireGrant(c: KmsContext, input: K.RetireGrantRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  let grantId: string;
  if (input.GrantToken !== undefined) {
    grantId = grantIdOfToken(input.GrantToken);
    if (!c.store.getGrant(scope, grantId)) throw new AwsError('NotFoundException', `Grant ID ${grantId} not found`);
  } else {
    if (input.KeyId === undefined || input.GrantId === undefined) throw new AwsError('ValidationException', 'Specify either GrantToken, or both KeyId and GrantId.');
    grantId = grantOfKey(c, scope, input.KeyId, input.GrantId).grant_id;
  }
  if (input.DryRun) throw dryRun();
  c.store.tx(() => c.store.deleteGrant(scope, grantId));
  return {};
}

export function revokeGrant(c: KmsContext, input: K.RevokeGrantRequest, ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const grant = grantOfKey(c, scope, input.KeyId!, input.GrantId!);
  if (input.DryRun) throw dryRun();
  c.store.tx(() => c.store.deleteGrant(scope, grant.grant_id));
  return {};
}
