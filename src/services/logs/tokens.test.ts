import { describe, expect, it } from 'vitest';
import { pageToken } from '../../core/pagination.js';
import { parseStreamToken, readNextToken, streamToken } from './tokens.js';

describe('Logs tokens', () => {
  it('read a Describe/Filter nextToken of the expected shape, and refuse others with InvalidParameterException', () => {
    expect(readNextToken<{ n: string }>(pageToken({ n: 'group' }), { n: 'string' })).toEqual({ n: 'group' });
    expect(() => readNextToken<{ n: string }>(pageToken({ n: 3 }), { n: 'string' })).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
    expect(() => readNextToken<{ n: string }>('garbage!', { n: 'string' })).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
  });

  it('keep GetLogEvents stream tokens in the AWS shape (f|b / 56 digits / s)', () => {
    const token = streamToken({ direction: 'b', position: { ts: 1_700_000_000_000, id: 42 } });
    expect(token).toMatch(/^b\/\d{56}\/s$/);
    expect(parseStreamToken(token)).toEqual({ direction: 'b', position: { ts: 1_700_000_000_000, id: 42 } });
    expect(() => parseStreamToken('f/123/s')).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
  });
});
