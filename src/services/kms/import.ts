/** Imported key material (Origin EXTERNAL): unwrapping what clients encrypted under GetParametersForImport's public key. */
import { constants, createDecipheriv, createPrivateKey, privateDecrypt } from 'node:crypto';

/** Wrapping algorithms Drydock accepts; AWS no longer accepts RSAES_PKCS1_V1_5 for new imports either. */
export const WRAPPING_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'];

/** RFC 5649 alternative initial value: AES key wrap with padding. */
const KWP_IV = Buffer.from('A65959A6', 'hex');

/**
 * The key material inside `encrypted`, or undefined when it does not decrypt. RSA_AES_KEY_WRAP_*
 * (CKM_RSA_AES_KEY_WRAP) is an RSA-OAEP-encrypted ephemeral AES-256 key followed by the material
 * wrapped with it (AES key wrap with padding).
 */
export function unwrapKeyMaterial(algorithm: string, wrappingKeyDer: Buffer, encrypted: Buffer): Buffer | undefined {
  const key = createPrivateKey({ key: wrappingKeyDer, format: 'der', type: 'pkcs8' });
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  try {
    if (algorithm.startsWith('RSAES_OAEP')) return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, encrypted);
    const rsaBytes = key.asymmetricKeyDetails!.modulusLength! / 8;
    const aesKey = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, encrypted.subarray(0, rsaBytes));
    const decipher = createDecipheriv('id-aes256-wrap-pad', aesKey, KWP_IV);
    return Buffer.concat([decipher.update(encrypted.subarray(rsaBytes)), decipher.final()]);
  } catch {
    return undefined;
  }
}
