/** The KMS handlers map: every operation Drydock serves, each a module-level function of the context. The Gaps are stated in ../index.ts. */
import type { Handlers } from '../../../protocol/types.js';
import { bindOperations } from '../../bind.js';
import type { KmsContext } from '../common.js';
import { createKey, describeKey, listKeys, updateKeyDescription, enableKey, disableKey, scheduleKeyDeletion, cancelKeyDeletion, getKeyLastUsage, describeCustomKeyStores } from './keys.js';
import { createAlias, updateAlias, deleteAlias, listAliases } from './aliases.js';
import { createGrant, listGrants, listRetirableGrants, retireGrant, revokeGrant } from './grants.js';
import { tagResource, untagResource, listResourceTags, getKeyPolicy, putKeyPolicy, listKeyPolicies } from './policies-tags.js';
import { encrypt, decrypt, reEncrypt, generateDataKey, generateDataKeyWithoutPlaintext, generateDataKeyPair, generateDataKeyPairWithoutPlaintext, generateRandom } from './crypto.js';
import { sign, verify, deriveSharedSecret, getPublicKey, generateMac, verifyMac } from './signing.js';
import { getParametersForImport, importKeyMaterial, deleteImportedKeyMaterial } from './imported-material.js';
import { enableKeyRotation, disableKeyRotation, getKeyRotationStatus, rotateKeyOnDemand, listKeyRotations } from './rotation.js';
import { replicateKey, updatePrimaryRegion } from './multi-region.js';

const OPERATIONS = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ListKeys: listKeys,
  UpdateKeyDescription: updateKeyDescription,
  EnableKey: enableKey,
  DisableKey: disableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  GetKeyLastUsage: getKeyLastUsage,
  DescribeCustomKeyStores: describeCustomKeyStores,
  CreateAlias: createAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
  CreateGrant: createGrant,
  ListGrants: listGrants,
  ListRetirableGrants: listRetirableGrants,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
  GetKeyPolicy: getKeyPolicy,
  PutKeyPolicy: putKeyPolicy,
  ListKeyPolicies: listKeyPolicies,
  Encrypt: encrypt,
  Decrypt: decrypt,
  ReEncrypt: reEncrypt,
  GenerateDataKey: generateDataKey,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  GenerateRandom: generateRandom,
  Sign: sign,
  Verify: verify,
  DeriveSharedSecret: deriveSharedSecret,
  GetPublicKey: getPublicKey,
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  GetKeyRotationStatus: getKeyRotationStatus,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
  ReplicateKey: replicateKey,
  UpdatePrimaryRegion: updatePrimaryRegion,
};

export function createHandlers(c: KmsContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
