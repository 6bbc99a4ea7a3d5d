import { describe, expect, it } from 'vitest';
import { md5Hex, md5OfAttributes } from './md5.js';

// Digests AWS answers for these messages (the SDKs check them against their own computation).
describe('SQS message digests', () => {
  it('hashes the body as UTF-8', () => {
    expect(md5Hex('Test Message')).toBe('d1d4180b7e411c4be86b00fb2ee103eb');
    expect(md5Hex('message from SDK')).toBe('6d05602485318fa52030abb234e75682');
  });

  it('hashes attributes in name order, with their types and transport bytes', () => {
    expect(md5OfAttributes({ Hello: { DataType: 'String', StringValue: 'World' } })).toBe('7db7fb1ba7f41366a8ea5eb18220b26d');
    expect(md5OfAttributes({ data2: { DataType: 'Number', StringValue: '2' }, data1: { DataType: 'Number', StringValue: '1' } })).toBe('b53b5acf24e7fd9567705bd8027b1c76');
    expect(md5OfAttributes({ UserId: { DataType: 'Number.bigint', StringValue: '1234567890123456789012' } })).toBe('797ab158d73dcb5242dedc4412c8e855');
    expect(
      md5OfAttributes({
        Dummy1Name: { DataType: 'String', StringValue: 'dummy 1 value' },
        Dummy2Name: { DataType: 'String', StringValue: 'dummy 2 value' },
        Dummy3Name: { DataType: 'Binary', BinaryValue: Buffer.from('dummy 2 value') },
      }),
    ).toBe('c5c0d2c6f195fcbc91083c5465d8955f');
  });

  it('hashes system attributes the same way', () => {
    expect(md5OfAttributes({ AWSTraceHeader: { DataType: 'String', StringValue: 'some-trace-id' } })).toBe('fdce4f2818803f2f73becc09a54792c0');
  });
});
