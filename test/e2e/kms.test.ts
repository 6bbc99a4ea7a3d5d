import { constants, createHash, createPublicKey, diffieHellman, generateKeyPairSync, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateCustomKeyStoreCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DeriveSharedSecretCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyLastUsageCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers.js';

const text = (s: string) => Buffer.from(s, 'utf8');

describe('kms', () => {
  const server = useServer();
  let kms: KMSClient;
  beforeAll(async () => {
    kms = new KMSClient(server.clientConfig);
  });

  async function newKey(description = 'test key'): Promise<string> {
    const created = await kms.send(new CreateKeyCommand({ Description: description }));
    return created.KeyMetadata!.KeyId!;
  }

  it('creates and describes a symmetric key by id, ARN, alias and alias ARN', async () => {
    const created = await kms.send(new CreateKeyCommand({ Description: 'd1', Tags: [{ TagKey: 'team', TagValue: 'core' }] }));
    const md = created.KeyMetadata!;
    expect(md).toMatchObject({
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled',
      Enabled: true,
      KeyManager: 'CUSTOMER',
      Origin: 'AWS_KMS',
      Description: 'd1',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    });
    expect(md.Arn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${md.KeyId}`);
    expect(md.CreationDate).toBeInstanceOf(Date);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/describe-me', TargetKeyId: md.KeyId }));
    for (const id of [md.KeyId!, md.Arn!, 'alias/describe-me', 'arn:aws:kms:us-east-1:000000000000:alias/describe-me']) {
      const d = await kms.send(new DescribeKeyCommand({ KeyId: id }));
      expect(d.KeyMetadata!.KeyId).toBe(md.KeyId);
    }
    await expect(kms.send(new DescribeKeyCommand({ KeyId: '11111111-2222-3333-4444-555555555555' }))).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 400 } });
    await expect(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' }))).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(kms.send(new DescribeKeyCommand({ KeyId: 'not-a-key' }))).rejects.toMatchObject({ name: 'NotFoundException' });
    const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: md.KeyId, PolicyName: 'default' }));
    expect(JSON.parse(policy.Policy!).Statement[0].Principal.AWS).toBe('arn:aws:iam::000000000000:root');
  });

  it('encrypts and decrypts with encryption context; wrong context and tampering fail', async () => {
    const keyId = await newKey();
    const context = { purpose: 'test', tenant: 'a' };
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('hello kms'), EncryptionContext: context }));
    expect(enc.KeyId).toMatch(new RegExp(`key/${keyId}$`));
    expect(Buffer.from(enc.CiphertextBlob!).includes(text('hello kms'))).toBe(false);
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { tenant: 'a', purpose: 'test' } }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('hello kms');
    expect(dec.KeyId).toBe(enc.KeyId);
    expect(dec.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');

    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({ name: 'InvalidCiphertextException', $metadata: { httpStatusCode: 400 } });
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'test', tenant: 'b' } }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    const tampered = Buffer.from(enc.CiphertextBlob!);
    tampered[tampered.length - 1] ^= 0x01;
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: text('garbage that is not a blob') }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });

    await expect(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x'), DryRun: true }))).rejects.toMatchObject({ name: 'DryRunOperationException', $metadata: { httpStatusCode: 412 } });
    const other = await newKey();
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context, KeyId: other }))).rejects.toMatchObject({ name: 'IncorrectKeyException' });
    const withKey = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context, KeyId: keyId }));
    expect(Buffer.from(withKey.Plaintext!).toString()).toBe('hello kms');
  });

  it('tracks the last cryptographic use of a key', async () => {
    const keyId = await newKey();
    const fresh = await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    expect(fresh.KeyLastUsage).toBeUndefined();
    expect(fresh.TrackingStartDate).toBeInstanceOf(Date);
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x') }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    const used = await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    expect(used.KeyLastUsage).toMatchObject({ Operation: 'Decrypt', KmsRequestId: dec.$metadata.requestId });
    expect(used.KeyLastUsage!.Timestamp).toBeInstanceOf(Date);
  });

  it('re-encrypts under another key and context', async () => {
    const a = await newKey();
    const b = await newKey();
    const enc = await kms.send(new EncryptCommand({ KeyId: a, Plaintext: text('move me'), EncryptionContext: { x: '1' } }));
    const re = await kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: { x: '1' }, DestinationKeyId: b, DestinationEncryptionContext: { y: '2' } }));
    expect(re.SourceKeyId).toMatch(a);
    expect(re.KeyId).toMatch(b);
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { y: '2' } }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('move me');
    expect(dec.KeyId).toMatch(b);
  });

  it('generates data keys and random bytes', async () => {
    const keyId = await newKey();
    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { k: 'v' } }));
    expect(dk.Plaintext).toHaveLength(32);
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { k: 'v' } }));
    expect(Buffer.from(dec.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
    const dk128 = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_128' }));
    expect(dk128.Plaintext).toHaveLength(16);
    const bytes = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 7 }));
    expect(bytes.Plaintext).toHaveLength(7);
    const np = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    expect('Plaintext' in np).toBe(false);
    expect((await kms.send(new DecryptCommand({ CiphertextBlob: np.CiphertextBlob }))).Plaintext).toHaveLength(32);
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: keyId }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', NumberOfBytes: 32 }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 2048 }))).rejects.toMatchObject({ name: 'ValidationException' });
    const r1 = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
    const r2 = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
    expect(r1.Plaintext).toHaveLength(64);
    expect(Buffer.from(r1.Plaintext!).equals(Buffer.from(r2.Plaintext!))).toBe(false);
    await expect(kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('validates plaintext size through the model', async () => {
    const keyId = await newKey();
    await expect(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.alloc(4097, 1) }))).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    const max = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.alloc(4096, 7) }));
    expect((await kms.send(new DecryptCommand({ CiphertextBlob: max.CiphertextBlob }))).Plaintext).toHaveLength(4096);
  });

  it('disabled keys refuse cryptography until enabled again', async () => {
    const keyId = await newKey();
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x') }));
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    await expect(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x') }))).rejects.toMatchObject({ name: 'DisabledException' });
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({ name: 'DisabledException' });
    await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext!).toString()).toBe('x');
  });

  it('schedules and cancels key deletion; pending keys are unusable', async () => {
    const keyId = await newKey();
    await expect(kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 6 }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 31 }))).rejects.toMatchObject({ name: 'ValidationException' });
    const before = Date.now();
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    expect(scheduled).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    expect(scheduled.DeletionDate!.getTime()).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 2000);
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
    expect(md.KeyState).toBe('PendingDeletion');
    expect(md.DeletionDate).toBeInstanceOf(Date);
    await expect(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('x') }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
    await expect(kms.send(new EnableKeyCommand({ KeyId: keyId }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
    await expect(kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
    await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata).toMatchObject({ KeyState: 'Disabled' });
    await expect(kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }))).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
  });

  it('manages aliases with AWS naming rules', async () => {
    const a = await newKey();
    const b = await newKey();
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: a }));
    await expect(kms.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: b }))).rejects.toMatchObject({ name: 'AlreadyExistsException' });
    await expect(kms.send(new CreateAliasCommand({ AliasName: 'app2', TargetKeyId: a }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: a }))).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    await expect(kms.send(new CreateAliasCommand({ AliasName: 'alias/bad name', TargetKeyId: a }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(kms.send(new CreateAliasCommand({ AliasName: 'alias/a:b', TargetKeyId: a }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(kms.send(new CreateAliasCommand({ AliasName: 'alias/x', TargetKeyId: 'alias/app' }))).rejects.toMatchObject({ name: 'InvalidArnException' });
    await expect(kms.send(new DisableKeyCommand({ KeyId: 'alias/app' }))).rejects.toMatchObject({ name: 'InvalidArnException' });
    const enc = await kms.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: text('via alias') }));
    expect(enc.KeyId).toMatch(a);
    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/app', TargetKeyId: b }));
    expect((await kms.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: text('x') }))).KeyId).toMatch(b);
    // the old ciphertext still names key a
    expect((await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).KeyId).toMatch(a);
    const listed = await kms.send(new ListAliasesCommand({ KeyId: b }));
    expect(listed.Aliases!.map((x) => x.AliasName)).toEqual(['alias/app']);
    expect(listed.Aliases![0].AliasArn).toBe('arn:aws:kms:us-east-1:000000000000:alias/app');
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/app' }));
    await expect(kms.send(new DeleteAliasCommand({ AliasName: 'alias/app' }))).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('creates AWS managed keys on first use of alias/aws/<service>', async () => {
    const enc = await kms.send(new EncryptCommand({ KeyId: 'alias/aws/ebs', Plaintext: text('managed') }));
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!;
    expect(md.KeyManager).toBe('AWS');
    expect(enc.KeyId).toBe(md.Arn);
    const again = await kms.send(new EncryptCommand({ KeyId: 'alias/aws/ebs', Plaintext: text('managed') }));
    expect(again.KeyId).toBe(md.Arn);
    // The managed key's policy allows no change to anyone (fidelity-kms.test.ts checks the message).
    await expect(kms.send(new DisableKeyCommand({ KeyId: md.KeyId }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(kms.send(new DeleteAliasCommand({ AliasName: 'alias/aws/ebs' }))).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: md.KeyId }))).KeyRotationEnabled).toBe(true);
  });

  it('lists keys with pagination', async () => {
    for (let i = 0; i < 3; i++) await newKey(`page ${i}`);
    const all: string[] = [];
    let marker: string | undefined;
    do {
      const res = await kms.send(new ListKeysCommand({ Limit: 2, Marker: marker }));
      expect(res.Keys!.length).toBeLessThanOrEqual(2);
      all.push(...res.Keys!.map((k) => k.KeyId!));
      marker = res.Truncated ? res.NextMarker : undefined;
    } while (marker);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(3);
    await expect(kms.send(new ListKeysCommand({ Marker: 'made-up' }))).rejects.toMatchObject({ name: 'InvalidMarkerException' });
  });

  it('rotates keys and still decrypts older ciphertexts', async () => {
    const keyId = await newKey();
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled).toBe(false);
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    expect(status).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    expect(status.NextRotationDate).toBeInstanceOf(Date);
    await expect(kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 30 }))).rejects.toMatchObject({ name: 'ValidationException' });
    const old = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('before rotation') }));
    const materialBefore = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.CurrentKeyMaterialId;
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    // On-demand rotation completes asynchronously (a job), as on AWS.
    for (let i = 0; i < 50 && (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).OnDemandRotationStartDate; i++) await new Promise((resolve) => setImmediate(resolve));
    const materialAfter = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.CurrentKeyMaterialId;
    expect(materialAfter).not.toBe(materialBefore);
    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    expect(rotations.Rotations).toHaveLength(1);
    expect(rotations.Rotations![0]).toMatchObject({ RotationType: 'ON_DEMAND', KeyMaterialId: materialAfter });
    expect(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).Plaintext!).toString()).toBe('before rotation');
    await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled).toBe(false);
  });

  it('tags, policies and descriptions', async () => {
    const keyId = await newKey();
    await kms.send(
      new TagResourceCommand({
        KeyId: keyId,
        Tags: [
          { TagKey: 'a', TagValue: '1' },
          { TagKey: 'b', TagValue: '2' },
        ],
      }),
    );
    await kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'a', TagValue: '3' }] }));
    await kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ['b'] }));
    expect((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).toEqual([{ TagKey: 'a', TagValue: '3' }]);
    await expect(kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'aws:x', TagValue: '1' }] }))).rejects.toMatchObject({ name: 'TagException' });
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] });
    // The policy no longer lets the caller change it: KMS wants the lockout safety check bypassed.
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: policy, BypassPolicyLockoutSafetyCheck: true }));
    expect((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy).toBe(policy);
    await expect(kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: '{not json' }))).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' });
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: 'new words' }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.Description).toBe('new words');
  });

  it('signs and verifies with RSA and ECC keys; public keys verify outside KMS', async () => {
    const rsa = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    expect(rsa.SigningAlgorithms).toContain('RSASSA_PSS_SHA_256');
    const message = text('sign me');
    const sig = await kms.send(new SignCommand({ KeyId: rsa.KeyId, Message: message, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }));
    const ok = await kms.send(new VerifyCommand({ KeyId: rsa.KeyId, Message: message, Signature: sig.Signature, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }));
    expect(ok.SignatureValid).toBe(true);
    const pub = await kms.send(new GetPublicKeyCommand({ KeyId: rsa.KeyId }));
    const publicKey = createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' });
    expect(verifySignature('sha256', message, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(sig.Signature!))).toBe(true);
    await expect(kms.send(new VerifyCommand({ KeyId: rsa.KeyId, Message: text('other'), Signature: sig.Signature, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }))).rejects.toMatchObject({
      name: 'KMSInvalidSignatureException',
    });

    const ec = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    const ecSig = await kms.send(new SignCommand({ KeyId: ec.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    const ecPub = createPublicKey({ key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: ec.KeyId }))).PublicKey!), format: 'der', type: 'spki' });
    expect(verifySignature('sha256', message, ecPub, Buffer.from(ecSig.Signature!))).toBe(true);
    await expect(kms.send(new SignCommand({ KeyId: ec.KeyId, Message: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }))).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    await expect(kms.send(new EncryptCommand({ KeyId: ec.KeyId, Plaintext: message }))).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
    await expect(kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(kms.send(new CreateKeyCommand({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' }))).rejects.toMatchObject({ name: 'UnsupportedOperationException' });

    const ed = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    const edSig = await kms.send(new SignCommand({ KeyId: ed.KeyId, Message: message, SigningAlgorithm: 'ED25519_SHA_512' }));
    const edPub = createPublicKey({ key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: ed.KeyId }))).PublicKey!), format: 'der', type: 'spki' });
    expect(verifySignature(null, message, edPub, Buffer.from(edSig.Signature!))).toBe(true);
    expect((await kms.send(new VerifyCommand({ KeyId: ed.KeyId, Message: message, Signature: edSig.Signature, SigningAlgorithm: 'ED25519_SHA_512' }))).SignatureValid).toBe(true);
    await expect(kms.send(new SignCommand({ KeyId: ed.KeyId, Message: message, SigningAlgorithm: 'ED25519_PH_SHA_512' }))).rejects.toMatchObject({ name: 'UnsupportedOperationException' });
  });

  it('signs and verifies precomputed digests (MessageType DIGEST)', async () => {
    const message = text('hashed by the client');
    const digest = createHash('sha256').update(message).digest();
    const ec = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    const ecPub = createPublicKey({ key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: ec.KeyId }))).PublicKey!), format: 'der', type: 'spki' });
    const ecSig = await kms.send(new SignCommand({ KeyId: ec.KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect(verifySignature('sha256', message, ecPub, Buffer.from(ecSig.Signature!))).toBe(true);
    const rawSig = await kms.send(new SignCommand({ KeyId: ec.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect((await kms.send(new VerifyCommand({ KeyId: ec.KeyId, Message: digest, MessageType: 'DIGEST', Signature: rawSig.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }))).SignatureValid).toBe(true);
    await expect(kms.send(new SignCommand({ KeyId: ec.KeyId, Message: digest.subarray(1), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });

    const rsa = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
    const rsaPub = createPublicKey({ key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: rsa.KeyId }))).PublicKey!), format: 'der', type: 'spki' });
    const pss = await kms.send(new SignCommand({ KeyId: rsa.KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'RSASSA_PSS_SHA_256' }));
    expect(verifySignature('sha256', message, { key: rsaPub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(pss.Signature!))).toBe(true);
    await expect(
      kms.send(
        new VerifyCommand({ KeyId: rsa.KeyId, Message: createHash('sha256').update('other').digest(), MessageType: 'DIGEST', Signature: pss.Signature, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }),
      ),
    ).rejects.toMatchObject({ name: 'KMSInvalidSignatureException' });
  });

  it('derives ECDH shared secrets with KEY_AGREEMENT keys', async () => {
    const key = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }))).KeyMetadata!;
    expect(key.KeyAgreementAlgorithms).toEqual(['ECDH']);
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const derived = await kms.send(new DeriveSharedSecretCommand({ KeyId: key.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer.publicKey.export({ type: 'spki', format: 'der' }) }));
    const kmsPublic = createPublicKey({ key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }))).PublicKey!), format: 'der', type: 'spki' });
    expect(Buffer.from(derived.SharedSecret!)).toEqual(diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPublic }));
    const otherCurve = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    await expect(
      kms.send(new DeriveSharedSecretCommand({ KeyId: key.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: otherCurve.publicKey.export({ type: 'spki', format: 'der' }) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(kms.send(new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'KEY_AGREEMENT' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('RSA encryption, HMAC keys and data key pairs', async () => {
    const rsa = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))).KeyMetadata!;
    const enc = await kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: text('rsa secret'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    const dec = await kms.send(new DecryptCommand({ KeyId: rsa.KeyId, CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('rsa secret');
    await expect(kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: text('x') }))).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });

    const hmac = (await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!;
    expect(hmac.MacAlgorithms).toEqual(['HMAC_SHA_256']);
    const mac = await kms.send(new GenerateMacCommand({ KeyId: hmac.KeyId, Message: text('m'), MacAlgorithm: 'HMAC_SHA_256' }));
    expect(mac.Mac).toHaveLength(32);
    expect((await kms.send(new VerifyMacCommand({ KeyId: hmac.KeyId, Message: text('m'), Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' }))).MacValid).toBe(true);
    await expect(kms.send(new VerifyMacCommand({ KeyId: hmac.KeyId, Message: text('n'), Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' }))).rejects.toMatchObject({ name: 'KMSInvalidMacException' });

    const sym = await newKey();
    const pair = await kms.send(new GenerateDataKeyPairCommand({ KeyId: sym, KeyPairSpec: 'ECC_NIST_P256' }));
    const privateKey = await kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }));
    expect(Buffer.from(privateKey.Plaintext!).equals(Buffer.from(pair.PrivateKeyPlaintext!))).toBe(true);
  });

  it('creates, lists, retires and revokes grants', async () => {
    const keyId = await newKey();
    const grantee = 'arn:aws:iam::000000000000:role/app';
    const retiring = 'arn:aws:iam::000000000000:role/ops';
    const g1 = await kms.send(
      new CreateGrantCommand({
        KeyId: keyId,
        GranteePrincipal: grantee,
        RetiringPrincipal: retiring,
        Operations: ['Decrypt', 'Encrypt'],
        Name: 'app-grant',
        Constraints: { EncryptionContextSubset: { app: 'x' } },
      }),
    );
    expect(g1.GrantId).toMatch(/^[0-9a-f]{64}$/);
    const again = await kms.send(
      new CreateGrantCommand({
        KeyId: keyId,
        GranteePrincipal: grantee,
        RetiringPrincipal: retiring,
        Operations: ['Encrypt', 'Decrypt'],
        Name: 'app-grant',
        Constraints: { EncryptionContextSubset: { app: 'x' } },
      }),
    );
    expect(again.GrantId).toBe(g1.GrantId);
    expect(again.GrantToken).not.toBe(g1.GrantToken);
    const g2 = await kms.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: grantee, Operations: ['DescribeKey'] }));
    const listed = await kms.send(new ListGrantsCommand({ KeyId: keyId }));
    expect(listed.Grants).toHaveLength(2);
    expect(listed.Grants!.find((g) => g.GrantId === g1.GrantId)).toMatchObject({
      Name: 'app-grant',
      GranteePrincipal: grantee,
      RetiringPrincipal: retiring,
      Operations: ['Decrypt', 'Encrypt'],
      Constraints: { EncryptionContextSubset: { app: 'x' } },
    });
    expect((await kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring }))).Grants!.map((g) => g.GrantId)).toEqual([g1.GrantId]);
    await expect(kms.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: grantee, Operations: ['Sign'] }))).rejects.toMatchObject({ name: 'ValidationException' });
    await kms.send(new RetireGrantCommand({ GrantToken: g1.GrantToken }));
    await kms.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: g2.GrantId }));
    expect((await kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants).toEqual([]);
    await expect(kms.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: g2.GrantId }))).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(kms.send(new RetireGrantCommand({ GrantToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidGrantTokenException' });
  });

  it('has no custom key stores', async () => {
    expect((await kms.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores).toEqual([]);
    await expect(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'hsm' }))).rejects.toMatchObject({ name: 'CustomKeyStoreNotFoundException' });
    await expect(kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'hsm' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 501 } });
    await expect(kms.send(new CreateKeyCommand({ CustomKeyStoreId: 'cks-1234567890abcdef0' }))).rejects.toMatchObject({ name: 'CustomKeyStoreNotFoundException' });
  });

  it('scopes keys by region', async () => {
    const keyId = await newKey();
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('regional') }));
    const eu = new KMSClient({ ...server.clientConfig, region: 'eu-west-1' });
    await expect(eu.send(new DescribeKeyCommand({ KeyId: keyId }))).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(eu.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:us-east-1:000000000000:key/${keyId}` }))).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(eu.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).rejects.toMatchObject({ name: 'NotFoundException' });
    const euKey = (await eu.send(new CreateKeyCommand({}))).KeyMetadata!;
    expect(euKey.Arn).toMatch(/^arn:aws:kms:eu-west-1:000000000000:key\//);
  });

  it('exposes encrypt/decrypt to other services through its api', () => {
    const api = server.runtime.api('kms');
    const scope = { account: '000000000000', region: 'us-east-1' };
    const { ciphertextBlob, keyArn } = api.encrypt(scope, 'alias/aws/ssm', text('from ssm'), { PARAMETER_ARN: 'x' });
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\//);
    expect(api.decrypt(scope, ciphertextBlob, { PARAMETER_ARN: 'x' }).plaintext.toString()).toBe('from ssm');
    expect(() => api.decrypt(scope, ciphertextBlob, { PARAMETER_ARN: 'y' })).toThrow(/ciphertext/i);
  });

  it('works with the aws CLI and fileb://', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-cli-'));
    writeFileSync(join(dir, 'plain.bin'), Buffer.from([0, 1, 2, 250, 255]));
    const { stdout: createdOut } = await server.aws(['kms', 'create-key', '--description', 'cli key']);
    const keyId = JSON.parse(createdOut).KeyMetadata.KeyId as string;
    await server.aws(['kms', 'create-alias', '--alias-name', 'alias/cli', '--target-key-id', keyId]);
    const { stdout: encOut } = await server.aws(['kms', 'encrypt', '--key-id', 'alias/cli', '--plaintext', `fileb://${join(dir, 'plain.bin')}`, '--encryption-context', 'app=cli']);
    const blob = Buffer.from(JSON.parse(encOut).CiphertextBlob as string, 'base64');
    writeFileSync(join(dir, 'blob.bin'), blob);
    const { stdout: decOut } = await server.aws(['kms', 'decrypt', '--ciphertext-blob', `fileb://${join(dir, 'blob.bin')}`, '--encryption-context', 'app=cli']);
    expect(Buffer.from(JSON.parse(decOut).Plaintext as string, 'base64')).toEqual(readFileSync(join(dir, 'plain.bin')));
    await expect(server.aws(['kms', 'decrypt', '--ciphertext-blob', `fileb://${join(dir, 'blob.bin')}`])).rejects.toMatchObject({ stderr: expect.stringContaining('InvalidCiphertextException') });
  });
});
