/**
 * The key SNS signs HTTP/S, email-json and SQS/Lambda envelopes with, and the certificate that
 * SigningCertURL serves for it.
 *
 * node:crypto makes keys and signatures but no X.509 certificates. Rather than a dependency or an
 * `openssl` binary that may be missing, Drydock writes the one self-signed certificate it needs
 * itself: a minimal DER encoding of an X.509 v3 certificate (RFC 5280) around the key's SPKI,
 * signed with SHA-256 and RSA. Node's X509Certificate (and openssl, and the SNS message
 * validators' PEM readers) read it back. The key is made on first use and kept in the database,
 * so the certificate URL in a delivered message stays valid across restarts.
 */
import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { SnsStore } from './store.js';

export type SignatureVersion = '1' | '2';

interface SigningKey {
  privateKey: KeyObject;
  certificate: string;
  fileName: string;
}

export class Signer {
  private key?: SigningKey;

  constructor(
    private readonly store: SnsStore,
    private readonly clock: Clock,
  ) {}

  /** The certificate in PEM, as SigningCertURL serves it. */
  certificatePem(): string {
    return this.signingKey().certificate;
  }

  /** `SimpleNotificationService-<digest>.pem`, the file name AWS's certificate URLs have. */
  certificateFileName(): string {
    return this.signingKey().fileName;
  }

  /** Base64 RSA signature of `text`: SHA1withRSA for SignatureVersion 1, SHA256withRSA for 2. */
  sign(text: string, version: SignatureVersion): string {
    return sign(version === '2' ? 'sha256' : 'sha1', Buffer.from(text, 'utf8'), this.signingKey().privateKey).toString('base64');
  }

  /** Forgets the key held in memory (the tables were wiped). */
  reset(): void {
    this.key = undefined;
  }

  private signingKey(): SigningKey {
    if (this.key) return this.key;
    let stored = this.store.signing();
    if (!stored) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const spki = publicKey.export({ type: 'spki', format: 'der' });
      this.store.putSigning(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), selfSignedCertificate(privateKey, spki, this.clock.now()));
      stored = this.store.signing()!;
    }
    const fileName = `SimpleNotificationService-${createHash('md5').update(stored.certificate).digest('hex')}.pem`;
    this.key = { privateKey: createPrivateKey(stored.private_key), certificate: stored.certificate, fileName };
    return this.key;
  }
}

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';

/** A self-signed X.509 v3 certificate for `sns.amazonaws.com` over the key, valid from a day ago for ten years. */
function selfSignedCertificate(privateKey: KeyObject, spki: Buffer, now: number): string {
  const algorithm = sequence(objectId(SHA256_WITH_RSA), tlv(0x05, Buffer.alloc(0)));
  const name = sequence(set(sequence(objectId(ORGANIZATION), tlv(0x0c, Buffer.from('Drydock', 'utf8')))), set(sequence(objectId(COMMON_NAME), tlv(0x0c, Buffer.from('sns.amazonaws.com', 'utf8')))));
  const tbs = sequence(
    tlv(0xa0, derInteger(Buffer.from([2]))),
    derInteger(randomBytes(16)),
    algorithm,
    name,
    sequence(time(new Date(now - YEAR_MS / 365)), time(new Date(now + 10 * YEAR_MS))),
    name,
    spki,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let head: number[];
  if (length < 0x80) head = [tag, length];
  else {
    const bytes: number[] = [];
    for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    head = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(head), content]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));

/**
 * A non-negative DER INTEGER: minimal, as DER requires (a random serial starting with a zero byte
 * and then one below 0x80 is refused by OpenSSL as 'illegal padding', once in 512 certificates),
 * with a zero byte in front of a high first bit so that it stays positive.
 */
export function derInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && !(bytes[start + 1]! & 0x80)) start++;
  const minimal = bytes.subarray(start);
  return tlv(0x02, minimal[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function objectId(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const out = [first! * 40 + second!];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = arc >> 7; n > 0; n >>= 7) chunk.unshift((n & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}
