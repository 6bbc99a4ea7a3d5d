/**
 * The Lambda resource providers through real stacks: a function from inline code (with
 * CloudFormation's cfn-response module), a version, an alias, a permission, a function URL, an
 * event invoke configuration, an SQS event source mapping, a layer version and its permission;
 * each checked through Lambda's own client and the stack's Outputs (Ref and GetAtt as AWS
 * documents them); updates in place (the function's configuration, the alias's weights) and by
 * replacement (a new function name); deletion, with a retained function kept.
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DetectStackResourceDriftCommand, type Output, type Stack, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  GetAliasCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionUrlConfigCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionPolicyCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';
import { decode, executionRole, NODE_RUNTIME, PYTHON_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const lambda = () => new LambdaClient(server.clientConfig);
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

/** Inline code that reads its variable, the layer's module and CloudFormation's cfn-response module. */
const inlineCode = (edition: number) => `const response = require('cfn-response');
exports.handler = async () => ({ edition: ${edition}, greeting: process.env.GREETING, shared: require('shared'), send: typeof response.send });`;

let role: string;
let queueArn: string;

beforeAll(async () => {
  role = await executionRole(server, 'cfn-compute-role');
  const sqs = new SQSClient(server.clientConfig);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'cfn-compute-source' }));
  queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const s3 = new S3Client({ ...server.clientConfig, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'cfn-compute-layers' }));
  await s3.send(new PutObjectCommand({ Bucket: 'cfn-compute-layers', Key: 'layer.zip', Body: zipOf({ 'nodejs/node_modules/shared/index.js': 'module.exports = 42;' }) }));
});

interface Options {
  functionName?: string;
  timeout?: number;
  greeting?: string;
  edition?: number;
  weights?: { FunctionVersion: string; FunctionWeight: number }[];
}

function template(options: Options = {}): string {
  const fn = {
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: options.functionName,
      Runtime: NODE_RUNTIME,
      Handler: 'index.handler',
      Role: role,
      Code: { ZipFile: inlineCode(options.edition ?? 1) },
      Layers: [{ Ref: 'Layer' }],
      Timeout: options.timeout ?? 5,
      Environment: { Variables: { GREETING: options.greeting ?? 'hello' } },
      Tags: [{ Key: 'team', Value: 'compute' }],
    },
  };
  const resources = {
    Fn: fn,
    PyFn: {
      Type: 'AWS::Lambda::Function',
      Properties: { Runtime: PYTHON_RUNTIME, Handler: 'index.handler', Role: role, Code: { ZipFile: 'import cfnresponse\n\ndef handler(event, context):\n    return cfnresponse.SUCCESS\n' } },
    },
    Ver: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Fn' }, Description: 'first' } },
    Ver2: { Type: 'AWS::Lambda::Version', DependsOn: 'Ver', Properties: { FunctionName: { Ref: 'Fn' }, Description: 'second' } },
    Live: {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        Name: 'live',
        FunctionVersion: { 'Fn::GetAtt': ['Ver', 'Version'] },
        RoutingConfig: options.weights ? { AdditionalVersionWeights: options.weights } : undefined,
      },
    },
    Perm: {
      Type: 'AWS::Lambda::Permission',
      Properties: { FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceAccount: { Ref: 'AWS::AccountId' } },
    },
    Url: { Type: 'AWS::Lambda::Url', DependsOn: 'Live', Properties: { TargetFunctionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Qualifier: 'live', AuthType: 'NONE' } },
    Async: { Type: 'AWS::Lambda::EventInvokeConfig', Properties: { FunctionName: { Ref: 'Fn' }, Qualifier: '$LATEST', MaximumRetryAttempts: 1 } },
    Mapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: queueArn, BatchSize: 5 } },
    Layer: {
      Type: 'AWS::Lambda::LayerVersion',
      Properties: { LayerName: 'cfn-shared', Content: { S3Bucket: 'cfn-compute-layers', S3Key: 'layer.zip' }, CompatibleRuntimes: [NODE_RUNTIME] },
    },
    LayerPerm: { Type: 'AWS::Lambda::LayerVersionPermission', Properties: { LayerVersionArn: { Ref: 'Layer' }, Action: 'lambda:GetLayerVersion', Principal: '*' } },
  };
  const output = (value: unknown) => ({ Value: value });
  const outputs = {
    FnRef: output({ Ref: 'Fn' }),
    FnArn: output({ 'Fn::GetAtt': ['Fn', 'Arn'] }),
    PyFnRef: output({ Ref: 'PyFn' }),
    VerRef: output({ Ref: 'Ver' }),
    VerArn: output({ 'Fn::GetAtt': ['Ver', 'FunctionArn'] }),
    VerNumber: output({ 'Fn::GetAtt': ['Ver', 'Version'] }),
    Ver2Number: output({ 'Fn::GetAtt': ['Ver2', 'Version'] }),
    LiveRef: output({ Ref: 'Live' }),
    LiveArn: output({ 'Fn::GetAtt': ['Live', 'AliasArn'] }),
    PermRef: output({ Ref: 'Perm' }),
    PermId: output({ 'Fn::GetAtt': ['Perm', 'Id'] }),
    UrlRef: output({ Ref: 'Url' }),
    UrlArn: output({ 'Fn::GetAtt': ['Url', 'FunctionArn'] }),
    UrlUrl: output({ 'Fn::GetAtt': ['Url', 'FunctionUrl'] }),
    AsyncRef: output({ Ref: 'Async' }),
    MappingRef: output({ Ref: 'Mapping' }),
    MappingId: output({ 'Fn::GetAtt': ['Mapping', 'Id'] }),
    MappingArn: output({ 'Fn::GetAtt': ['Mapping', 'EventSourceMappingArn'] }),
    LayerRef: output({ Ref: 'Layer' }),
    LayerArn: output({ 'Fn::GetAtt': ['Layer', 'LayerVersionArn'] }),
    LayerPermRef: output({ Ref: 'LayerPerm' }),
  };
  return JSON.stringify({ Resources: resources, Outputs: outputs });
}

