import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../core/errors.js';
import { evaluateConditions } from './conditions.js';
import { resourceDependencies } from './dependencies.js';
import { resolveParameters } from './parameters.js';
import { parseTemplate } from './parse.js';
import { PSEUDO } from './test-support.js';
import type { ExternalValues, ParameterInput, ResolvedParameter } from './types.js';

const ssm: Record<string, string> = { '/ami/latest': 'ami-123', '/subnets': 'subnet-1,subnet-2' };
const external: ExternalValues = {
  ssmParameter: async (name) => {
    const value = ssm[name];
    if (value === undefined) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
    return value;
  },
  secret: async () => 'unused',
};

const template = parseTemplate(`Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
  Name: {Type: String, MinLength: 3, MaxLength: 8, AllowedPattern: "[a-z]+"}
  Count: {Type: Number, MinValue: 1, MaxValue: 10, Default: 2}
  Ports: {Type: List<Number>, Default: "80, 443"}
  Zones: {Type: CommaDelimitedList, Default: "a, b ,c"}
  Key: {Type: AWS::EC2::KeyPair::KeyName, Default: my-key}
  Subnet: {Type: List<AWS::EC2::Subnet::Id>, Default: "subnet-1,subnet-2"}
  Ami: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /ami/latest}
  Subnets: {Type: "AWS::SSM::Parameter::Value<List<String>>", Default: /subnets}
  Secret: {Type: String, NoEcho: true, Default: s3cret}
  Described: {Type: String, Default: ok, AllowedPattern: "ok|fine", ConstraintDescription: must be ok or fine}
Resources:
  B: {Type: AWS::S3::Bucket}
`);

function resolve(inputs: ParameterInput[], previous?: Record<string, ResolvedParameter>) {
  return resolveParameters(template, inputs, { external, pseudo: PSEUDO, previous });
}

describe('resolveParameters', () => {
  it('takes values, Defaults and every type as Ref sees it', async () => {
    const resolved = await resolve([{ ParameterKey: 'Name', ParameterValue: 'abc' }]);
    expect(resolved.Env?.refValue).toBe('dev');
    expect(resolved.Count?.refValue).toBe('2');
    expect(resolved.Ports?.refValue).toEqual(['80', '443']);
    expect(resolved.Zones?.refValue).toEqual(['a', 'b', 'c']);
    expect(resolved.Key?.refValue).toBe('my-key');
    expect(resolved.Subnet?.refValue).toEqual(['subnet-1', 'subnet-2']);
    expect(resolved.Ami).toMatchObject({ value: '/ami/latest', resolvedValue: 'ami-123', refValue: 'ami-123' });
    expect(resolved.Subnets?.refValue).toEqual(['subnet-1', 'subnet-2']);
    expect(resolved.Secret).toMatchObject({ value: 's3cret', noEcho: true });
  });

  it('keeps the previous value for UsePreviousValue', async () => {
    const first = await resolve([{ ParameterKey: 'Name', ParameterValue: 'abc' }]);
    const second = await resolve([{ ParameterKey: 'Name', UsePreviousValue: true }], first);
    expect(second.Name?.value).toBe('abc');
  });

  it.each([
    [[], 'Parameters: [Name] must have values'],
    [
      [
        { ParameterKey: 'Name', ParameterValue: 'abc' },
        { ParameterKey: 'Zed', ParameterValue: '1' },
      ],
      'Parameters: [Zed] do not exist in the template',
    ],
    [
      [
        { ParameterKey: 'Name', ParameterValue: 'abc' },
        { ParameterKey: 'Env', ParameterValue: 'test' },
      ],
      "Parameter 'Env' must be one of AllowedValues",
    ],
    [[{ ParameterKey: 'Name', ParameterValue: 'ab' }], "Parameter 'Name' must contain at least 3 characters"],
    [[{ ParameterKey: 'Name', ParameterValue: 'abcdefghi' }], "Parameter 'Name' must contain at most 8 characters"],
    [[{ ParameterKey: 'Name', ParameterValue: 'ABC' }], "Parameter 'Name' must match pattern [a-z]+"],
    [
      [
        { ParameterKey: 'Name', ParameterValue: 'abc' },
        { ParameterKey: 'Count', ParameterValue: '0' },
      ],
      "Parameter 'Count' must be a number not less than 1",
    ],
    [
      [
        { ParameterKey: 'Name', ParameterValue: 'abc' },
        { ParameterKey: 'Count', ParameterValue: '11' },
      ],
      "Parameter 'Count' must be a number not greater than 10",
    ],
    [
      [
        { ParameterKey: 'Name', ParameterValue: 'abc' },
        { ParameterKey: 'Count', ParameterValue: 'ten' },
      ],
      "Parameter 'Count' must be a number",
    ],
    [
      [
        { ParameterKey: 'Name', ParameterValue: 'abc' },
        { ParameterKey: 'Ports', ParameterValue: '80,x' },
      ],
      "Parameter 'Ports' must be a number",
    ],
    [
      [
        { ParameterKey: 'Name', ParameterValue: 'abc' },
        { ParameterKey: 'Described', ParameterValue: 'bad' },
      ],
      'Parameter Described failed to satisfy constraint: must be ok or fine',
    ],
    [
      [
        { ParameterKey: 'Name', ParameterValue: 'abc' },
        { ParameterKey: 'Ami', ParameterValue: '/nope' },
      ],
      'Unable to fetch parameters [/nope] from parameter store for this account.',
    ],
    [[{ ParameterKey: 'Name', UsePreviousValue: true }], 'Invalid input for parameter key Name. Cannot specify usePreviousValue as true for a parameter key not in the previous template'],
  ])('refuses %j', async (inputs, message) => {
    await expect(resolve(inputs as ParameterInput[])).rejects.toThrow(message);
  });

  it('refuses a type it does not know', async () => {
    const unknown = parseTemplate('Parameters:\n  P: {Type: Strin, Default: x}\nResources:\n  B: {Type: AWS::S3::Bucket}\n');
    await expect(resolveParameters(unknown, [], { external, pseudo: PSEUDO })).rejects.toThrow('Template format error: Unrecognized parameter type: Strin');
  });
});

