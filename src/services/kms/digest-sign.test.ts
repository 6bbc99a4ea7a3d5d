import { constants, createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ecdsaSignDigest, ecdsaVerifyDigest, rsaPkcs1SignDigest, rsaPkcs1VerifyDigest, rsaPssSignDigest, rsaPssVerifyDigest } from './digest-sign.js';

const message = Buffer.from('the message a client hashed itself');

describe('signatures over precomputed digests', () => {
  for (const [curve, hash] of [
    ['prime256v1', 'sha256'],
    ['secp384r1', 'sha384'],
    ['secp521r1', 'sha512'],
    ['secp256k1', 'sha256'],
  ] as const) {
    it(`ECDSA on ${curve} agrees with node:crypto both ways`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const digest = createHash(hash).update(message).digest();
      const ours = ecdsaSignDigest(privateKey, digest);
      expect(verify(hash, message, publicKey, ours)).toBe(true);
      expect(ecdsaVerifyDigest(publicKey, digest, sign(hash, message, privateKey))).toBe(true);
      expect(ecdsaVerifyDigest(publicKey, digest, ours)).toBe(true);
      const other = createHash(hash).update('another message').digest();
      expect(ecdsaVerifyDigest(publicKey, other, ours)).toBe(false);
      const tampered = Buffer.from(ours);
      tampered[tampered.length - 1] ^= 1;
      expect(ecdsaVerifyDigest(publicKey, digest, tampered)).toBe(false);
      expect(ecdsaVerifyDigest(publicKey, digest, Buffer.from('junk'))).toBe(false);
    });
  }

  it('RSA PKCS#1 v1.5 and PSS agree with node:crypto both ways', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const hash of ['sha256', 'sha384', 'sha512']) {
      const digest = createHash(hash).update(message).digest();
      const pkcs1 = rsaPkcs1SignDigest(privateKey, hash, digest);
      expect(pkcs1.equals(sign(hash, message, privateKey))).toBe(true);
      expect(rsaPkcs1VerifyDigest(publicKey, hash, digest, pkcs1)).toBe(true);
      const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[hash]!;
      const pss = rsaPssSignDigest(privateKey, hash, digest);
      expect(verify(hash, message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, pss)).toBe(true);
      const nodePss = sign(hash, message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
      expect(rsaPssVerifyDigest(publicKey, hash, digest, nodePss)).toBe(true);
      const other = createHash(hash).update('x').digest();
      expect(rsaPssVerifyDigest(publicKey, hash, other, pss)).toBe(false);
      expect(rsaPkcs1VerifyDigest(publicKey, hash, other, pkcs1)).toBe(false);
    }
  });
});