const outputsOf = (outputs: Output[] | undefined): Record<string, string> => Object.fromEntries((outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));

/** Waits for the stack and checks its status, naming the failed resources' reasons when it is another. */
async function expectStatus(stackName: string, status: string): Promise<Stack> {
  const stack = await settled(cfn(), stackName, 60_000);
  const failures = (await eventLog(cfn(), stack.StackId!)).filter(([, state]) => state.endsWith('_FAILED'));
  expect(stack.StackStatus, JSON.stringify(failures)).toBe(status);
  return stack;
}

describe('CloudFormation Lambda providers', () => {
  it('creates every Lambda resource type, with Ref and GetAtt as AWS documents them', async () => {
    await cfn().send(new CreateStackCommand({ StackName: 'compute', TemplateBody: template() }));
    const stack = await expectStatus('compute', 'CREATE_COMPLETE');
    const out = outputsOf(stack.Outputs);

    const name = out.FnRef;
    expect(name).toMatch(/^compute-Fn-[A-Z0-9]{12}$/);
    const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
    expect(out.FnArn).toBe(functionArn);
    const { Configuration, Tags } = await lambda().send(new GetFunctionCommand({ FunctionName: name }));
    expect(Configuration).toMatchObject({ State: 'Active', Runtime: NODE_RUNTIME, Handler: 'index.handler', Timeout: 5, Role: role, Environment: { Variables: { GREETING: 'hello' } } });
    expect(Tags).toMatchObject({ team: 'compute' });
    // Inline code is index.js, with CloudFormation's cfn-response module beside it and the stack's layer under it.
    const invoked = await lambda().send(new InvokeCommand({ FunctionName: name }));
    expect(decode(invoked.Payload)).toEqual({ edition: 1, greeting: 'hello', shared: 42, send: 'function' });
    // Python inline code is index.py, with the cfnresponse module.
    expect(decode((await lambda().send(new InvokeCommand({ FunctionName: out.PyFnRef }))).Payload)).toBe('SUCCESS');

    expect(out.VerRef).toBe(`${functionArn}:1`);
    expect(out.VerArn).toBe(`${functionArn}:1`);
    expect(out.VerNumber).toBe('1');
    expect(out.Ver2Number).toBe('2');
    const versions = await lambda().send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(versions.Versions?.map((v) => [v.Version, v.Description])).toEqual([
      ['$LATEST', ''],
      ['1', 'first'],
      ['2', 'second'],
    ]);

    expect(out.LiveRef).toBe(`${functionArn}:live`);
    expect(out.LiveArn).toBe(`${functionArn}:live`);
    expect(await lambda().send(new GetAliasCommand({ FunctionName: name, Name: 'live' }))).toMatchObject({ FunctionVersion: '1' });

    expect(out.PermRef).toBe(`${functionArn}|${out.PermId}`);
    expect(out.PermId).toMatch(/^compute-Perm-[A-Z0-9]{12}$/);
    const policy = JSON.parse((await lambda().send(new GetPolicyCommand({ FunctionName: name }))).Policy!);
    expect(policy.Statement).toEqual([expect.objectContaining({ Sid: out.PermId, Principal: { Service: 'sns.amazonaws.com' }, Action: 'lambda:InvokeFunction' })]);

    expect(out.UrlRef).toBe(`${functionArn}:live`);
    expect(out.UrlArn).toBe(`${functionArn}:live`);
    expect((await lambda().send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: 'live' }))).FunctionUrl).toBe(out.UrlUrl);

    expect(out.AsyncRef).toBe(`${name}|$LATEST`);
    expect(await lambda().send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: '$LATEST' }))).toMatchObject({ MaximumRetryAttempts: 1 });

    expect(out.MappingId).toBe(out.MappingRef);
    const mapping = await lambda().send(new GetEventSourceMappingCommand({ UUID: out.MappingRef }));
    expect(mapping).toMatchObject({ EventSourceArn: queueArn, BatchSize: 5, FunctionArn: functionArn, EventSourceMappingArn: out.MappingArn });

    expect(out.LayerRef).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:layer:cfn-shared:1`);
    expect(out.LayerArn).toBe(out.LayerRef);
    expect((await lambda().send(new GetLayerVersionByArnCommand({ Arn: out.LayerRef }))).CompatibleRuntimes).toEqual([NODE_RUNTIME]);
    expect(out.LayerPermRef).toMatch(new RegExp(`^${out.LayerRef}#compute-LayerPerm-[A-Z0-9]{12}$`));
    const layerPolicy = JSON.parse((await lambda().send(new GetLayerVersionPolicyCommand({ LayerName: 'cfn-shared', VersionNumber: 1 }))).Policy!);
    expect(layerPolicy.Statement[0]).toMatchObject({ Sid: out.LayerPermRef.split('#')[1], Principal: '*', Action: 'lambda:GetLayerVersion' });
  });

  it('updates the function configuration and code, and the alias weights, in place', async () => {
    const before = (await resourcesOf(cfn(), 'compute')).Fn.PhysicalResourceId!;
    const weights = [{ FunctionVersion: '2', FunctionWeight: 0.25 }];
    await cfn().send(new UpdateStackCommand({ StackName: 'compute', TemplateBody: template({ timeout: 9, greeting: 'hi', edition: 2, weights }) }));
    await expectStatus('compute', 'UPDATE_COMPLETE');
    const resources = await resourcesOf(cfn(), 'compute');
    expect(resources.Fn.PhysicalResourceId).toBe(before);
    expect(await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: before }))).toMatchObject({ Timeout: 9, Environment: { Variables: { GREETING: 'hi' } } });
    const invoked = await lambda().send(new InvokeCommand({ FunctionName: before }));
    expect(decode(invoked.Payload)).toMatchObject({ edition: 2, greeting: 'hi' });
    const alias = await lambda().send(new GetAliasCommand({ FunctionName: before, Name: 'live' }));
    expect(alias).toMatchObject({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } });
  });

  it('reports drift: a function changed behind the stack is MODIFIED, with the property that differs', async () => {
    const name = (await resourcesOf(cfn(), 'compute')).Fn.PhysicalResourceId!;
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 30 }));
    await waitUntilFunctionUpdatedV2({ client: lambda(), maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 }, { FunctionName: name });
    const drifted = (await cfn().send(new DetectStackResourceDriftCommand({ StackName: 'compute', LogicalResourceId: 'Fn' }))).StackResourceDrift!;
    expect(drifted.StackResourceDriftStatus).toBe('MODIFIED');
    expect(drifted.PropertyDifferences).toEqual([{ PropertyPath: '/Timeout', ExpectedValue: '9', ActualValue: '30', DifferenceType: 'NOT_EQUAL' }]);
    for (const logicalId of ['Live', 'Ver', 'Perm', 'Url', 'Async', 'Mapping', 'Layer', 'LayerPerm']) {
      const drift = (await cfn().send(new DetectStackResourceDriftCommand({ StackName: 'compute', LogicalResourceId: logicalId }))).StackResourceDrift!;
      expect([logicalId, drift.StackResourceDriftStatus, drift.PropertyDifferences]).toEqual([logicalId, 'IN_SYNC', []]);
    }
  });

  it('replaces the function (and what names it) when its name changes, and deletes the old one in cleanup', async () => {
    const old = (await resourcesOf(cfn(), 'compute')).Fn.PhysicalResourceId!;
    await cfn().send(new UpdateStackCommand({ StackName: 'compute', TemplateBody: template({ functionName: 'cfn-renamed' }) }));
    const stack = await expectStatus('compute', 'UPDATE_COMPLETE');
    const out = outputsOf(stack.Outputs);
    expect(out.FnRef).toBe('cfn-renamed');
    expect(out.LiveArn).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:cfn-renamed:live`);
    expect((await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: 'cfn-renamed' }))).State).toBe('Active');
    await expectAwsError(lambda().send(new GetFunctionCommand({ FunctionName: old })), { code: 'ResourceNotFoundException', status: 404 });
  });

  it('deletes every resource with the stack, and keeps a function whose DeletionPolicy is Retain', async () => {
    const resources = await resourcesOf(cfn(), 'compute');
    const retained = JSON.stringify({
      Resources: {
        Kept: {
          Type: 'AWS::Lambda::Function',
          DeletionPolicy: 'Retain',
          Properties: { FunctionName: 'cfn-kept', Runtime: NODE_RUNTIME, Handler: 'index.handler', Role: role, Code: { ZipFile: 'exports.handler = async () => 1;' } },
        },
      },
    });
    const { StackId: keptId } = await cfn().send(new CreateStackCommand({ StackName: 'kept', TemplateBody: retained }));
    await expectStatus('kept', 'CREATE_COMPLETE');
    const computeId = (await settled(cfn(), 'compute')).StackId!;

    await cfn().send(new DeleteStackCommand({ StackName: 'compute' }));
    await cfn().send(new DeleteStackCommand({ StackName: 'kept' }));
    // A deleted stack is found by its id only, as in AWS.
    for (const id of [computeId, keptId!]) expect((await settled(cfn(), id, 60_000)).StackStatus).toBe('DELETE_COMPLETE');
    await expectAwsError(lambda().send(new GetFunctionCommand({ FunctionName: 'cfn-renamed' })), { code: 'ResourceNotFoundException', status: 404 });
    await expectAwsError(lambda().send(new GetEventSourceMappingCommand({ UUID: resources.Mapping.PhysicalResourceId! })), { code: 'ResourceNotFoundException', status: 404 });
    await expectAwsError(lambda().send(new GetLayerVersionByArnCommand({ Arn: resources.Layer.PhysicalResourceId! })), { code: 'ResourceNotFoundException', status: 404 });
    expect((await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: 'cfn-kept' }))).State).toBe('Active');
  });
});
