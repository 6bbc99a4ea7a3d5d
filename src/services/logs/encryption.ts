/**
 * Log groups encrypted with a KMS key (CreateLogGroup's kmsKeyId, AssociateKmsKey), as CloudWatch
 * Logs encrypts them: envelope encryption under a data key KMS makes for the group
 * (GenerateDataKey, AES-256) bound to the encryption context `aws:logs:arn` = the group's ARN, asked
 * for as the service principal `logs.<region>.amazonaws.com`, so the key's policy must allow it and
 * the key must be enabled, as on AWS. Only the encrypted data key is stored (logs_data_keys); events
 * written while the key is associated are sealed under it (AES-256-GCM). Every write and every read
 * of sealed events asks KMS to decrypt the data key again: once the key is disabled, pending
 * deletion or no longer allows CloudWatch Logs, those events can be neither written nor read.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { servicePrincipal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import type { InProcessCaller } from '../contracts.js';
import { groupArn, type LogsContext } from './common.js';
import type { EventRow, GroupRow } from './store.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AWS's answer when KMS refuses CloudWatch Logs the group's key. */
export function kmsRefused(arn: string): AwsError {
  return new AwsError('AccessDeniedException', `The specified KMS key does not exist or is not allowed to be used with Arn '${arn}'`);
}

function logsCaller(group: Pick<GroupRow, 'account' | 'region'>, arn: string): InProcessCaller {
  return { principal: servicePrincipal(group.account, `logs.${group.region}.amazonaws.com`), account: group.account, region: group.region, sourceArn: arn, sourceAccount: group.account };
}

/** A new data key for the group under `keyId`: its plaintext and the ciphertext KMS made (kmsRefused when KMS will not). */
export async function newDataKey(c: LogsContext, group: Pick<GroupRow, 'account' | 'region'>, arn: string, keyId: string): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
  try {
    const out = await c.rt.call('kms', 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { 'aws:logs:arn': arn } }, logsCaller(group, arn));
    return { plaintext: Buffer.from(out.Plaintext!), encrypted: Buffer.from(out.CiphertextBlob!) };
  } catch (err) {
    if (err instanceof AwsError) throw kmsRefused(arn);
    throw err;
  }
}

async function decryptDataKey(c: LogsContext, group: GroupRow, encrypted: Buffer): Promise<Buffer> {
  const arn = groupArn(group);
  try {
    const out = await c.rt.call('kms', 'Decrypt', { CiphertextBlob: encrypted, EncryptionContext: { 'aws:logs:arn': arn } }, logsCaller(group, arn));
    return Buffer.from(out.Plaintext!);
  } catch (err) {
    if (err instanceof AwsError) throw kmsRefused(arn);
    throw err;
  }
}

export function seal(key: Buffer, aad: string, message: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(message, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function unseal(key: Buffer, aad: string, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

/** The group's data keys, decrypted for one operation: it opens any sealed event of the group. */
export class KeyRing {
  constructor(
    private readonly keys: Map<number, Buffer>,
    private readonly aad: string,
  ) {}

  /** Whether any event of the group may be sealed (SQL cannot look into sealed messages). */
  get sealed(): boolean {
    return this.keys.size > 0;
  }

  text(message: string | Buffer, dataKey: number | null): string {
    if (dataKey === null) return typeof message === 'string' ? message : message.toString('utf8');
    const key = this.keys.get(dataKey);
    if (!key || typeof message === 'string') throw new Error(`event sealed under unknown data key ${dataKey}`);
    return unseal(key, this.aad, message);
  }

  message(row: Pick<EventRow, 'message' | 'data_key'>): string {
    return this.text(row.message, row.data_key);
  }
}

/** Decrypts every data key the group's events may be sealed under (none for a group never encrypted). */
export async function keyRing(c: LogsContext, group: GroupRow): Promise<KeyRing> {
  const keys = new Map<number, Buffer>();
  for (const row of c.resources.dataKeys(group.id)) keys.set(row.id, await decryptDataKey(c, group, row.ciphertext));
  return new KeyRing(keys, groupArn(group));
}

/**
 * What new events of the group are sealed with: the newest data key under its associated key
 * (made now if it has none yet); undefined when no key is associated.
 */
export async function writingKey(c: LogsContext, group: GroupRow): Promise<{ dataKey: number; seal(message: string): Buffer } | undefined> {
  if (group.kms_key_id === null) return undefined;
  const arn = groupArn(group);
  const existing = c.resources.latestDataKey(group.id, group.kms_key_id);
  let plaintext: Buffer;
  let dataKey: number;
  if (existing) {
    plaintext = await decryptDataKey(c, group, existing.ciphertext);
    dataKey = existing.id;
  } else {
    const made = await newDataKey(c, group, arn, group.kms_key_id);
    plaintext = made.plaintext;
    dataKey = c.resources.tx(() => c.resources.insertDataKey(group.id, group.kms_key_id!, made.encrypted, c.rt.clock.now()));
  }
  return { dataKey, seal: (message) => seal(plaintext, arn, message) };
}
