import { describe, expect, it } from 'vitest';
import { page, readMarker } from './common.js';
import { dataKeyLength } from './handlers/crypto.js';
import { grantIdOfToken, grantToken } from './handlers/grants.js';
import { withPrimaryMoved } from './handlers/multi-region.js';
import type { KeyRow } from './store.js';

describe('KMS markers', () => {
  it('continue after the last item of a page, and say when there is no next page', () => {
    const first = page(['a', 'b', 'c'], 2, (s) => s);
    expect(first).toMatchObject({ items: ['a', 'b'], Truncated: true });
    expect(readMarker(first.NextMarker)).toBe('b');
    expect(page(['a', 'b'], 2, (s) => s)).toEqual({ items: ['a', 'b'], Truncated: false });
    expect(readMarker(undefined)).toBe('');
  });

  it('refuse a marker KMS did not hand out with InvalidMarkerException', () => {
    expect(() => readMarker('made-up')).toThrow(expect.objectContaining({ code: 'InvalidMarkerException' }));
    expect(() => readMarker(Buffer.from('{"after":1}').toString('base64url'))).toThrow(expect.objectContaining({ code: 'InvalidMarkerException' }));
  });
});

describe('KMS grant tokens', () => {
  it('name their grant, with a distinct token each time', () => {
    const token = grantToken('g1');
    expect(grantToken('g1')).not.toBe(token);
    expect(grantIdOfToken(token)).toBe('g1');
    expect(() => grantIdOfToken('nonsense')).toThrow(expect.objectContaining({ code: 'InvalidGrantTokenException' }));
  });
});

describe('KMS data key length', () => {
  it('takes KeySpec or NumberOfBytes, exactly one', () => {
    expect(dataKeyLength({ KeySpec: 'AES_128' })).toBe(16);
    expect(dataKeyLength({ NumberOfBytes: 7 })).toBe(7);
    expect(() => dataKeyLength({})).toThrow(expect.objectContaining({ code: 'ValidationException' }));
    expect(() => dataKeyLength({ KeySpec: 'AES_256', NumberOfBytes: 32 })).toThrow(expect.objectContaining({ code: 'ValidationException' }));
  });
});

describe('KMS UpdatePrimaryRegion', () => {
  it('moves the shared rotation settings to the new primary and points every Region at it', () => {
    const row = (region: string, rotation: Partial<KeyRow> = {}) =>
      ({ region, primary_region: 'us-east-1', rotation_enabled: 0, rotation_period_days: null, next_rotation_at: null, on_demand_rotation_at: null, ...rotation }) as KeyRow;
    const primary = row('us-east-1', { rotation_enabled: 1, rotation_period_days: 90, next_rotation_at: 5, on_demand_rotation_at: 3 });
    const moved = withPrimaryMoved([primary, row('eu-west-1'), row('ap-south-1')], primary, 'us-east-1', 'eu-west-1');
    expect(moved.map((r) => [r.region, r.primary_region, r.rotation_enabled, r.rotation_period_days])).toEqual([
      ['us-east-1', 'eu-west-1', 0, null],
      ['eu-west-1', 'eu-west-1', 1, 90],
      ['ap-south-1', 'eu-west-1', 0, null],
    ]);
  });
});
