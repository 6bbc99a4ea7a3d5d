import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../core/errors.js';
import { attributeNames, isKnownResourceType, resourceTypeSpec, updateBehaviour, validateProperties } from './index.js';

/** The status reason validateProperties throws, or undefined when the properties fit. */
function reason(type: string, properties: Record<string, unknown>, logicalId = 'Thing'): string | undefined {
  try {
    validateProperties(type, properties, logicalId);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AwsError);
    return (error as AwsError).message;
  }
}

describe('CloudFormation resource specification index', () => {
  it('knows every type AWS names, custom types, and nothing else', () => {
    expect(isKnownResourceType('AWS::S3::Bucket')).toBe(true);
    expect(isKnownResourceType('AWS::EC2::Instance')).toBe(true);
    expect(isKnownResourceType('AWS::CDK::Metadata')).toBe(true);
    expect(isKnownResourceType('AWS::CloudFormation::CustomResource')).toBe(true);
    expect(isKnownResourceType('Custom::MyThing')).toBe(true);
    expect(isKnownResourceType('Custom::')).toBe(false);
    expect(isKnownResourceType(`Custom::${'x'.repeat(61)}`)).toBe(false);
    expect(isKnownResourceType('AWS::S3::Bukket')).toBe(false);
    expect(isKnownResourceType('toString')).toBe(false);
  });

  it('details only the types Drydock provides', () => {
    expect(resourceTypeSpec('AWS::SQS::Queue')?.properties.QueueName).toEqual({ update: 'Immutable', type: 'String' });
    expect(resourceTypeSpec('AWS::EC2::Instance')).toBeUndefined();
    expect(resourceTypeSpec('AWS::Nope::Nope')).toBeUndefined();
    expect(resourceTypeSpec('Custom::Anything')).toBe(resourceTypeSpec('AWS::CloudFormation::CustomResource'));
  });

  it("answers AWS's update behaviour per property", () => {
    expect(updateBehaviour('AWS::S3::Bucket', 'BucketName')).toBe('Immutable');
    expect(updateBehaviour('AWS::S3::Bucket', 'VersioningConfiguration')).toBe('Mutable');
    expect(updateBehaviour('AWS::SSM::Parameter', 'Name')).toBe('Immutable');
    expect(updateBehaviour('AWS::SSM::Parameter', 'Value')).toBe('Mutable');
    expect(updateBehaviour('AWS::Lambda::Function', 'FunctionName')).toBe('Immutable');
    expect(updateBehaviour('AWS::Lambda::Function', 'Code')).toBe('Mutable');
    expect(updateBehaviour('AWS::IAM::Role', 'RoleName')).toBe('Immutable');
    expect(updateBehaviour('AWS::SQS::Queue', 'FifoQueue')).toBe('Immutable');
    expect(updateBehaviour('AWS::Nope::Nope', 'Anything')).toBe('Mutable');
    expect(updateBehaviour('AWS::CodeCommit::Repository', 'Triggers')).toBe('Conditional');
  });

  it('lists the attributes Fn::GetAtt accepts', () => {
    expect(attributeNames('AWS::SQS::Queue')).toEqual(['Arn', 'QueueName', 'QueueUrl']);
    expect(attributeNames('AWS::S3::Bucket')).toEqual(expect.arrayContaining(['Arn', 'DomainName', 'RegionalDomainName', 'WebsiteURL']));
    expect(attributeNames('AWS::Lambda::Function')).toEqual(expect.arrayContaining(['Arn']));
    expect(attributeNames('AWS::EC2::Instance')).toEqual([]);
    // CloudFormation's names, not the package's rename of CodeCommit's Id (RepositoryId).
    expect(attributeNames('AWS::CodeCommit::Repository')).toEqual(['Arn', 'CloneUrlHttp', 'CloneUrlSsh', 'Id', 'Name']);
  });

  it('accepts properties that fit, with CloudFormation scalar coercion', () => {
    expect(reason('AWS::SQS::Queue', {})).toBeUndefined();
    expect(reason('AWS::SQS::Queue', { VisibilityTimeout: '30', DelaySeconds: 5, FifoQueue: 'true', ContentBasedDeduplication: false, QueueName: 'q.fifo' })).toBeUndefined();
    expect(reason('AWS::SSM::Parameter', { Type: 'String', Value: 42, Name: '/a' })).toBeUndefined();
    expect(reason('AWS::IAM::Role', { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] }, Tags: [{ Key: 'k', Value: 'v' }] })).toBeUndefined();
    expect(reason('AWS::IAM::Role', { AssumeRolePolicyDocument: '{"Version":"2012-10-17"}' })).toBeUndefined();
    expect(reason('AWS::Lambda::Function', { Role: 'arn:aws:iam::000000000000:role/r', Code: { ZipFile: 'x' }, Runtime: 'nodejs20.x', Handler: 'index.handler', MemorySize: '128' })).toBeUndefined();
  });

  it('reports a missing required property', () => {
    expect(reason('AWS::SSM::Parameter', { Type: 'String' }, 'Param')).toBe('Properties validation failed for resource Param with message: [#: required key [Value] not found]');
  });

  it('reports an extraneous property', () => {
    expect(reason('AWS::SQS::Queue', { Foo: 1 }, 'Queue')).toBe('Properties validation failed for resource Queue with message: [#: extraneous key [Foo] is not permitted]');
  });

  it('reports wrong JSON types at their path', () => {
    expect(reason('AWS::SQS::Queue', { Tags: { Key: 'a', Value: 'b' } })).toBe('Properties validation failed for resource Thing with message: [#/Tags: expected type: JSONArray, found: JSONObject]');
    expect(reason('AWS::SQS::Queue', { VisibilityTimeout: 'thirty' })).toBe(
      'Properties validation failed for resource Thing with message: [#/VisibilityTimeout: expected type: Integer, found: String]',
    );
    expect(reason('AWS::SQS::Queue', { FifoQueue: 'yes' })).toBe('Properties validation failed for resource Thing with message: [#/FifoQueue: expected type: Boolean, found: String]');
    expect(reason('AWS::Lambda::Function', { Role: ['r'], Code: {} })).toBe('Properties validation failed for resource Thing with message: [#/Role: expected type: String, found: JSONArray]');
    expect(reason('AWS::IAM::Role', { AssumeRolePolicyDocument: [] })).toBe(
      'Properties validation failed for resource Thing with message: [#/AssumeRolePolicyDocument: #: no subschema matched out of the total 2 subschemas]',
    );
  });

  it('checks nested property types, lists and maps', () => {
    expect(reason('AWS::SQS::Queue', { Tags: [{ Key: 'a' }, { Key: 'b', Value: 'c', Extra: 1 }] })).toBe(
      'Properties validation failed for resource Thing with message: [#/Tags/0: required key [Value] not found, #/Tags/1: extraneous key [Extra] is not permitted]',
    );
    expect(reason('AWS::SSM::Parameter', { Type: 'String', Value: 'v', Tags: { team: { nested: true } } })).toBe(
      'Properties validation failed for resource Thing with message: [#/Tags/team: expected type: String, found: JSONObject]',
    );
    expect(reason('AWS::S3::Bucket', { VersioningConfiguration: 'Enabled' })).toBe(
      'Properties validation failed for resource Thing with message: [#/VersioningConfiguration: expected type: JSONObject, found: String]',
    );
  });

  it('reports a value outside an enumeration', () => {
    expect(reason('AWS::SSM::Parameter', { Type: 'SecureString', Value: 'v' }, 'SSMRDSUsername')).toBe(
      'Properties validation failed for resource SSMRDSUsername with message: [#/Type: SecureString is not a valid enum value]',
    );
  });

  it('reports every violation together, required keys first', () => {
    expect(reason('AWS::SSM::Parameter', { Foo: 'x', Description: {} })).toBe(
      'Properties validation failed for resource Thing with message: [#: required key [Type] not found, #: required key [Value] not found, #: extraneous key [Foo] is not permitted, #/Description: expected type: String, found: JSONObject]',
    );
  });

  it('lets a custom resource take any property but requires its ServiceToken', () => {
    expect(reason('Custom::Thing', { ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:f', Anything: { goes: [1] } })).toBeUndefined();
    expect(reason('AWS::CloudFormation::CustomResource', { Anything: 1 })).toBe('Properties validation failed for resource Thing with message: [#: required key [ServiceToken] not found]');
  });

  it('validates the CDK metadata resource the CDK synthesizes', () => {
    expect(reason('AWS::CDK::Metadata', { Analytics: 'v2:deflate64:H4sI' })).toBeUndefined();
  });
});
