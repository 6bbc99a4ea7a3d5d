import { describe, expect, it } from 'vitest';
import { requiredCapabilities, templateSummaryOutput, validateTemplateOutput } from './describe.js';
import { resolveDynamicReferences } from './dynamic-references.js';
import { templateUrlLocation } from './location.js';
import { parseTemplate } from './parse.js';
import { PSEUDO } from './test-support.js';
import { processTransforms } from './transforms.js';
import type { ExternalValues } from './types.js';

const snippets: Record<string, string> = {
  's3://bucket/topic.yaml': 'Type: AWS::SNS::Topic\nProperties:\n  TopicName: !Sub "${AWS::StackName}-t"\n',
  's3://bucket/outputs.json': '{"Outputs": {"Name": {"Value": "x"}}}',
};
const hooks = {
  fetchTemplate: async (location: string) => {
    const text = snippets[location];
    if (text === undefined) throw new Error(`no ${location}`);
    return text;
  },
  pseudo: PSEUDO,
};

describe('processTransforms', () => {
  it('includes snippets in place and at the top level (AWS::Include)', async () => {
    const template = parseTemplate(`Transform: {Name: AWS::Include, Parameters: {Location: s3://bucket/outputs.json}}
Resources:
  Topic:
    Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://bucket/topic.yaml}}
`);
    const processed = await processTransforms(template, hooks);
    expect(processed.Resources.Topic).toEqual({ Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::Sub': '${AWS::StackName}-t' } } });
    expect(processed.Outputs).toEqual({ Name: { Value: 'x' } });
    expect(processed.Transform).toBeUndefined();
  });

  it('expands Fn::ForEach over a list and a CommaDelimitedList parameter (AWS::LanguageExtensions)', async () => {
    const template = parseTemplate(`Transform: AWS::LanguageExtensions
Parameters:
  Names: {Type: CommaDelimitedList, Default: "a-1,b"}
  Policy: {Type: String, Default: Retain}
Resources:
  Fn::ForEach::Topics:
    - Name
    - !Ref Names
    - Topic&{Name}:
        Type: AWS::SNS::Topic
        DeletionPolicy: !Ref Policy
        Properties:
          TopicName: !Sub "\${Name}-topic"
          DisplayName: !Ref Name
`);
    const processed = await processTransforms(template, hooks);
    expect(processed.Resources).toEqual({
      Topica1: { Type: 'AWS::SNS::Topic', DeletionPolicy: 'Retain', Properties: { TopicName: { 'Fn::Sub': 'a-1-topic' }, DisplayName: 'a-1' } },
      Topicb: { Type: 'AWS::SNS::Topic', DeletionPolicy: 'Retain', Properties: { TopicName: { 'Fn::Sub': 'b-topic' }, DisplayName: 'b' } },
    });
    expect(processed.Transform).toEqual(['AWS::LanguageExtensions']);
  });

  it('refuses a macro that does not exist as AWS does', async () => {
    const template = parseTemplate('Transform: MyMacro\nResources:\n  T: {Type: AWS::SNS::Topic}\n');
    await expect(processTransforms(template, hooks)).rejects.toThrow('No transform named 123456789012::MyMacro found.');
  });

  it("expands SAM with AWS's translator and reports its errors as AWS does", async () => {
    const sam = parseTemplate(`Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: nodejs20.x, Handler: index.handler, InlineCode: "exports.handler = async () => 1"}
`);
    const processed = await processTransforms(sam, hooks);
    expect(processed.Resources.Fn?.Type).toBe('AWS::Lambda::Function');
    expect(processed.Resources.FnRole?.Type).toBe('AWS::IAM::Role');
    expect(processed.Transform).toBeUndefined();
    const broken = parseTemplate('Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: nodejs20.x}\n');
    await expect(processTransforms(broken, hooks)).rejects.toThrow(
      'Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application Specification document. Number of errors found: 1. Resource with id [Fn] is invalid.',
    );
  }, 20_000);
});

describe('validateTemplateOutput and templateSummaryOutput', () => {
  it('reports parameters, capabilities and their reason', () => {
    const template = parseTemplate(`Description: demo
Metadata: {Owner: me}
Parameters:
  Pass: {Type: String, NoEcho: true, Description: secret, Default: x}
Resources:
  Role: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}
  Bucket: {Type: AWS::S3::Bucket}
`);
    expect(validateTemplateOutput(template)).toEqual({
      Parameters: [{ ParameterKey: 'Pass', DefaultValue: 'x', NoEcho: true, Description: 'secret' }],
      Description: 'demo',
      Capabilities: ['CAPABILITY_IAM'],
      CapabilitiesReason: 'The following resource(s) require capabilities: [AWS::IAM::Role]',
      DeclaredTransforms: [],
    });
    const summary = templateSummaryOutput(template, (type) => (type === 'AWS::S3::Bucket' ? ['BucketName'] : []));
    expect(summary.ResourceTypes).toEqual(['AWS::IAM::Role', 'AWS::S3::Bucket']);
    expect(summary.Metadata).toBe('{"Owner":"me"}');
    expect(summary.ResourceIdentifierSummaries).toEqual([{ ResourceType: 'AWS::S3::Bucket', LogicalResourceIds: ['Bucket'], ResourceIdentifiers: ['BucketName'] }]);
  });

  it.each([
    ['Resources:\n  U: {Type: AWS::IAM::User, Properties: {UserName: bob}}\n', ['CAPABILITY_NAMED_IAM']],
    ['Transform: AWS::Serverless-2016-10-31\nResources:\n  F: {Type: AWS::Serverless::Function}\n', ['CAPABILITY_AUTO_EXPAND']],
    ['Resources:\n  B: {Type: AWS::S3::Bucket}\n', []],
  ])('requiredCapabilities(%j)', (body, capabilities) => {
    expect(requiredCapabilities(parseTemplate(body)).capabilities).toEqual(capabilities);
  });
});

describe('templateUrlLocation', () => {
  it.each([
    ['https://my-bucket.s3.amazonaws.com/path/t.yaml', { bucket: 'my-bucket', key: 'path/t.yaml' }],
    ['https://my-bucket.s3.us-west-2.amazonaws.com/t.yaml', { bucket: 'my-bucket', key: 't.yaml' }],
    ['https://s3.us-west-2.amazonaws.com/my-bucket/t.yaml?versionId=3', { bucket: 'my-bucket', key: 't.yaml', versionId: '3' }],
    ['https://s3-eu-west-1.amazonaws.com/my-bucket/a%20b.json', { bucket: 'my-bucket', key: 'a b.json' }],
    ['http://localhost:4566/my-bucket/t.yaml', { bucket: 'my-bucket', key: 't.yaml' }],
    ['http://my-bucket.s3.localhost:4566/t.yaml', { bucket: 'my-bucket', key: 't.yaml' }],
  ])('%s', (url, location) => {
    expect(templateUrlLocation(url)).toEqual(location);
  });

  it.each(['s3://my-bucket/t.yaml', 'https://example.com/t.yaml', 'not a url'])('refuses %s', (url) => {
    expect(() => templateUrlLocation(url)).toThrow('TemplateURL must be a supported URL.');
  });
});

describe('resolveDynamicReferences', () => {
  const external: ExternalValues = {
    ssmParameter: async (name, version, decrypt) => `${name}@${version ?? 'latest'}${decrypt ? ':decrypted' : ''}`,
    secret: async (id, options) => `${id}/${options.jsonKey ?? '-'}/${options.versionStage ?? '-'}/${options.versionId ?? '-'}`,
  };

  it('replaces references anywhere inside strings', async () => {
    expect(
      await resolveDynamicReferences(
        {
          A: 'pre-{{resolve:ssm:/app/name}}-post',
          B: ['{{resolve:ssm:/app/name:3}}', '{{resolve:ssm-secure:/db/pass:1}}'],
          C: '{{resolve:secretsmanager:MySecret:SecretString:password}}',
          D: '{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-a1b2c3:SecretString::AWSPREVIOUS}}',
          E: 7,
        },
        external,
      ),
    ).toEqual({
      A: 'pre-/app/name@latest-post',
      B: ['/app/name@3', '/db/pass@1:decrypted'],
      C: 'MySecret/password/-/-',
      D: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-a1b2c3/-/AWSPREVIOUS/-',
      E: 7,
    });
  });

  it('refuses references it cannot read', async () => {
    await expect(resolveDynamicReferences('{{resolve:vault:x}}', external)).rejects.toThrow('Unsupported dynamic reference service: vault');
    await expect(resolveDynamicReferences('{{resolve:secretsmanager:S:SecretBinary}}', external)).rejects.toThrow('Only SecretString is supported.');
  });
});
