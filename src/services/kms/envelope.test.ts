import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalContext, open, readHeader, seal } from './envelope.js';

describe('kms envelope', () => {
  const material = randomBytes(32);
  const header = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', materialVersion: 3 };
  const plaintext = Buffer.from('attack at dawn');
  const context = { b: '2', a: '1' };

  it('round-trips and names its key and material version', () => {
    const blob = seal(material, header, plaintext, context);
    expect(readHeader(blob)).toEqual(header);
    expect(open(material, blob, { a: '1', b: '2' })).toEqual(plaintext);
    expect(blob.includes(plaintext)).toBe(false);
  });

  it('uses a fresh IV every time', () => {
    expect(seal(material, header, plaintext, context).equals(seal(material, header, plaintext, context))).toBe(false);
  });

  it('treats an empty context like no context, and order does not matter', () => {
    expect(canonicalContext({})).toEqual(canonicalContext(undefined));
    expect(canonicalContext({ x: '1', y: '2' })).toEqual(canonicalContext({ y: '2', x: '1' }));
    expect(canonicalContext({ ab: 'c' })).not.toEqual(canonicalContext({ a: 'bc' }));
  });

  it('fails on any flipped byte, other material, or another context', () => {
    const blob = seal(material, header, plaintext, context);
    for (let i = 0; i < blob.length; i++) {
      const tampered = Buffer.from(blob);
      tampered[i] ^= 0x80;
      expect(open(material, tampered, context), `byte ${i}`).toBeUndefined();
    }
    expect(open(randomBytes(32), blob, context)).toBeUndefined();
    expect(open(material, blob, { a: '1' })).toBeUndefined();
    expect(open(material, blob, undefined)).toBeUndefined();
  });

  it('rejects bytes that are not an envelope', () => {
    expect(readHeader(Buffer.from('not a blob'))).toBeUndefined();
    expect(readHeader(Buffer.from([1, 200, 0]))).toBeUndefined();
  });
});
