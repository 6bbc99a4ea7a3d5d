import { describe, expect, it } from 'vitest';
import { awsManagedPolicies } from './managed-policies.js';
import { encodePolicyDocument, type PolicyKind, validatePolicyDocument, validateTrustPolicySize } from './policy-document.js';

const statement = (s: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [s] });

function rejection(text: string, kind: PolicyKind = 'identity'): string {
  try {
    validatePolicyDocument(text, kind);
  } catch (err) {
    expect(err).toMatchObject({ code: 'MalformedPolicyDocumentException' });
    return (err as Error).message;
  }
  throw new Error('document was accepted');
}

describe('policy documents', () => {
  it('accepts identity and trust policies in their usual forms', () => {
    expect(validatePolicyDocument(statement({ Effect: 'Allow', Action: ['s3:Get*', 'ssm:GetParameter'], Resource: ['arn:aws:s3:::b/*', '*'] }), 'identity')).toHaveProperty('Statement');
    validatePolicyDocument(JSON.stringify({ Statement: { Effect: 'Deny', NotAction: 'iam:*', NotResource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } } }), 'identity');
    validatePolicyDocument(statement({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }), 'trust');
    validatePolicyDocument(statement({ Effect: 'Allow', Principal: '*', Action: ['sts:AssumeRole', 'sts:TagSession'] }), 'trust');
  });

  it('rejects what IAM rejects, with its messages', () => {
    expect(rejection('{"Statement": [')).toBe('Syntax errors in policy.');
    expect(rejection('[]')).toBe('Syntax errors in policy.');
    expect(rejection(JSON.stringify({ Version: '2012-10-17' }))).toBe('Missing required field Statement');
    expect(rejection(JSON.stringify({ Version: '2020-01-01', Statement: [] }))).toBe('The policy failed legacy parsing');
    expect(rejection(statement({ Action: 's3:*', Resource: '*' }))).toBe('Missing required field Effect');
    expect(rejection(statement({ Effect: 'Permit', Action: 's3:*', Resource: '*' }))).toBe('Invalid effect: Permit');
    expect(rejection(statement({ Effect: 'Allow', Resource: '*' }))).toBe('Policy statement must contain actions.');
    expect(rejection(statement({ Effect: 'Allow', Action: 'getobject', Resource: '*' }))).toMatch(/prefaced by a vendor/);
    expect(rejection(statement({ Effect: 'Allow', Action: 's3:*' }))).toBe('Policy statement must contain resources.');
    expect(rejection(statement({ Effect: 'Allow', Action: 's3:*', Resource: 'bucket' }))).toBe('Resource bucket must be in ARN format or "*".');
    expect(rejection(statement({ Effect: 'Allow', Action: 's3:*', Resource: '*', Principal: '*' }))).toBe('Policy document should not specify a principal.');
    expect(rejection(statement({ Effect: 'Allow', Action: 's3:*', Resource: '*', Extra: 1 }))).toBe('Syntax errors in policy.');
    expect(
      rejection(
        JSON.stringify({
          Statement: [
            { Sid: 'a', Effect: 'Allow', Action: 's3:*', Resource: '*' },
            { Sid: 'a', Effect: 'Allow', Action: 's3:*', Resource: '*' },
          ],
        }),
      ),
    ).toMatch(/unique/);
    expect(rejection(statement({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'trust')).toBe('Missing required field Principal');
    expect(rejection(statement({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' }), 'trust')).toBe('Has prohibited field Resource');
  });

  it('applies the managed-policy, ARN, action and trust-policy rules', () => {
    const noVersion = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    expect(() => validatePolicyDocument(noVersion, 'identity')).not.toThrow();
    expect(rejection(noVersion, 'managed')).toBe('Policy document must be version 2012-10-17 or greater.');
    expect(rejection(statement({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:eu-west-1::b' }))).toBe('Resource arn:aws:s3:eu-west-1::b can not contain region information.');
    expect(rejection(statement({ Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam:eu-west-1:1:role/r' }))).toBe(
      'IAM resource arn:aws:iam:eu-west-1:1:role/r cannot contain region information.',
    );
    expect(() => validatePolicyDocument(statement({ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:*:*:b', 'arn:aws:sqs:eu-west-1:1:q'] }), 'managed')).not.toThrow();
    expect(rejection(statement({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3' }))).toBe('The policy failed legacy parsing');
    expect(rejection(statement({ Effect: 'Allow', Action: 's3:a:b', Resource: '*' }))).toBe('Actions/Conditions can contain only one colon.');
    expect(rejection(statement({ Effect: 'Allow', Action: 's*:Get', Resource: '*' }))).toBe('Action vendors (e.g., aws, ec2, etc.) must not contain wildcards');
    expect(rejection('some policy', 'trust')).toBe('This policy contains invalid Json');
    expect(() => validateTrustPolicySize(`{${' '.repeat(5000)}}`)).not.toThrow();
    expect(() => validateTrustPolicySize(`"${'x'.repeat(2047)}"`)).toThrow('Cannot exceed quota for ACLSizePerRole: 2048');
  });

  it('every AWS managed policy in the catalogue is a valid identity policy', () => {
    for (const policy of awsManagedPolicies()) {
      expect(() => validatePolicyDocument(policy.document, 'identity'), policy.name).not.toThrow();
      expect(policy.id).toMatch(/^ANPA[A-Z2-7]{17}$/);
    }
  });

  it('encodes documents the way IAM returns them', () => {
    expect(encodePolicyDocument('{"a": "b/c"}')).toBe('%7B%22a%22%3A%20%22b%2Fc%22%7D');
  });
});
