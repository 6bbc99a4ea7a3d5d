/** Key specs Drydock supports, their usages and algorithms, and how their material is made (node:crypto). */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';

interface SpecFacts {
  usages: string[];
  /** Material for this spec: raw secret bytes or a PKCS#8 DER private key. */
  generate(): Buffer;
  /** Imported material in the stored form, or undefined when it does not fit this spec. */
  accept(material: Buffer): Buffer | undefined;
  encryptionAlgorithms?: string[];
  signingAlgorithms?: string[];
  macAlgorithms?: string[];
  keyAgreementAlgorithms?: string[];
}

const RSA_SIGNING = ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'];
const RSA_ENCRYPTION = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];

function pkcs8(key: KeyObject): Buffer {
  return key.export({ type: 'pkcs8', format: 'der' });
}

/** A DER PKCS#8 private key of the given type whose details satisfy `fits`, re-exported canonically. */
function acceptPrivateKey(material: Buffer, type: string, fits: (details: NonNullable<KeyObject['asymmetricKeyDetails']>) => boolean): Buffer | undefined {
  try {
    const key = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    return key.asymmetricKeyType === type && fits(key.asymmetricKeyDetails ?? {}) ? pkcs8(key) : undefined;
  } catch {
    return undefined;
  }
}

function rsa(bits: number): SpecFacts {
  return {
    usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    generate: () => pkcs8(generateKeyPairSync('rsa', { modulusLength: bits }).privateKey),
    accept: (material) => acceptPrivateKey(material, 'rsa', (d) => d.modulusLength === bits),
    encryptionAlgorithms: RSA_ENCRYPTION,
    signingAlgorithms: RSA_SIGNING,
  };
}

/** NIST curves also serve key agreement (ECDH); secp256k1 only signs. */
function ecc(namedCurve: string, algorithm: string, keyAgreement: boolean): SpecFacts {
  return {
    usages: keyAgreement ? ['SIGN_VERIFY', 'KEY_AGREEMENT'] : ['SIGN_VERIFY'],
    generate: () => pkcs8(generateKeyPairSync('ec', { namedCurve }).privateKey),
    accept: (material) => acceptPrivateKey(material, 'ec', (d) => d.namedCurve === namedCurve),
    signingAlgorithms: [algorithm],
    keyAgreementAlgorithms: keyAgreement ? ['ECDH'] : undefined,
  };
}

function hmac(bits: number): SpecFacts {
  // Imported HMAC keys may be longer than the digest, up to the hash's block size.
  const maxBytes = bits <= 256 ? 64 : 128;
  return {
    usages: ['GENERATE_VERIFY_MAC'],
    generate: () => randomBytes(bits / 8),
    accept: (material) => (material.length >= bits / 8 && material.length <= maxBytes ? material : undefined),
    macAlgorithms: [`HMAC_SHA_${bits}`],
  };
}

const SPECS: Record<string, SpecFacts> = {
  SYMMETRIC_DEFAULT: {
    usages: ['ENCRYPT_DECRYPT'],
    generate: () => randomBytes(32),
    accept: (material) => (material.length === 32 ? material : undefined),
    encryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
  },
  RSA_2048: rsa(2048),
  RSA_3072: rsa(3072),
  RSA_4096: rsa(4096),
  ECC_NIST_P256: ecc('prime256v1', 'ECDSA_SHA_256', true),
  ECC_NIST_P384: ecc('secp384r1', 'ECDSA_SHA_384', true),
  ECC_NIST_P521: ecc('secp521r1', 'ECDSA_SHA_512', true),
  ECC_SECG_P256K1: ecc('secp256k1', 'ECDSA_SHA_256', false),
  ECC_NIST_EDWARDS25519: {
    usages: ['SIGN_VERIFY'],
    generate: () => pkcs8(generateKeyPairSync('ed25519').privateKey),
    accept: (material) => acceptPrivateKey(material, 'ed25519', () => true),
    signingAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
  },
  HMAC_224: hmac(224),
  HMAC_256: hmac(256),
  HMAC_384: hmac(384),
  HMAC_512: hmac(512),
};

export function isSupportedSpec(keySpec: string): boolean {
  return keySpec in SPECS;
}

export function supportsUsage(keySpec: string, keyUsage: string): boolean {
  return SPECS[keySpec]?.usages.includes(keyUsage) ?? false;
}

export function generateMaterial(keySpec: string): Buffer {
  const facts = SPECS[keySpec];
  if (!facts) throw new Error(`no material generator for ${keySpec}`);
  return facts.generate();
}

/** Imported material in the form Drydock stores, or undefined when it does not fit the key spec. */
export function acceptImportedMaterial(keySpec: string, material: Buffer): Buffer | undefined {
  return SPECS[keySpec]?.accept(material);
}

export function specInfo(keySpec: string, keyUsage: string): { EncryptionAlgorithms?: string[]; SigningAlgorithms?: string[]; MacAlgorithms?: string[]; KeyAgreementAlgorithms?: string[] } {
  const facts = SPECS[keySpec];
  if (!facts) return {};
  if (keyUsage === 'ENCRYPT_DECRYPT') return { EncryptionAlgorithms: facts.encryptionAlgorithms };
  if (keyUsage === 'SIGN_VERIFY') return { SigningAlgorithms: facts.signingAlgorithms };
  if (keyUsage === 'GENERATE_VERIFY_MAC') return { MacAlgorithms: facts.macAlgorithms };
  if (keyUsage === 'KEY_AGREEMENT') return { KeyAgreementAlgorithms: facts.keyAgreementAlgorithms };
  return {};
}

export function privateKey(material: Buffer): KeyObject {
  return createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
}

/** DER SubjectPublicKeyInfo, what GetPublicKey returns. */
export function publicKeyDer(material: Buffer): Buffer {
  return createPublicKey(privateKey(material)).export({ type: 'spki', format: 'der' });
}
