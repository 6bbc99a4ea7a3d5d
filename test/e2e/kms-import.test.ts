import { constants, createCipheriv, createDecipheriv, createHash, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, verify } from 'node:crypto';
import {
  type AlgorithmSpec,
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const DAY_MS = 86_400_000;

/** What a client does with GetParametersForImport's answer, per AWS's documented wrapping algorithms. */
function wrap(algorithm: AlgorithmSpec, publicKeyDer: Uint8Array, material: Buffer): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  if (algorithm.startsWith('RSAES_OAEP')) return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, material);
  const aesKey = randomBytes(32);
  const cipher = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, aesKey), cipher.update(material), cipher.final()]);
}

describe('kms imported key material', () => {
  const server = useServer();
  let kms: KMSClient;
  beforeAll(async () => {
    kms = new KMSClient(server.clientConfig);
  });

  async function importInto(keyId: string, material: Buffer, algorithm: AlgorithmSpec = 'RSAES_OAEP_SHA_256', extra: { ValidTo?: Date } = {}) {
    const params = await kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_2048' }));
    return kms.send(new ImportKeyMaterialCommand({ KeyId: keyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrap(algorithm, params.PublicKey!, material), ...extra }));
  }

  it('imports symmetric material that really is the key, deletes and re-imports it', async () => {
    const created = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!;
    expect(created).toMatchObject({ Origin: 'EXTERNAL', KeyState: 'PendingImport', Enabled: false });
    await expect(kms.send(new EncryptCommand({ KeyId: created.KeyId, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
    await expect(kms.send(new EnableKeyRotationCommand({ KeyId: created.KeyId }))).rejects.toMatchObject({ name: 'UnsupportedOperationException' });

    const material = randomBytes(32);
    await expect(importInto(created.KeyId!, randomBytes(16))).rejects.toMatchObject({ name: 'IncorrectKeyMaterialException' });
    const imported = await importInto(created.KeyId!, material);
    expect(imported.KeyMaterialId).toBe(createHash('sha256').update(material).digest('hex'));
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: created.KeyId }))).KeyMetadata!;
    expect(md).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', CurrentKeyMaterialId: imported.KeyMaterialId });

    // The ciphertext is AES-256-GCM under exactly the imported bytes: open the envelope by hand.
    const enc = await kms.send(new EncryptCommand({ KeyId: created.KeyId, Plaintext: Buffer.from('under my own key'), EncryptionContext: { k: 'v' } }));
    const blob = Buffer.from(enc.CiphertextBlob!);
    const prefixLength = 2 + blob[1] + 4 + 12;
    const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(prefixLength - 12, prefixLength));
    decipher.setAAD(Buffer.concat([blob.subarray(0, prefixLength), Buffer.from(JSON.stringify([['k', 'v']]))]));
    decipher.setAuthTag(blob.subarray(prefixLength, prefixLength + 16));
    expect(Buffer.concat([decipher.update(blob.subarray(prefixLength + 16)), decipher.final()]).toString()).toBe('under my own key');

    const deleted = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: created.KeyId }));
    expect(deleted.KeyMaterialId).toBe(imported.KeyMaterialId);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: created.KeyId }))).KeyMetadata!.KeyState).toBe('PendingImport');
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { k: 'v' } }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
    await expect(importInto(created.KeyId!, randomBytes(32))).rejects.toMatchObject({ name: 'IncorrectKeyMaterialException' });
    await importInto(created.KeyId!, material, 'RSA_AES_KEY_WRAP_SHA_256');
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { k: 'v' } }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('under my own key');
  });

  it('rejects foreign tokens, undecryptable material and AWS_KMS keys', async () => {
    const a = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    const b = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    const params = await kms.send(new GetParametersForImportCommand({ KeyId: a, WrappingAlgorithm: 'RSAES_OAEP_SHA_1', WrappingKeySpec: 'RSA_2048' }));
    expect(params.ParametersValidTo!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const wrapped = wrap('RSAES_OAEP_SHA_1', params.PublicKey!, randomBytes(32));
    await expect(kms.send(new ImportKeyMaterialCommand({ KeyId: b, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped }))).rejects.toMatchObject({ name: 'InvalidImportTokenException' });
    await expect(kms.send(new ImportKeyMaterialCommand({ KeyId: a, ImportToken: params.ImportToken, EncryptedKeyMaterial: randomBytes(256) }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    await expect(kms.send(new ImportKeyMaterialCommand({ KeyId: a, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_EXPIRES' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const native = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await expect(kms.send(new GetParametersForImportCommand({ KeyId: native, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }))).rejects.toMatchObject({
      name: 'UnsupportedOperationException',
    });
    await expect(kms.send(new GetParametersForImportCommand({ KeyId: a, WrappingAlgorithm: 'RSAES_PKCS1_V1_5', WrappingKeySpec: 'RSA_2048' }))).rejects.toMatchObject({
      name: 'UnsupportedOperationException',
    });
  });

  it('imports an ECC private key and signs with it', async () => {
    const keyId = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
    const local = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await importInto(keyId, local.privateKey.export({ type: 'pkcs8', format: 'der' }), 'RSA_AES_KEY_WRAP_SHA_256');
    const message = Buffer.from('signed by imported key');
    const sig = await kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect(verify('sha256', message, local.publicKey, Buffer.from(sig.Signature!))).toBe(true);
    const otherCurve = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!.KeyId!;
    await expect(importInto(otherCurve, local.privateKey.export({ type: 'pkcs8', format: 'der' }), 'RSA_AES_KEY_WRAP_SHA_256')).rejects.toMatchObject({ name: 'IncorrectKeyMaterialException' });
  });

  it('expires material at ValidTo', async () => {
    const keyId = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata!.KeyId!;
    await importInto(keyId, randomBytes(32), 'RSAES_OAEP_SHA_256', { ValidTo: new Date(server.runtime.clock.now() + DAY_MS) });
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
    expect(md).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
    expect(md.ValidTo).toBeInstanceOf(Date);
    server.runtime.clock.advance(2 * DAY_MS);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState).toBe('PendingImport');
    await expect(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
  });
});
