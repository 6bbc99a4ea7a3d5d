import { describe, expect, it } from 'vitest';
import { hasMembers, pageToken, readPageToken } from './pagination.js';

class BadToken extends Error {}
const invalid = () => new BadToken('bad token');

describe('page tokens', () => {
  const position = hasMembers<{ after: string; n: number }>({ after: 'string', n: 'number' });

  it('round-trip a position as URL-safe text', () => {
    const token = pageToken({ after: 'a/b+c', n: 3 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(readPageToken(token, position, invalid)).toEqual({ after: 'a/b+c', n: 3 });
  });

  it('refuse text that is not a token, or a token of another shape, with the service error', () => {
    expect(() => readPageToken('%%%', position, invalid)).toThrow(BadToken);
    expect(() => readPageToken(pageToken({ after: 1, n: 3 }), position, invalid)).toThrow(BadToken);
    expect(() => readPageToken(pageToken([1, 2]), position, invalid)).toThrow(BadToken);
    expect(() => readPageToken(pageToken(null), position, invalid)).toThrow(BadToken);
  });
});
