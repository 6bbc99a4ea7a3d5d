/** The KMS handlers map: every operation Drydock serves, each a module-level function of the context. The Gaps are stated in ../index.ts. */
import type { Handlers } from '../../../protocol/types.js';
import { bindOperations } from '../../bind.js';
import type { KmsContext } from '../common.js';
import { createAlias, deleteAlias, listAliases, updateAlias } from './aliases.js';
import { decrypt, encrypt, generateDataKey, generateDataKeyPair, generateDataKeyPairWithoutPlaintext, generateDataKeyWithoutPlaintext, generateRandom, reEncrypt } from './crypto.js';
import { createGrant, listGrants, listRetirableGrants, retireGrant, revokeGrant } from './grants.js';
import { deleteImportedKeyMaterial, getParametersForImport, importKeyMaterial } from './imported-material.js';
import { cancelKeyDeletion, createKey, describeCustomKeyStores, describeKey, disableKey, enableKey, getKeyLastUsage, listKeys, scheduleKeyDeletion, updateKeyDescription } from './keys.js';
import { replicateKey, updatePrimaryRegion } from './multi-region.js';
import { getKeyPolicy, listKeyPolicies, listResourceTags, putKeyPolicy, tagResource, untagResource } from './policies-tags.js';
import { disableKeyRotation, enableKeyRotation, getKeyRotationStatus, listKeyRotations, rotateKeyOnDemand } from './rotation.js';
import { deriveSharedSecret, generateMac, getPublicKey, sign, verify, verifyMac } from './signing.js';

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
