import { describe, expect, it } from 'vitest';
import { accessKeyIdFor, accountOfKeyId } from './access-keys.js';
import { decodeAuthorizationMessage, encodeAuthorizationMessage, newSigningSecret } from './authorization-message.js';

describe('access key ids carry their account', () => {
  it('reads the account out of AWS key ids as AWS encodes it', () => {
    // The documented example of the encoding (a key of account 609629065308).
    expect(accountOfKeyId('ASIAY34FZKBOKMUTVV7A')).toBe('609629065308');
    expect(accountOfKeyId('AKIAIOSFODNN7EXAMPLE')).toMatch(/^\d{12}$/);
    expect(accountOfKeyId('ABIAY34FZKBOKMUTVV7A')).toBeUndefined();
    expect(accountOfKeyId('ASIAY34FZKBOKMUTVV7')).toBeUndefined();
  });

  it('makes key ids that decode to their account', () => {
    for (const account of ['000000000000', '111111111111', '999999999999', '123456789012']) {
      const id = accessKeyIdFor('ASIA', account);
      expect(id).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(accountOfKeyId(id)).toBe(account);
    }
  });
});

describe('encoded authorization messages', () => {
  const failure = {
    allowed: false,
    explicitDeny: true,
    principal: { id: 'AIDA1', arn: 'arn:aws:iam::000000000000:user/dev' },
    action: 'ec2:RunInstances',
    resource: '*',
    conditions: { 'aws:Region': 'us-east-1' },
  };

  it('decode with the secret that signed them, into AWS JSON', () => {
    const secret = newSigningSecret();
    const decoded = JSON.parse(decodeAuthorizationMessage(secret, encodeAuthorizationMessage(secret, failure))!);
    expect(decoded).toMatchObject({ allowed: false, explicitDeny: true, context: { action: 'ec2:RunInstances', principal: { arn: 'arn:aws:iam::000000000000:user/dev' } } });
    expect(decoded.context.conditions.items).toEqual([{ key: 'aws:Region', values: { items: [{ value: 'us-east-1' }] } }]);
  });

  it('refuse tampered, foreign or malformed messages', () => {
    const secret = newSigningSecret();
    const encoded = encodeAuthorizationMessage(secret, failure);
    expect(decodeAuthorizationMessage(newSigningSecret(), encoded)).toBeUndefined();
    expect(decodeAuthorizationMessage(secret, `x${encoded}`)).toBeUndefined();
    expect(decodeAuthorizationMessage(secret, 'not-a-message')).toBeUndefined();
  });
});
