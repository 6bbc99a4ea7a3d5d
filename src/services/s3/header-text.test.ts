import { describe, expect, it } from 'vitest';
import { decodeMetadataValue, encodeMetadataValue } from './header-text.js';

describe('S3 metadata header text', () => {
  it.each([
    // What S3 answered for these values (ceph's s3-tests and swift's S3 sync tests, run against AWS).
    ['\x04w', '=?UTF-8?Q?=04w?='],
    ['h\x04', '=?UTF-8?Q?h=04?='],
    ['\x04mymeta', '=?UTF-8?Q?=04mymeta?='],
    ['\x04\x04\x04\x04\x04', '=?UTF-8?B?BAQEBAQ=?='],
    // The shorter of the two encodings; printable US-ASCII stays as it is.
    ['café', '=?UTF-8?B?Y2Fmw6k=?='],
    ['a b c é', '=?UTF-8?Q?a_b_c_=C3=A9?='],
    ['plain ascii value!', 'plain ascii value!'],
  ])('answers %j as %j, and reads that back as the value', (value, answered) => {
    expect(encodeMetadataValue(value)).toBe(answered);
    expect(decodeMetadataValue(answered)).toBe(value);
  });

  it('reads raw UTF-8 header bytes as UTF-8, other bytes as ISO-8859-1, and leaves Unicode as it is', () => {
    expect(decodeMetadataValue(Buffer.from('Zoë 東京').toString('latin1'))).toBe('Zoë 東京');
    expect(decodeMetadataValue('caf\xe9')).toBe('café');
    expect(decodeMetadataValue('東京')).toBe('東京');
    expect(decodeMetadataValue('=?ISO-8859-1?Q?caf=E9?= and =?utf-8?b?5p2x?=')).toBe('café and 東');
    // An encoded-word in a charset S3 does not read stays as it was sent.
    expect(decodeMetadataValue('=?KOI8-R?B?8N/S?=')).toBe('=?KOI8-R?B?8N/S?=');
  });
});
