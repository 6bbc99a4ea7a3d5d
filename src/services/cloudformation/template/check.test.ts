import { describe, expect, it } from 'vitest';
import { checkTemplate } from './check.js';
import { parseTemplate } from './parse.js';

const known = (type: string) => type.startsWith('AWS::S3::') || type.startsWith('AWS::SNS::');

function check(body: string): void {
  checkTemplate(parseTemplate(body), known);
}

describe('checkTemplate', () => {
  it('accepts a template whose references all resolve', () => {
    expect(() =>
      check(`Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Condition: IsProd
  Bucket:
    Type: AWS::S3::Bucket
    DependsOn: Topic
    Properties:
      BucketName: !Sub "\${Env}-\${Topic.TopicName}-\${AWS::Region}"
      Tags: [{Key: k, Value: !If [IsProd, !Ref Topic, !Ref AWS::NoValue]}]
  Custom:
    Type: Custom::Thing
Outputs:
  Arn: {Value: !GetAtt Bucket.Arn, Condition: IsProd}
`),
    ).not.toThrow();
  });

  it.each([
    ['Resources:\n  A: {Type: AWS::Foo::Bar}\n  B: {Type: AWS::Foo::Baz}\n', 'Template format error: Unrecognized resource types: [AWS::Foo::Bar, AWS::Foo::Baz]'],
    ['Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref Nope}}\n', 'Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template'],
    ['Resources:\n  A: {Type: AWS::SNS::Topic, DependsOn: Zed}\n', 'Template format error: Unresolved resource dependencies [Zed] in the Resources block of the template'],
    ['Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !GetAtt Nope.Arn}}\n', 'Template error: instance of Fn::GetAtt references undefined resource Nope'],
    ['Resources:\n  A: {Type: AWS::SNS::Topic}\nOutputs:\n  O: {Value: !Ref Nope}\n', 'Template format error: Unresolved resource dependencies [Nope] in the Outputs block of the template'],
    ['Resources:\n  A: {Type: AWS::SNS::Topic, DependsOn: B}\n  B: {Type: AWS::SNS::Topic, DependsOn: A}\n', 'Circular dependency between resources: [A, B]'],
    [
      'Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub "${B.Arn}"}}\n  B: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref A}}\n  C: {Type: AWS::SNS::Topic, DependsOn: A}\n',
      'Circular dependency between resources: [A, B]',
    ],
    ['Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Join [","]}}\n', 'Template error: every Fn::Join object requires two parameters'],
    ['Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: {"Fn::Foo": x}}}\n', 'Template format error: Encountered unsupported function: Fn::Foo Supported functions are: [Fn::Base64'],
    ['Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Length [a]}}\n', 'Encountered unsupported function: Fn::Length'],
    ['Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !If [Nope, a, b]}}\n', 'Template error: unresolved condition dependency Nope in Fn::If'],
    ['Resources:\n  A: {Type: AWS::S3::Bucket, Condition: Nope}\n', 'Template format error: Unresolved condition dependencies [Nope] in the Resources block of the template'],
    [
      'Conditions:\n  C: !Equals [!Ref A, x]\nResources:\n  A: {Type: AWS::SNS::Topic}\n',
      'Template format error: Unresolved dependencies [A]. Cannot reference resources in the Conditions block of the template',
    ],
    ['Conditions:\n  C: !Not [!Condition D]\n  D: !Not [!Condition C]\nResources:\n  A: {Type: AWS::SNS::Topic}\n', 'Template format error: Circular dependency between conditions: [C, D]'],
    [
      'Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub ["x", {a-b: c}]}}\n',
      'every key of the context object of every Fn::Sub object must contain only alphanumeric characters and underscores',
    ],
  ])('refuses %j', (body, message) => {
    expect(() => check(body)).toThrow(message);
  });

  it('allows Fn::Length and FindInMap defaults only under AWS::LanguageExtensions', () => {
    expect(() => check('Transform: AWS::LanguageExtensions\nResources:\n  A: {Type: AWS::S3::Bucket, Properties: {N: !Length [a], M: !FindInMap [M, a, b, {DefaultValue: x}]}}\n')).not.toThrow();
    expect(() => check('Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {M: !FindInMap [M, a, b, {DefaultValue: x}]}}\n')).toThrow('every Fn::FindInMap object requires three parameters');
  });
});
