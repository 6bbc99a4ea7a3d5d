/** KMS key rotation: automatic (on a period) and on demand, for symmetric keys with KMS-generated material. */
import type * as K from '@aws-sdk/client-kms';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { assertCustomerManaged, assertNotReplica, DAY_MS, invalidMarker, type KmsContext, page, readMarker, scopeOf } from '../common.js';
import { keyArn } from '../keys.js';
import type { KeyRow } from '../store.js';

const MAX_ON_DEMAND_ROTATIONS = 25;

function assertSymmetricForRotation(scope: Scope, row: KeyRow): void {
  if (row.key_spec !== 'SYMMETRIC_DEFAULT') throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} key spec ${row.key_spec} does not support key rotation.`);
}

/** The key a rotation change names: a customer managed symmetric primary key with KMS material, usable for encryption. */
function rotatableKey(c: KmsContext, ctx: RequestContext, keyId: string, operation: string): KeyRow {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, keyId);
  assertCustomerManaged(ctx, row, operation);
  assertSymmetricForRotation(scope, row);
  if (row.origin === 'EXTERNAL') throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} has imported key material, which KMS cannot rotate.`);
  assertNotReplica(scope, row, operation);
  c.keys.assertUsable(scope, row, 'ENCRYPT_DECRYPT', operation);
  return row;
}

function rotationStatus(scope: Scope, row: KeyRow): K.GetKeyRotationStatusResponse {
  return {
    KeyId: keyArn(scope, row.key_id),
    KeyRotationEnabled: row.rotation_enabled === 1,
    RotationPeriodInDays: row.rotation_enabled ? row.rotation_period_days! : undefined,
    NextRotationDate: row.rotation_enabled && row.next_rotation_at !== null ? new Date(row.next_rotation_at) : undefined,
    OnDemandRotationStartDate: row.on_demand_rotation_at === null ? undefined : new Date(row.on_demand_rotation_at),
  };
}

/** A ListKeyRotations marker names the last material version listed. */
function afterVersion(marker: string | undefined): number {
  const after = Number(readMarker(marker) || '0');
  if (!Number.isInteger(after)) throw invalidMarker();
  return after;
}

export function enableKeyRotation(c: KmsContext, input: K.EnableKeyRotationRequest, ctx: RequestContext) {
  const row = rotatableKey(c, ctx, input.KeyId!, 'EnableKeyRotation');
  const period = input.RotationPeriodInDays ?? 365;
  c.store.tx(() => c.store.updateKey({ ...row, rotation_enabled: 1, rotation_period_days: period, next_rotation_at: c.rt.clock.now() + period * DAY_MS }));
  return {};
}

export function disableKeyRotation(c: KmsContext, input: K.DisableKeyRotationRequest, ctx: RequestContext) {
  const row = rotatableKey(c, ctx, input.KeyId!, 'DisableKeyRotation');
  c.store.tx(() => c.store.updateKey({ ...row, rotation_enabled: 0, rotation_period_days: null, next_rotation_at: null }));
  return {};
}

export function getKeyRotationStatus(c: KmsContext, input: K.GetKeyRotationStatusRequest, ctx: RequestContext): K.GetKeyRotationStatusResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  assertSymmetricForRotation(scope, row);
  // Replicas report the rotation their primary key manages for both.
  return { ...rotationStatus(scope, c.keys.primaryOf(scope, row).row), KeyId: keyArn(scope, row.key_id) };
}

const ON_DEMAND_ROTATION_JOB = 'kms.rotate-on-demand';

interface OnDemandRotation {
  account: string;
  keyId: string;
  /** The OnDemandRotationStartDate (epoch ms) of the rotation the job completes. */
  startedAt: number;
}

/**
 * Starts an on-demand rotation. As on AWS it completes asynchronously (a job on the core queue
 * adds the new material): until then GetKeyRotationStatus reports its OnDemandRotationStartDate
 * and another RotateKeyOnDemand is a ConflictException.
 */
export function rotateKeyOnDemand(c: KmsContext, input: K.RotateKeyOnDemandRequest, ctx: RequestContext): K.RotateKeyOnDemandResponse {
  const scope = scopeOf(ctx);
  const row = rotatableKey(c, ctx, input.KeyId!, 'RotateKeyOnDemand');
  const now = c.rt.clock.now();
  c.store.tx(() => {
    const current = c.store.getKey(scope, row.key_id)!;
    if (current.on_demand_rotation_at !== null) throw new AwsError('ConflictException', `An on-demand rotation of ${keyArn(scope, row.key_id)} is already in progress.`);
    const onDemand = c.store.rotations(c.keys.materialScope(scope, row), row.key_id, 0, 1000).filter((m) => m.rotation_type === 'ON_DEMAND').length;
    if (onDemand >= MAX_ON_DEMAND_ROTATIONS) throw new AwsError('LimitExceededException', `${keyArn(scope, row.key_id)} has reached the limit of ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations.`);
    c.store.updateKey({ ...current, on_demand_rotation_at: now });
    c.rt.jobs.enqueue(ON_DEMAND_ROTATION_JOB, { account: scope.account, keyId: row.key_id, startedAt: now } satisfies OnDemandRotation);
  });
  return { KeyId: keyArn(scope, row.key_id) };
}

/** Completes an on-demand rotation: new current material, and the key no longer reports one in progress. */
function completeRotation(c: KmsContext, job: OnDemandRotation): void {
  c.store.tx(() => {
    // The key's primary (a multi-Region key's primary may have moved since); none when the key was
    // deleted since or its rotation already completed (a job redone after a crash).
    const row = c.store.keyInAllRegions(job.account, job.keyId).find((r) => r.on_demand_rotation_at === job.startedAt && (!r.multi_region || r.primary_region === r.region));
    if (!row) return;
    const scope: Scope = { account: row.account, region: row.region };
    c.keys.addMaterial(scope, row, 'ON_DEMAND', c.rt.clock.now());
    c.store.updateKey({ ...row, on_demand_rotation_at: null });
  });
}

export function registerOnDemandRotation(c: KmsContext): void {
  c.rt.jobs.register(ON_DEMAND_ROTATION_JOB, async (job) => completeRotation(c, job.payload as OnDemandRotation));
}

export function listKeyRotations(c: KmsContext, input: K.ListKeyRotationsRequest, ctx: RequestContext): K.ListKeyRotationsResponse {
  const scope = scopeOf(ctx);
  const row = c.keys.resolve(scope, input.KeyId!);
  assertSymmetricForRotation(scope, row);
  const limit = input.Limit ?? 100;
  const { items, ...rest } = page(c.store.rotations(c.keys.materialScope(scope, row), row.key_id, afterVersion(input.Marker), limit + 1), limit, (m) => String(m.version));
  return {
    Rotations: items.map((m) => ({ KeyId: row.key_id, KeyMaterialId: m.material_id, RotationDate: new Date(m.created_at), RotationType: m.rotation_type as K.RotationType })),
    ...rest,
  };
}
