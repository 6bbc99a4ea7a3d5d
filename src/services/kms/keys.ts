/**
 * The KMS domain: finding keys by any identifier, the rules of key state and usage, key creation
 * (including AWS managed keys on first use), lazy deletion and rotation, and symmetric encryption.
 * Shared by the handlers and by the api other services call.
 */

import type { Scope } from '../../core/accounts.js';
import { arn, parseArn, partitionOf } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import { AwsError } from '../../core/errors.js';
import type { EventBus } from '../../core/events.js';
import { hex, uuid } from '../../core/ids.js';
import { open, readHeader, seal } from './envelope.js';
import { awsManagedKeyDescription, awsManagedKeyPolicy, awsManagedService } from './managed-keys.js';
import { generateMaterial, specInfo } from './specs.js';
import type { KeyRow, KmsStore, MaterialRow } from './store.js';

const DAY_MS = 86_400_000;
const DEFAULT_ROTATION_DAYS = 365;
const KEY_ID = /^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** Material rows of multi-Region keys live under this pseudo-Region: every Region of the key shares them. */
const SHARED_MATERIAL_REGION = '*';

export function keyArn(scope: Scope, keyId: string): string {
  return arn('kms', scope.region, scope.account, `key/${keyId}`);
}

export function aliasArn(scope: Scope, aliasName: string): string {
  return arn('kms', scope.region, scope.account, aliasName);
}

