import { describe, expect, it } from 'vitest';
import { compareProperties } from './drift-compare.js';

describe('compareProperties', () => {
  it('compares only what the template set, scalars by their text', () => {
    const { differences, actual } = compareProperties('AWS::SQS::Queue', { DelaySeconds: 20, VisibilityTimeout: '60' }, { DelaySeconds: '120', VisibilityTimeout: 60, MessageRetentionPeriod: 1000 });
    expect(differences).toEqual([{ PropertyPath: '/DelaySeconds', ExpectedValue: '20', ActualValue: '120', DifferenceType: 'NOT_EQUAL' }]);
    expect(actual).toEqual({ DelaySeconds: '120', VisibilityTimeout: 60 });
  });

  it('skips properties the provider could not read and reports those read as unset as removed', () => {
    const { differences } = compareProperties('AWS::SSM::Parameter', { Value: 'a', Description: 'd', Policies: '[]' }, { Value: 'a', Description: null });
    expect(differences).toEqual([{ PropertyPath: '/Description', ExpectedValue: 'd', ActualValue: 'null', DifferenceType: 'REMOVE' }]);
  });

  it('matches tags by key, reporting a changed value, a removed tag and an added one', () => {
    const { differences } = compareProperties(
      'AWS::SQS::Queue',
      {
        Tags: [
          { Key: 'team', Value: 'a' },
          { Key: 'env', Value: 'dev' },
        ],
      },
      {
        Tags: [
          { Key: 'team', Value: 'b' },
          { Key: 'owner', Value: 'me' },
        ],
      },
    );
    expect(differences).toEqual([
      { PropertyPath: '/Tags/0/Value', ExpectedValue: 'a', ActualValue: 'b', DifferenceType: 'NOT_EQUAL' },
      { PropertyPath: '/Tags/1', ExpectedValue: '{"Key":"env","Value":"dev"}', ActualValue: 'null', DifferenceType: 'REMOVE' },
      { PropertyPath: '/Tags/1', ExpectedValue: 'null', ActualValue: '{"Key":"owner","Value":"me"}', DifferenceType: 'ADD' },
    ]);
  });

  it('treats reordered lists as in sync and compares scalar lists as sets', () => {
    const arns = ['arn:aws:iam::aws:policy/A', 'arn:aws:iam::aws:policy/B'];
    expect(compareProperties('AWS::IAM::Role', { ManagedPolicyArns: arns }, { ManagedPolicyArns: [...arns].reverse() }).differences).toEqual([]);
    expect(compareProperties('AWS::IAM::Role', { ManagedPolicyArns: arns }, { ManagedPolicyArns: [arns[1], 'arn:aws:iam::aws:policy/C'] }).differences).toEqual([
      { PropertyPath: '/ManagedPolicyArns/0', ExpectedValue: arns[0], ActualValue: 'null', DifferenceType: 'REMOVE' },
      { PropertyPath: '/ManagedPolicyArns/1', ExpectedValue: 'null', ActualValue: 'arn:aws:iam::aws:policy/C', DifferenceType: 'ADD' },
    ]);
  });

  it('compares policy documents given as text with objects, member by member both ways', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
    const expected = { Policies: [{ PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }] };
    expect(compareProperties('AWS::IAM::Role', expected, { Policies: [{ PolicyName: 'p', PolicyDocument: policy }] }).differences).toEqual([]);
    const changed = { ...policy, Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }] };
    expect(compareProperties('AWS::IAM::Role', expected, { Policies: [{ PolicyName: 'p', PolicyDocument: changed }] }).differences).toEqual([
      { PropertyPath: '/Policies/0/PolicyDocument/Statement/0/Action', ExpectedValue: 's3:GetObject', ActualValue: 's3:PutObject', DifferenceType: 'NOT_EQUAL' },
      {
        PropertyPath: '/Policies/0/PolicyDocument/Statement/0/Condition',
        ExpectedValue: 'null',
        ActualValue: '{"Bool":{"aws:SecureTransport":"true"}}',
        DifferenceType: 'NOT_EQUAL',
      },
    ]);
  });

  it("ignores a structure's members the template left out (defaults) but not a map's", () => {
    expect(
      compareProperties('AWS::S3::Bucket', { PublicAccessBlockConfiguration: { BlockPublicAcls: true } }, { PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: false } })
        .differences,
    ).toEqual([]);
    expect(compareProperties('AWS::SSM::Parameter', { Tags: { env: 'dev' } }, { Tags: { env: 'dev', owner: 'me' } }).differences).toEqual([
      { PropertyPath: '/Tags/owner', ExpectedValue: 'null', ActualValue: 'me', DifferenceType: 'NOT_EQUAL' },
    ]);
  });

  it('escapes property names in paths as JSON pointers', () => {
    const { differences } = compareProperties('AWS::SSM::Parameter', { Tags: { 'a/b~c': 'x' } }, { Tags: { 'a/b~c': 'y' } });
    expect(differences[0]?.PropertyPath).toBe('/Tags/a~1b~0c');
  });
});
