/** KMS imported key material (Origin EXTERNAL): GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial. */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type * as K from '@aws-sdk/client-kms';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { assertNotPendingDeletion, DAY_MS, type KmsContext, scopeOf } from '../common.js';
import { unwrapKeyMaterial, WRAPPING_ALGORITHMS } from '../import.js';
import { keyArn } from '../keys.js';
import { acceptImportedMaterial } from '../specs.js';
import type { ImportTokenRow, KeyRow } from '../store.js';

/** GetParametersForImport's public key and token are valid for 24 hours. */
const IMPORT_TOKEN_LIFETIME_MS = 24 * 3_600_000;

/** The key an import operation names: an EXTERNAL key that is not pending deletion. */
function importableKey(c: KmsContext, scope: Scope, keyId: string): KeyRow {
  const row = c.keys.resolve(scope, keyId);
  if (row.origin !== 'EXTERNAL') throw new AwsError('UnsupportedOperationException', `${keyArn(scope, row.key_id)} origin is ${row.origin}, which is not valid for this operation.`);
  assertNotPendingDeletion(scope, row);
  return row;
}

/** ImportKeyMaterial's ExpirationModel and ValidTo, checked against each other and the clock. */
export function importExpiry(input: Pick<K.ImportKeyMaterialRequest, 'ExpirationModel' | 'ValidTo'>, now: number): { expirationModel: string; validTo: number | undefined } {
  const validTo = input.ValidTo === undefined ? undefined : new Date(input.ValidTo).getTime();
  const expirationModel = input.ExpirationModel ?? (validTo === undefined ? 'KEY_MATERIAL_DOES_NOT_EXPIRE' : 'KEY_MATERIAL_EXPIRES');
  if (expirationModel === 'KEY_MATERIAL_EXPIRES' && validTo === undefined) throw new AwsError('ValidationException', 'A ValidTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES.');
  if (expirationModel === 'KEY_MATERIAL_DOES_NOT_EXPIRE' && validTo !== undefined)
    throw new AwsError('ValidationException', 'A ValidTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.');
  if (validTo !== undefined && (validTo <= now || validTo > now + 365 * DAY_MS)) throw new AwsError('ValidationException', 'ValidTo must be in the future and at most 365 days away.');
  return { expirationModel, validTo };
}

/** The unexpired import token GetParametersForImport handed out for this key. */
function importToken(c: KmsContext, scope: Scope, row: KeyRow, token: Uint8Array, now: number): ImportTokenRow {
  const found = c.store.importToken(scope, Buffer.from(token).toString('hex'));
  if (!found || found.key_id !== row.key_id) throw new AwsError('InvalidImportTokenException', 'The import token is invalid or belongs to another KMS key.');
  if (found.valid_to <= now) throw new AwsError('ExpiredImportTokenException', 'The import token has expired. Call GetParametersForImport for a new one.');
  return found;
}

/** The material an import brings, unwrapped with its token's key and checked against the key's spec and earlier imports. */
function importedMaterial(row: KeyRow, token: ImportTokenRow, input: K.ImportKeyMaterialRequest): { material: Buffer; materialId: string; firstId: string } {
  const unwrapped = unwrapKeyMaterial(token.wrapping_algorithm, token.private_key, Buffer.from(input.EncryptedKeyMaterial!));
  if (!unwrapped) throw new AwsError('InvalidCiphertextException', 'The encrypted key material could not be decrypted with the wrapping key of this import token.');
  const material = acceptImportedMaterial(row.key_spec, unwrapped);
  if (!material) throw new AwsError('IncorrectKeyMaterialException', `The key material does not fit key spec ${row.key_spec}.`);
  const materialId = createHash('sha256').update(material).digest('hex');
  const firstId = row.imported_material_id ?? materialId;
  if (materialId !== firstId || (input.KeyMaterialId !== undefined && input.KeyMaterialId !== materialId)) {
    throw new AwsError('IncorrectKeyMaterialException', 'The key material in the request is not the same key material that was previously imported into this KMS key.');
  }
  return { material, materialId, firstId };
}

