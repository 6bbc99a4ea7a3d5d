import { describe, expect, it } from 'vitest';
import { containsDynamic, DYNAMIC, evaluate } from './intrinsics.js';
import { parseTemplate } from './parse.js';
import { contextWith, stringParameter } from './test-support.js';

const context = contextWith({
  parameters: { Env: stringParameter('Env', 'prod'), Subnets: stringParameter('Subnets', ['s-1', 's-2']) },
  conditions: { IsProd: true, IsDev: false },
  refs: { Bucket: 'demo-bucket-abc' },
  attributes: { 'Bucket.Arn': 'arn:aws:s3:::demo-bucket-abc', 'Nested.Outputs.Url': 'https://x' },
  exports: { SharedVpc: 'vpc-123' },
  mappings: { RegionMap: { 'us-east-1': { AMI: 'ami-0ff8a91507f77f867', Zones: ['a', 'b'] } } },
});

/** Evaluates a YAML snippet's `V` property. */
function yamlValue(snippet: string): unknown {
  const template = parseTemplate(`Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      V: ${snippet}\n`);
  return evaluate(template.Resources.R?.Properties?.V, context);
}

describe('evaluate: the documented examples of each intrinsic', () => {
  it.each([
    ['!Ref Env', 'prod'],
    ['!Ref AWS::Region', 'us-east-1'],
    ['!Ref AWS::AccountId', '123456789012'],
    ['!Ref AWS::URLSuffix', 'amazonaws.com'],
    ['!Ref AWS::NotificationARNs', ['arn:aws:sns:us-east-1:123456789012:topic']],
    ['!Ref Bucket', 'demo-bucket-abc'],
    ['!GetAtt Bucket.Arn', 'arn:aws:s3:::demo-bucket-abc'],
    ['!GetAtt [Bucket, Arn]', 'arn:aws:s3:::demo-bucket-abc'],
    ['!GetAtt Nested.Outputs.Url', 'https://x'],
    ['!Join [":", [a, b, c]]', 'a:b:c'],
    ['!Join ["", [!Ref Env, "-", !Ref AWS::Region]]', 'prod-us-east-1'],
    ['!Join [",", !Ref Subnets]', 's-1,s-2'],
    ['!Sub "arn:${AWS::Partition}:s3:::${Bucket}/*"', 'arn:aws:s3:::demo-bucket-abc/*'],
    ['!Sub "${Bucket.Arn}"', 'arn:aws:s3:::demo-bucket-abc'],
    ['!Sub ["www.${Domain}", { Domain: !Ref Env }]', 'www.prod'],
    ['!Sub "${!Literal}-${Env}"', '${Literal}-prod'],
    ['!Select [1, [apples, grapes, oranges, mangoes]]', 'grapes'],
    ['!Select ["0", !GetAZs ""]', 'us-east-1a'],
    ['!Split ["|", "a|b|c"]', ['a', 'b', 'c']],
    ['!FindInMap [RegionMap, !Ref AWS::Region, AMI]', 'ami-0ff8a91507f77f867'],
    ['!FindInMap [RegionMap, eu-west-9, AMI, {DefaultValue: ami-default}]', 'ami-default'],
    ['!ImportValue SharedVpc', 'vpc-123'],
    ['!Base64 "#!/bin/bash"', 'IyEvYmluL2Jhc2g='],
    ['!GetAZs ""', ['us-east-1a', 'us-east-1b', 'us-east-1c']],
    ['!Cidr ["192.168.0.0/24", 6, 5]', ['192.168.0.0/27', '192.168.0.32/27', '192.168.0.64/27', '192.168.0.96/27', '192.168.0.128/27', '192.168.0.160/27']],
    ['!Cidr ["2001:db8::/56", 2, 64]', ['2001:db8::/64', '2001:db8:0:1::/64']],
    ['!If [IsProd, big, small]', 'big'],
    ['!If [IsDev, big, !Ref AWS::NoValue]', undefined],
    ['!Length [a, b, c]', 3],
    ['!ToJsonString {a: [1, x]}', '{"a":[1,"x"]}'],
  ])('%s', (snippet, expected) => {
    expect(yamlValue(snippet)).toEqual(expected);
  });

  it('removes members and list items that are AWS::NoValue', () => {
    const value = { A: { Ref: 'AWS::NoValue' }, B: ['x', { 'Fn::If': ['IsDev', 'y', { Ref: 'AWS::NoValue' }] }] };
    expect(evaluate(value, context)).toEqual({ B: ['x'] });
  });

  it('answers DYNAMIC for values not known yet, and for strings built from them', () => {
    expect(yamlValue('!Ref Queue')).toBe(DYNAMIC);
    expect(yamlValue('!GetAtt Queue.Arn')).toBe(DYNAMIC);
    expect(yamlValue('!Sub "${Queue.Arn}/x"')).toBe(DYNAMIC);
    expect(yamlValue('!Join ["", [a, !Ref Queue]]')).toBe(DYNAMIC);
    expect(containsDynamic(evaluate({ List: ['a', { Ref: 'Queue' }] }, context))).toBe(true);
    expect(containsDynamic(evaluate({ List: ['a', { Ref: 'Bucket' }] }, context))).toBe(false);
  });
});

describe('evaluate: AWS errors for misused intrinsics', () => {
  it.each([
    [
      '!Join [","]',
      'Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.',
    ],
    ['!Select [5, [a]]', 'Template error: Fn::Select cannot select nonexistent value at index 5'],
    ['!Select [2, !Split [",", !ImportValue SharedVpc]]', 'Template error: Fn::Select cannot select nonexistent value at index 2'],
    ['!Select [x, [a]]', 'Template error: Fn::Select requires a list argument with a valid index value as its first element'],
    ['!FindInMap [RegionMap, eu-west-9, AMI]', 'Template error: Unable to get mapping for RegionMap::eu-west-9::AMI'],
    ['!FindInMap [Nope, a, b]', "Template error: Mapping named 'Nope' is not present in the 'Mappings' section of template"],
    ['!FindInMap [RegionMap, a]', 'Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value'],
    ['!If [IsProd, a]', 'Template error: Fn::If requires a list argument with three elements'],
    ['!If [Unknown, a, b]', 'Template error: unresolved condition dependency Unknown in Fn::If'],
    ['!GetAtt [Bucket]', 'Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute'],
    ['!Foo bar', 'Template format error: Encountered unsupported function: Fn::Foo Supported functions are: ['],
  ])('%s', (snippet, message) => {
    expect(() => yamlValue(snippet)).toThrow(message);
  });
});
