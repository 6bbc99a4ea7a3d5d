import { describe, expect, it } from 'vitest';
import { parseTemplate } from './parse.js';

const bucket = 'Resources:\n  B:\n    Type: AWS::S3::Bucket\n';

describe('parseTemplate', () => {
  it('expands every YAML short form into the JSON form', () => {
    const template = parseTemplate(`Conditions:
  C: !And [!Equals [a, !Ref AWS::Region], !Not [!Condition D], !Or [!Condition D, !Condition D]]
  D: !Equals [x, y]
Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      A: !GetAtt B.Arn
      S: !Sub ["\${X}", {X: !Base64 y}]
      L: !Length [!Split [",", !Select [0, !GetAZs ""]]]
      J: !ToJsonString {k: !FindInMap [M, a, b]}
      I: !ImportValue e
      R: !Cidr [!ImportValue c, 2, 8]
      T: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}
      V: 2012-10-17
`);
    expect(template.Conditions?.C).toEqual({
      'Fn::And': [{ 'Fn::Equals': ['a', { Ref: 'AWS::Region' }] }, { 'Fn::Not': [{ Condition: 'D' }] }, { 'Fn::Or': [{ Condition: 'D' }, { Condition: 'D' }] }],
    });
    expect(template.Resources.B?.Properties).toEqual({
      A: { 'Fn::GetAtt': ['B', 'Arn'] },
      S: { 'Fn::Sub': ['${X}', { X: { 'Fn::Base64': 'y' } }] },
      L: { 'Fn::Length': [{ 'Fn::Split': [',', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }] }] },
      J: { 'Fn::ToJsonString': { k: { 'Fn::FindInMap': ['M', 'a', 'b'] } } },
      I: { 'Fn::ImportValue': 'e' },
      R: { 'Fn::Cidr': [{ 'Fn::ImportValue': 'c' }, 2, 8] },
      T: { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
      V: '2012-10-17',
    });
  });

  it.each([
    ['{bad', 'Template format error: JSON not well-formed. (line 1, column 2)'],
    ['{\n  "Resources": {\n    "B": { "Type": "AWS::S3::Bucket", }\n  }\n}', 'Template format error: JSON not well-formed. (line 3, column 39)'],
    ['Resources:\n  B: [a\n  C: x', 'Template format error: YAML not well-formed. (line 3, column 3)'],
    ['"just a string"', 'Template format error: unsupported structure.'],
    [`Foo: 1\nBar: 2\n${bucket}`, 'Template format error: Invalid template property or properties [Foo, Bar]'],
    ['Description: x\n', 'Template format error: At least one Resources member must be defined.'],
    ['Resources: {}\n', 'Template format error: At least one Resources member must be defined.'],
    ['Resources:\n  my-bucket:\n    Type: AWS::S3::Bucket\n', 'Template format error: Resource name my-bucket is non alphanumeric.'],
    ['Resources:\n  B:\n    Properties: {}\n', 'Template format error: [/Resources/B] Every Resources object must contain a Type member.'],
    ['Resources:\n  B: AWS::S3::Bucket\n', 'Template format error: [/Resources/B] Every Resources member must be an object.'],
    [`AWSTemplateFormatVersion: "2010-09-10"\n${bucket}`, 'Template format error: Unsupported AWSTemplateFormatVersion: 2010-09-10'],
    [`Outputs:\n  O:\n    Description: d\n${bucket}`, 'Template format error: [/Outputs/O] Every Outputs member must contain a Value object'],
    [`Parameters:\n  P:\n    Default: x\n${bucket}`, 'Template format error: [/Parameters/P] Every Parameters object must contain a Type member.'],
  ])('refuses %j', (body, message) => {
    expect(() => parseTemplate(body)).toThrow(message);
  });

  it('enforces the resource, parameter and output limits', () => {
    const many = (count: number, make: (index: number) => string) => Array.from({ length: count }, (_, index) => make(index)).join('');
    expect(() => parseTemplate(`Resources:\n${many(501, (i) => `  R${i}:\n    Type: AWS::SNS::Topic\n`)}`)).toThrow(
      'Template format error: Number of resources, 501, is greater than maximum allowed, 500',
    );
    expect(() => parseTemplate(`Parameters:\n${many(201, (i) => `  P${i}: {Type: String}\n`)}${bucket}`)).toThrow(
      'Template format error: Number of parameters, 201, is greater than maximum allowed, 200',
    );
    expect(() => parseTemplate(`Outputs:\n${many(201, (i) => `  O${i}: {Value: x}\n`)}${bucket}`)).toThrow('Template format error: Number of outputs, 201, is greater than maximum allowed, 200');
  });
});
