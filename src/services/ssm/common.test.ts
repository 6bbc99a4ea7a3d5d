import { describe, expect, it } from 'vitest';
import { pageToken } from '../../core/pagination.js';
import { encodeToken, nameAfter, versionAfter } from './common.js';

describe('SSM page tokens', () => {
  it('carry the last name key or version back', () => {
    expect(nameAfter(encodeToken('tree/b'))).toBe('tree/b');
    expect(versionAfter(encodeToken(7))).toBe(7);
    expect(nameAfter(undefined)).toBe('');
    expect(versionAfter(undefined)).toBe(0);
  });

  it('refuse garbage and tokens of the other kind with InvalidNextToken', () => {
    for (const read of [() => nameAfter('garbage'), () => nameAfter(encodeToken(3)), () => versionAfter(encodeToken('a')), () => nameAfter(pageToken(null))]) {
      expect(read).toThrow(expect.objectContaining({ code: 'InvalidNextToken' }));
    }
  });
});