export function getParametersForImport(c: KmsContext, input: K.GetParametersForImportRequest, ctx: RequestContext): K.GetParametersForImportResponse {
  const scope = scopeOf(ctx);
  const row = importableKey(c, scope, input.KeyId!);
  if (!WRAPPING_ALGORITHMS.includes(input.WrappingAlgorithm!)) throw new AwsError('UnsupportedOperationException', `Wrapping algorithm ${input.WrappingAlgorithm} is not supported.`);
  const bits = /^RSA_(\d+)$/.exec(input.WrappingKeySpec!);
  if (!bits) throw new AwsError('UnsupportedOperationException', `Wrapping key spec ${input.WrappingKeySpec} is not supported.`);
  const pair = generateKeyPairSync('rsa', { modulusLength: Number(bits[1]) });
  const token = randomBytes(64);
  const validTo = c.rt.clock.now() + IMPORT_TOKEN_LIFETIME_MS;
  c.store.tx(() =>
    c.store.insertImportToken({
      account: scope.account,
      region: scope.region,
      token_id: token.toString('hex'),
      key_id: row.key_id,
      wrapping_algorithm: input.WrappingAlgorithm!,
      private_key: pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
      valid_to: validTo,
    }),
  );
  return { KeyId: keyArn(scope, row.key_id), ImportToken: token, PublicKey: pair.publicKey.export({ type: 'spki', format: 'der' }), ParametersValidTo: new Date(validTo) };
}

export function importKeyMaterial(c: KmsContext, input: K.ImportKeyMaterialRequest, ctx: RequestContext): K.ImportKeyMaterialResponse {
  const scope = scopeOf(ctx);
  const row = importableKey(c, scope, input.KeyId!);
  const now = c.rt.clock.now();
  const token = importToken(c, scope, row, input.ImportToken!, now);
  const { expirationModel, validTo } = importExpiry(input, now);
  const current = c.keys.currentMaterialId(scope, row);
  if (input.ImportType === 'NEW_KEY_MATERIAL' && current !== undefined) {
    throw new AwsError('UnsupportedOperationException', 'Rotating imported key material (ImportType NEW_KEY_MATERIAL) is not supported by Drydock.');
  }
  const { material, materialId, firstId } = importedMaterial(row, token, input);
  c.store.tx(() => {
    if (current === undefined) {
      c.store.insertMaterial({
        account: scope.account,
        region: c.keys.materialScope(scope, row).region,
        key_id: row.key_id,
        version: 1,
        material_id: materialId,
        material,
        created_at: now,
        rotation_type: null,
      });
    }
    c.store.updateKey({
      ...row,
      key_state: row.key_state === 'PendingImport' ? 'Enabled' : row.key_state,
      expiration_model: expirationModel,
      material_valid_to: validTo ?? null,
      imported_material_id: firstId,
    });
  });
  return { KeyId: keyArn(scope, row.key_id), KeyMaterialId: materialId };
}

export function deleteImportedKeyMaterial(c: KmsContext, input: K.DeleteImportedKeyMaterialRequest, ctx: RequestContext): K.DeleteImportedKeyMaterialResponse {
  const scope = scopeOf(ctx);
  const row = importableKey(c, scope, input.KeyId!);
  const current = c.keys.currentMaterialId(scope, row);
  if (input.KeyMaterialId !== undefined && input.KeyMaterialId !== current)
    throw new AwsError('NotFoundException', `Key material ${input.KeyMaterialId} is not imported into ${keyArn(scope, row.key_id)}.`);
  c.store.tx(() => {
    c.store.deleteMaterials(c.keys.materialScope(scope, row), row.key_id);
    c.store.updateKey({ ...row, key_state: 'PendingImport', expiration_model: null, material_valid_to: null });
  });
  return { KeyId: keyArn(scope, row.key_id), KeyMaterialId: current };
}
