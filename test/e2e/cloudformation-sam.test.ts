/**
 * Macros in the stack path: a SAM template (AWS::Serverless-2016-10-31, expanded by AWS's own
 * aws-sam-translator) deployed with CreateStack and with a change set, needing
 * CAPABILITY_AUTO_EXPAND as AWS does; the function SAM makes really runs; GetTemplate shows the
 * original and the processed template. AWS::Include from Drydock's S3 and AWS::LanguageExtensions
 * run through UpdateStack.
 */
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  waitUntilChangeSetCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { resourcesOf, settled } from './cloudformation-helpers.js';
import { decode, NODE_RUNTIME } from './lambda-helpers.js';

const server = useServer();
let cfn: CloudFormationClient;

const SAM_TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: ${NODE_RUNTIME}
      Handler: index.handler
      Timeout: 5
      InlineCode: |
        exports.handler = async (event) => ({ message: process.env.GREETING + ' ' + event.name });
      Environment:
        Variables:
          GREETING: !Ref Greeting
Outputs:
  FunctionName:
    Value: !Ref Hello
  RoleArn:
    Value: !GetAtt HelloRole.Arn
`;

beforeAll(() => {
  cfn = new CloudFormationClient(server.clientConfig);
});

async function invoke(functionName: string, payload: unknown): Promise<unknown> {
  const out = await new LambdaClient(server.clientConfig).send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
  return decode(out.Payload);
}

function outputsOf(stack: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }): Record<string, string> {
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

describe('AWS::Serverless-2016-10-31', () => {
  it('needs CAPABILITY_AUTO_EXPAND, then deploys the function SAM expands to, which runs', async () => {
    await expectAwsError(cfn.send(new CreateStackCommand({ StackName: 'sam-app', TemplateBody: SAM_TEMPLATE, Capabilities: ['CAPABILITY_IAM'] })), {
      code: 'InsufficientCapabilitiesException',
      status: 400,
      message: 'Requires capabilities : [CAPABILITY_AUTO_EXPAND]',
    });
    await cfn.send(new CreateStackCommand({ StackName: 'sam-app', TemplateBody: SAM_TEMPLATE, Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] }));
    const stack = await settled(cfn, 'sam-app', 30_000);
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    const outputs = outputsOf(stack);
    expect(outputs.FunctionName).toMatch(/^sam-app-Hello-[A-Za-z0-9]{12}$/);
    expect(outputs.RoleArn).toMatch(/^arn:aws:iam::000000000000:role\/sam-app-HelloRole-[A-Za-z0-9]{12}$/);
    expect(await invoke(outputs.FunctionName!, { name: 'world' })).toEqual({ message: 'hello world' });

    const resources = await resourcesOf(cfn, 'sam-app');
    expect(resources.Hello!.ResourceType).toBe('AWS::Lambda::Function');
    expect(resources.HelloRole!.ResourceType).toBe('AWS::IAM::Role');

    const original = await cfn.send(new GetTemplateCommand({ StackName: 'sam-app', TemplateStage: 'Original' }));
    expect(original.TemplateBody).toBe(SAM_TEMPLATE);
    expect(original.StagesAvailable).toEqual(['Original', 'Processed']);
    const processed = JSON.parse((await cfn.send(new GetTemplateCommand({ StackName: 'sam-app', TemplateStage: 'Processed' }))).TemplateBody!);
    expect(processed.Transform).toBeUndefined();
    expect(processed.Resources.Hello.Type).toBe('AWS::Lambda::Function');
    expect(processed.Resources.HelloRole.Type).toBe('AWS::IAM::Role');

    await cfn.send(
      new UpdateStackCommand({
        StackName: 'sam-app',
        TemplateBody: SAM_TEMPLATE,
        Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'hi' }],
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      }),
    );
    expect((await settled(cfn, 'sam-app', 30_000)).StackStatus).toBe('UPDATE_COMPLETE');
    expect(await invoke(outputs.FunctionName!, { name: 'there' })).toEqual({ message: 'hi there' });
  });

  it('deploys through a change set, as sam deploy does', async () => {
    const { Id } = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'sam-changeset',
        ChangeSetName: 'initial',
        ChangeSetType: 'CREATE',
        TemplateBody: SAM_TEMPLATE,
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      }),
    );
    await waitUntilChangeSetCreateComplete({ client: cfn, maxWaitTime: 20, minDelay: 0.05, maxDelay: 0.2 }, { ChangeSetName: Id });
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id }));
    const stack = await settled(cfn, 'sam-changeset', 30_000);
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(await invoke(outputsOf(stack).FunctionName!, { name: 'set' })).toEqual({ message: 'hello set' });
  });
});

describe('AWS::Include and AWS::LanguageExtensions', () => {
  it('includes a snippet from Drydock S3 and expands Fn::ForEach when a stack is updated', async () => {
    const s3 = new S3Client(server.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: 'macro-snippets' }));
    await s3.send(new PutObjectCommand({ Bucket: 'macro-snippets', Key: 'param.yaml', Body: 'Included:\n  Type: AWS::SSM::Parameter\n  Properties:\n    Type: String\n    Value: from-include\n' }));
    await cfn.send(
      new CreateStackCommand({ StackName: 'macros', TemplateBody: JSON.stringify({ Resources: { Plain: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'plain' } } } }) }),
    );
    expect((await settled(cfn, 'macros')).StackStatus).toBe('CREATE_COMPLETE');

    const template = `
Transform: AWS::LanguageExtensions
Resources:
  Plain:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: plain
  Fn::ForEach::Params:
    - Name
    - [Alpha, Beta]
    - Param\${Name}:
        Type: AWS::SSM::Parameter
        Properties:
          Type: String
          Value: !Sub 'value-\${Name}'
  Fn::Transform:
    Name: AWS::Include
    Parameters:
      Location: s3://macro-snippets/param.yaml
Outputs:
  Included:
    Value: !Ref Included
  Beta:
    Value: !Ref ParamBeta
`;
    await expectAwsError(cfn.send(new UpdateStackCommand({ StackName: 'macros', TemplateBody: template })), {
      code: 'InsufficientCapabilitiesException',
      status: 400,
      message: 'Requires capabilities : [CAPABILITY_AUTO_EXPAND]',
    });
    await cfn.send(new UpdateStackCommand({ StackName: 'macros', TemplateBody: template, Capabilities: ['CAPABILITY_AUTO_EXPAND'] }));
    const stack = await settled(cfn, 'macros');
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    const ssm = new SSMClient(server.clientConfig);
    const outputs = outputsOf(stack);
    expect((await ssm.send(new GetParameterCommand({ Name: outputs.Included! }))).Parameter?.Value).toBe('from-include');
    expect((await ssm.send(new GetParameterCommand({ Name: outputs.Beta! }))).Parameter?.Value).toBe('value-Beta');
    expect(Object.keys(await resourcesOf(cfn, 'macros')).sort()).toEqual(['Included', 'ParamAlpha', 'ParamBeta', 'Plain']);
  });
});
