import { describe, expect, it } from 'vitest';
import { ServiceModel } from './model.js';
import { validateInput } from './validate.js';

const model = new ServiceModel({
  metadata: { apiVersion: '1', endpointPrefix: 't', protocol: 'json', serviceId: 'T', serviceFullName: 'T' },
  operations: {},
  shapes: {
    In: { type: 'structure', required: ['Name'], members: { Name: { shape: 'Name' }, Count: { shape: 'Count' }, Kind: { shape: 'Kind' }, Items: { shape: 'Items' }, Secret: { shape: 'Secret' } } },
    Name: { type: 'string', min: 2, max: 3, pattern: '[a-z😀]+' },
    Count: { type: 'integer', min: 1, max: 10 },
    Kind: { type: 'string', enum: ['A', 'B'] },
    Items: { type: 'list', member: { shape: 'Count' }, max: 2 },
    Secret: { type: 'string', sensitive: true, max: 1 },
  },
});
const shape = model.shape('In');
const check = (input: Record<string, unknown>) => {
  try {
    validateInput(model, shape, input, 'ValidationException');
    return undefined;
  } catch (err) {
    return err as Error & { code: string };
  }
};

describe('validateInput', () => {
  it('counts string lengths in code points, as AWS does', () => {
    expect(check({ Name: '😀😀😀' })).toBeUndefined();
    expect(check({ Name: '😀😀😀😀' })?.message).toContain('Member must have length less than or equal to 3');
    expect(check({ Name: 'a' })?.message).toContain('Member must have length greater than or equal to 2');
  });

  it("reports every violation in AWS's format, hiding sensitive values", () => {
    const err = check({ Count: 0, Kind: 'C', Items: [1, 2, 11], Secret: 'hunter2' });
    expect(err?.code).toBe('ValidationException');
    expect(err?.message).toBe(
      "6 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; " +
        "Value '0' at 'count' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value 'C' at 'kind' failed to satisfy constraint: Member must satisfy enum value set: [A, B]; " +
        "Value '[1, 2, 11]' at 'items' failed to satisfy constraint: Member must have length less than or equal to 2; " +
        "Value '11' at 'items.3.member' failed to satisfy constraint: Member must have value less than or equal to 10; " +
        "Value at 'secret' failed to satisfy constraint: Member must have length less than or equal to 1",
    );
  });

  it('checks patterns against the whole value', () => {
    expect(check({ Name: 'ab1' })?.message).toContain("Value 'ab1' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z😀]+");
  });
});
