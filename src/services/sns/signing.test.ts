import { createVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Clock } from '../../core/clock.js';
import { Store } from '../../core/store.js';
import { derInteger, Signer } from './signing.js';
import { SnsStore } from './store.js';

describe('SNS signing certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-sns-signing-'));
  const store = new Store(dir);
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a self-signed X.509 certificate whose key verifies SHA1withRSA and SHA256withRSA signatures', () => {
    const signer = new Signer(new SnsStore(store), new Clock());
    const cert = new X509Certificate(signer.certificatePem());
    expect(cert.subject).toContain('CN=sns.amazonaws.com');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 9 * 365 * 86_400_000);
    for (const [version, algorithm] of [
      ['1', 'RSA-SHA1'],
      ['2', 'RSA-SHA256'],
    ] as const) {
      const signature = signer.sign('Message\nhello\n', version);
      expect(createVerify(algorithm).update('Message\nhello\n').verify(cert.publicKey, signature, 'base64')).toBe(true);
    }
    expect(signer.certificateFileName()).toMatch(/^SimpleNotificationService-[0-9a-f]{32}\.pem$/);
  });

  it('keeps the key across instances: the certificate URL stays valid after a restart', () => {
    const first = new Signer(new SnsStore(store), new Clock()).certificatePem();
    expect(new Signer(new SnsStore(store), new Clock()).certificatePem()).toBe(first);
  });

  it('encodes serial numbers as minimal positive DER integers, whatever their random bytes', () => {
    // A serial starting 00 0x (1 in 512 random ones) once made a certificate OpenSSL refused: "illegal padding".
    expect(derInteger(Buffer.from([0x00, 0x12, 0x34]))).toEqual(Buffer.from([0x02, 0x02, 0x12, 0x34]));
    expect(derInteger(Buffer.from([0x00, 0x00, 0x92]))).toEqual(Buffer.from([0x02, 0x02, 0x00, 0x92]));
    expect(derInteger(Buffer.from([0x92, 0x01]))).toEqual(Buffer.from([0x02, 0x03, 0x00, 0x92, 0x01]));
    expect(derInteger(Buffer.from([0x00]))).toEqual(Buffer.from([0x02, 0x01, 0x00]));
    expect(derInteger(Buffer.from([0x02]))).toEqual(Buffer.from([0x02, 0x01, 0x02]));
  });
});