describe('evaluateConditions and resourceDependencies', () => {
  const conditional = parseTemplate(`Parameters:
  Env: {Type: String}
Mappings:
  Sizes: {prod: {Big: "true"}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsBig: !Equals [!FindInMap [Sizes, prod, Big], "true"]
  ProdAndBig: !And [!Condition IsProd, !Condition IsBig]
  NotProd: !Not [!Condition IsProd]
  Either: !Or [!Condition NotProd, !Equals [!Ref AWS::Region, us-east-1]]
Resources:
  Queue: {Type: AWS::SQS::Queue, Condition: IsProd}
  Topic: {Type: AWS::SNS::Topic}
  Bucket:
    Type: AWS::S3::Bucket
    DependsOn: Topic
    Properties:
      Name: !If [IsProd, !GetAtt Queue.Arn, !Sub "\${Topic}-\${AWS::Region}"]
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      Doc: !Sub ["\${Q}", {Q: !Ref Topic}]
`);
  const env = (value: string) => ({ Env: { key: 'Env', value, refValue: value, noEcho: false } });

  it('evaluates conditions that refer to conditions', () => {
    expect(evaluateConditions(conditional, { pseudo: PSEUDO, parameters: env('prod') })).toEqual({
      IsProd: true,
      IsBig: true,
      ProdAndBig: true,
      NotProd: false,
      Either: true,
    });
    expect(evaluateConditions(conditional, { pseudo: PSEUDO, parameters: env('dev') }).ProdAndBig).toBe(false);
  });

  it('follows only the Fn::If branch taken and leaves out resources whose condition is false', () => {
    const prod = evaluateConditions(conditional, { pseudo: PSEUDO, parameters: env('prod') });
    const dev = evaluateConditions(conditional, { pseudo: PSEUDO, parameters: env('dev') });
    const inProd = resourceDependencies(conditional, prod);
    const inDev = resourceDependencies(conditional, dev);
    expect([...(inProd.get('Bucket') ?? [])].sort()).toEqual(['Queue', 'Topic']);
    expect([...(inDev.get('Bucket') ?? [])]).toEqual(['Topic']);
    expect(inDev.has('Queue')).toBe(false);
    expect([...(inDev.get('Policy') ?? [])].sort()).toEqual(['Bucket', 'Topic']);
  });

  it('refuses a reference to a resource its condition left out', () => {
    const template = parseTemplate('Conditions:\n  No: !Equals [a, b]\nResources:\n  A: {Type: AWS::SNS::Topic, Condition: No}\n  B: {Type: AWS::SNS::Topic, Properties: {N: !Ref A}}\n');
    expect(() => resourceDependencies(template, { No: false })).toThrow('Template format error: Unresolved resource dependencies [A] in the Resources block of the template');
  });
});