export function defaultKeyPolicy(scope: Scope): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${partitionOf(scope.region)}:iam::${scope.account}:root` }, Action: 'kms:*', Resource: '*' }],
    },
    null,
    2,
  );
}

/** What an operation needs of the key it resolves. */
interface ResolveOptions {
  /** Most management operations take only a key id or key ARN. */
  allowAlias?: boolean;
  /** `alias/aws/<service>` creates the AWS managed key when it does not exist yet. */
  createAwsManaged?: boolean;
  /** A key or alias ARN may name a key of another account (cryptographic operations). */
  crossAccount?: boolean;
}

/** The account and Region a key lives in (not necessarily the request's: see ResolveOptions.crossAccount). */
export function scopeOfKey(row: KeyRow): Scope {
  return { account: row.account, region: row.region };
}

export class KeyRing {
  constructor(
    private readonly store: KmsStore,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {}

  /** KMS's EventBridge events (CMK deletion, rotation, imported material expiration) name the key in the detail. */
  private publish(scope: Scope, detailType: string, keyId: string): void {
    this.events.publish({ source: 'aws.kms', 'detail-type': detailType, account: scope.account, region: scope.region, resources: [keyArn(scope, keyId)], detail: { 'key-id': keyId } });
  }

  /** Where a key's material rows live: its own Region, or the shared place of a multi-Region key. */
  materialScope(scope: Scope, row: KeyRow): Scope {
    return { account: scope.account, region: row.multi_region ? SHARED_MATERIAL_REGION : scope.region };
  }

  /** The Regions other than `scope`'s that hold the same multi-Region key. */
  otherRegions(scope: Scope, row: KeyRow): KeyRow[] {
    return row.multi_region ? this.store.keyInAllRegions(scope.account, row.key_id).filter((r) => r.region !== scope.region) : [];
  }

  /**
   * Deletes keys whose waiting period is over (AWS deletes them at DeletionDate), and starts the
   * waiting period of multi-Region primary keys whose replicas are all gone.
   */
  sweep(scope: Scope): void {
    const now = this.clock.now();
    for (const primary of this.store.keysInState(scope, 'PendingReplicaDeletion')) {
      if (this.otherRegions(scope, primary).length) continue;
      this.store.tx(() => this.store.updateKey({ ...primary, key_state: 'PendingDeletion', deletion_date: now + primary.pending_window_days! * DAY_MS }));
    }
    const expired = this.store.expiredKeys(scope, now);
    if (!expired.length) return;
    this.store.tx(() => {
      for (const keyId of expired) {
        const row = this.store.getKey(scope, keyId)!;
        this.store.deleteKey(scope, keyId);
        if (!this.otherRegions(scope, row).length) this.store.deleteMaterials(this.materialScope(scope, row), keyId);
        // Published with the change, so a kill -9 after the commit cannot lose the event.
        this.publish(scope, 'KMS CMK Deletion', keyId);
      }
    });
  }

  /**
   * The key an identifier names in `scope` (the request's account and Region); NotFoundException in
   * AWS's words otherwise. With `crossAccount`, a key or alias ARN may name another account's key in
   * the same Region, as cryptographic operations allow (the row's own account and Region are then
   * the key's scope, see scopeOfKey).
   */
  resolve(requestScope: Scope, identifier: string, options: ResolveOptions = {}): KeyRow {
    let scope = requestScope;
    let text = identifier;
    const parsed = identifier.startsWith('arn:') ? parseArn(identifier) : undefined;
    if (identifier.startsWith('arn:')) {
      if (parsed?.service !== 'kms' || !(parsed.resource.startsWith('key/') || parsed.resource.startsWith('alias/'))) {
        throw new AwsError('NotFoundException', `Invalid arn ${identifier}`);
      }
      const otherAccount = parsed.account !== scope.account;
      if (parsed.region !== scope.region || (otherAccount && !options.crossAccount)) {
        throw new AwsError('NotFoundException', `${parsed.resource.startsWith('alias/') ? 'Alias' : 'Key'} '${identifier}' does not exist`);
      }
      scope = { account: parsed.account, region: parsed.region };
      text = parsed.resource.startsWith('key/') ? parsed.resource.slice(4) : parsed.resource;
    }
    this.sweep(scope);
    if (text.startsWith('alias/')) {
      if (!options.allowAlias) throw new AwsError('InvalidArnException', 'Key Aliases are not supported for this operation.');
      const alias = this.store.getAlias(scope, text);
      if (alias) return this.current(scope, this.mustGet(scope, alias.key_id));
      // An AWS managed key is created in the caller's own account only, by its first use there.
      const service = options.createAwsManaged && scope.account === requestScope.account ? awsManagedService(text) : undefined;
      if (service) return this.createAwsManaged(scope, text, service);
      throw new AwsError('NotFoundException', `Alias '${aliasArn(scope, text)}' is not found.`);
    }
    if (!KEY_ID.test(text)) throw new AwsError('NotFoundException', `Invalid keyId '${identifier}'`);
    return this.current(scope, this.mustGet(scope, text));
  }

  /** A key as time has left it: expired imported material removed, due rotations done. */
  private current(scope: Scope, row: KeyRow): KeyRow {
    return this.withDueRotations(scope, this.withoutExpiredMaterial(scope, row));
  }

  /** Imported material past its ValidTo is deleted by KMS; the key waits for a new import. */
  private withoutExpiredMaterial(scope: Scope, row: KeyRow): KeyRow {
    if (row.material_valid_to === null || row.material_valid_to > this.clock.now()) return row;
    const updated: KeyRow = {
      ...row,
      key_state: row.key_state === 'PendingDeletion' ? row.key_state : 'PendingImport',
      expiration_model: null,
      material_valid_to: null,
    };
    this.store.tx(() => {
      this.store.deleteMaterials(this.materialScope(scope, row), row.key_id);
      this.store.updateKey(updated);
      this.publish(scope, 'KMS Imported Key Material Expiration', row.key_id);
    });
    return updated;
  }

  private mustGet(scope: Scope, keyId: string): KeyRow {
    const row = this.store.getKey(scope, keyId);
    if (!row) throw new AwsError('NotFoundException', `Key '${keyArn(scope, keyId)}' does not exist`);
    return row;
  }

  /** Creates a key with fresh material (AWS_KMS) or waiting for imported material (EXTERNAL); the caller validated spec/usage. */
  create(
    scope: Scope,
    spec: {
      keySpec: string;
      keyUsage: string;
      description: string;
      policy?: string;
      keyManager: 'CUSTOMER' | 'AWS';
      origin?: 'AWS_KMS' | 'EXTERNAL';
      multiRegion: boolean;
      tags?: { TagKey: string; TagValue: string }[];
    },
  ): KeyRow {
    const imported = spec.origin === 'EXTERNAL';
    const now = this.clock.now();
    const keyId = spec.multiRegion ? `mrk-${hex(16)}` : uuid();
    const row: KeyRow = {
      account: scope.account,
      region: scope.region,
      key_id: keyId,
      description: spec.description,
      key_spec: spec.keySpec,
      key_usage: spec.keyUsage,
      key_state: imported ? 'PendingImport' : 'Enabled',
      key_manager: spec.keyManager,
      origin: imported ? 'EXTERNAL' : 'AWS_KMS',
      expiration_model: null,
      material_valid_to: null,
      imported_material_id: null,
      multi_region: spec.multiRegion ? 1 : 0,
      primary_region: spec.multiRegion ? scope.region : null,
      created_at: now,
      deletion_date: null,
      pending_window_days: null,
      policy: spec.policy ?? defaultKeyPolicy(scope),
      // AWS rotates its managed keys every year, always.
      rotation_enabled: spec.keyManager === 'AWS' ? 1 : 0,
      rotation_period_days: spec.keyManager === 'AWS' ? DEFAULT_ROTATION_DAYS : null,
      next_rotation_at: spec.keyManager === 'AWS' ? now + DEFAULT_ROTATION_DAYS * DAY_MS : null,
      on_demand_rotation_at: null,
      last_used_operation: null,
      last_used_at: null,
      last_used_request_id: null,
    };
    const material: MaterialRow | undefined = imported
      ? undefined
      : {
          account: scope.account,
          region: this.materialScope(scope, row).region,
          key_id: keyId,
          version: 1,
          material_id: hex(32),
          material: generateMaterial(spec.keySpec),
          created_at: now,
          rotation_type: null,
        };
    this.store.tx(() => {
      this.store.insertKey(row);
      if (material) this.store.insertMaterial(material);
      for (const tag of spec.tags ?? []) this.store.putTag(scope, keyId, tag.TagKey, tag.TagValue);
    });
    return row;
  }

  private createAwsManaged(scope: Scope, aliasName: string, service: string): KeyRow {
    return this.store.tx(() => {
      const row = this.create(scope, {
        keySpec: 'SYMMETRIC_DEFAULT',
        keyUsage: 'ENCRYPT_DECRYPT',
        description: awsManagedKeyDescription(service),
        policy: awsManagedKeyPolicy(scope, service),
        keyManager: 'AWS',
        multiRegion: false,
      });
      const now = this.clock.now();
      this.store.insertAlias({ account: scope.account, region: scope.region, alias_name: aliasName, key_id: row.key_id, created_at: now, updated_at: now });
      return row;
    });
  }

  /**
   * A multi-Region replica of `scope`'s Region for a primary key: same id, spec and (shared)
   * material; its own state, description, policy and tags.
   */
  replicate(scope: Scope, primary: KeyRow, replicaRegion: string, spec: { description: string; policy?: string; tags: { TagKey: string; TagValue: string }[] }): KeyRow {
    const replicaScope = { account: scope.account, region: replicaRegion };
    const row: KeyRow = {
      ...primary,
      region: replicaRegion,
      description: spec.description,
      key_state: 'Enabled',
      policy: spec.policy ?? defaultKeyPolicy(scope),
      created_at: this.clock.now(),
      deletion_date: null,
      pending_window_days: null,
      // Rotation is a shared property kept on the primary key.
      rotation_enabled: 0,
      rotation_period_days: null,
      next_rotation_at: null,
      on_demand_rotation_at: null,
      last_used_operation: null,
      last_used_at: null,
      last_used_request_id: null,
    };
    this.store.tx(() => {
      this.store.insertKey(row);
      for (const tag of spec.tags) this.store.putTag(replicaScope, row.key_id, tag.TagKey, tag.TagValue);
    });
    return row;
  }

  /** The primary key of a multi-Region key (the row itself unless it is a replica), with its scope. */
  primaryOf(scope: Scope, row: KeyRow): { scope: Scope; row: KeyRow } {
    if (!row.multi_region || row.primary_region === scope.region) return { scope, row };
    const primaryScope = { account: scope.account, region: row.primary_region! };
    const primary = this.store.getKey(primaryScope, row.key_id);
    return primary ? { scope: primaryScope, row: primary } : { scope, row };
  }

  /** Adds the material versions automatic rotation would have created by now; replicas rotate with their primary. */
  private withDueRotations(scope: Scope, row: KeyRow): KeyRow {
    const primary = this.primaryOf(scope, row);
    if (primary.row !== row) {
      this.withDueRotations(primary.scope, primary.row);
      return row;
    }
    if (!row.rotation_enabled || row.next_rotation_at === null || row.key_state !== 'Enabled' || row.next_rotation_at > this.clock.now()) return row;
    let rotations = 0;
    const updated = this.store.tx(() => {
      const next = { ...row };
      while (next.next_rotation_at! <= this.clock.now()) {
        this.addMaterial(scope, next, 'AUTOMATIC', next.next_rotation_at!);
        next.next_rotation_at! += next.rotation_period_days! * DAY_MS;
        rotations++;
      }
      this.store.updateKey(next);
      for (let i = 0; i < rotations; i++) this.publish(scope, 'KMS CMK Rotation', row.key_id);
      return next;
    });
    return updated;
  }

  /** New current material for a symmetric key; older versions stay so old ciphertexts decrypt. */
  addMaterial(scope: Scope, row: KeyRow, rotationType: 'AUTOMATIC' | 'ON_DEMAND', at: number): MaterialRow {
    const current = this.currentMaterial(scope, row);
    const material: MaterialRow = {
      account: scope.account,
      region: this.materialScope(scope, row).region,
      key_id: row.key_id,
      version: current.version + 1,
      material_id: hex(32),
      material: generateMaterial(row.key_spec),
      created_at: at,
      rotation_type: rotationType,
    };
    this.store.insertMaterial(material);
    return material;
  }

  /** The id of the material in use; undefined while an EXTERNAL key waits for its material. */
  currentMaterialId(scope: Scope, row: KeyRow): string | undefined {
    return this.store.currentMaterial(this.materialScope(scope, row), row.key_id)?.material_id;
  }

  currentMaterial(scope: Scope, row: KeyRow): MaterialRow {
    const material = this.store.currentMaterial(this.materialScope(scope, row), row.key_id);
    if (!material) throw new AwsError('KMSInternalException', 'The key material is missing.', { status: 500 });
    return material;
  }

  /** Remembers the latest cryptographic use of a key for GetKeyLastUsage. */
  recordUse(scope: Scope, row: KeyRow, operation: string, requestId?: string): void {
    this.store.tx(() => this.store.recordUse(scope, row.key_id, operation, this.clock.now(), requestId));
  }

  /** Key state rules for cryptographic operations. */
  assertUsable(scope: Scope, row: KeyRow, usage: string, operation: string): void {
    const keyArnText = keyArn(scope, row.key_id);
    if (row.key_state === 'Disabled') throw new AwsError('DisabledException', `${keyArnText} is disabled.`);
    if (row.key_state === 'PendingDeletion') throw new AwsError('KMSInvalidStateException', `${keyArnText} is pending deletion.`);
    if (row.key_state === 'PendingImport') throw new AwsError('KMSInvalidStateException', `${keyArnText} is pending import.`);
    if (row.key_state === 'PendingReplicaDeletion') throw new AwsError('KMSInvalidStateException', `${keyArnText} is pending replica deletion.`);
    if (row.key_usage !== usage) throw new AwsError('InvalidKeyUsageException', `${keyArnText} key usage is ${row.key_usage} which is not valid for ${operation}.`);
  }

  /** Symmetric encryption under the key's current material. */
  encrypt(scope: Scope, row: KeyRow, plaintext: Buffer, context: Record<string, string> | undefined, operation = 'Encrypt'): Buffer {
    this.assertUsable(scope, row, 'ENCRYPT_DECRYPT', operation);
    if (row.key_spec !== 'SYMMETRIC_DEFAULT') throw new AwsError('InvalidKeyUsageException', `${keyArn(scope, row.key_id)} key spec ${row.key_spec} requires an asymmetric EncryptionAlgorithm.`);
    const material = this.currentMaterial(scope, row);
    return seal(material.material, { keyId: row.key_id, materialVersion: material.version }, plaintext, context);
  }

  /**
   * Decrypts a symmetric envelope. `expectedKeyId` (any identifier) must name the key the blob was
   * encrypted under, else IncorrectKeyException.
   */
  decrypt(requestScope: Scope, blob: Buffer, context: Record<string, string> | undefined, expectedKeyId?: string): { plaintext: Buffer; row: KeyRow; materialId: string } {
    const header = readHeader(blob);
    const expected = expectedKeyId === undefined ? undefined : this.resolve(requestScope, expectedKeyId, { allowAlias: true, crossAccount: true });
    // The ciphertext names its key by id only: another account's key is reached through the KeyId ARN.
    const scope = expected ? scopeOfKey(expected) : requestScope;
    if (expected && expected.key_spec !== 'SYMMETRIC_DEFAULT') {
      throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    }
    if (!header || !KEY_ID.test(header.keyId)) throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid.');
    if (expected && expected.key_id !== header.keyId) {
      throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    }
    const row = expected ?? this.resolve(scope, header.keyId);
    this.assertUsable(scope, row, 'ENCRYPT_DECRYPT', 'Decrypt');
    const material = this.store.material(this.materialScope(scope, row), row.key_id, header.materialVersion);
    const plaintext = material ? open(material.material, blob, context) : undefined;
    if (!material || !plaintext) throw new AwsError('InvalidCiphertextException', 'The ciphertext is invalid or the encryption context does not match.');
    return { plaintext, row, materialId: material.material_id };
  }

  /** Facts about a key spec for DescribeKey and friends. */
  info(row: KeyRow) {
    return specInfo(row.key_spec, row.key_usage);
  }
}
