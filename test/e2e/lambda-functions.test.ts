/**
 * Lambda's control plane against the SDK: creating functions (and AWS's refusals: a role Lambda
 * cannot assume, a package that is not a zip, reserved variables, deprecated runtimes), the
 * Pending → Active and InProgress → Successful states the SDK's waiters watch, a runtime the host
 * lacks, updates, code download, versions, aliases whose weights really split invocations,
 * resource policies that decide who may invoke, reserved concurrency and tags.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicePrincipal } from '../../src/core/accounts.js';
import { createIamUser, expectAwsError, useServer } from '../helpers.js';
import { createActiveFunction, decode, executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
let lambda: LambdaClient;
let role: string;
const WAIT = { maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 };
const versionCode = (label: string) => zipOf({ 'index.js': `exports.handler = async () => '${label}';` });

beforeAll(async () => {
  lambda = new LambdaClient(server.clientConfig);
  role = await executionRole(server.server, 'functions-tests');
});
afterAll(() => lambda.destroy());

describe('creating functions', () => {
  it('answers the configuration Pending with AWS defaults, then Active once ready', async () => {
    const zip = versionCode('v');
    const created = await lambda.send(new CreateFunctionCommand({ FunctionName: 'defaults', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: zip } }));
    expect(created).toMatchObject({
      FunctionName: 'defaults',
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:defaults',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      CodeSize: zip.length,
      Description: '',
      Timeout: 3,
      MemorySize: 128,
      Version: '$LATEST',
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
      TracingConfig: { Mode: 'PassThrough' },
      LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/defaults' },
    });
    expect(created.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(created.LastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: 'defaults' });
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'defaults' }));
    expect(got.Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    // Code.Location downloads the package itself.
    expect(got.Code?.RepositoryType).toBe('S3');
    const download = await fetch(got.Code!.Location!);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(zip))).toBe(true);
  });

  it('refuses what AWS refuses, and writes nothing', async () => {
    const base = { Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: versionCode('x') } } as const;
    await expectAwsError(lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'defaults' })), {
      code: 'ResourceConflictException',
      status: 409,
      message: 'Function already exist: defaults',
    });
    await expectAwsError(lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad-zip', Code: { ZipFile: Buffer.from('not a zip at all') } })), {
      code: 'InvalidParameterValueException',
      status: 400,
      message: 'Could not unzip uploaded file. Please check your file, then try to upload again.',
    });
    const iam = new IAMClient(server.clientConfig);
    const untrusting = await iam.send(
      new CreateRoleCommand({
        RoleName: 'trusts-ec2',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    iam.destroy();
    for (const badRole of [untrusting.Role!.Arn!, 'arn:aws:iam::000000000000:role/no-such-role']) {
      await expectAwsError(lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad-role', Role: badRole })), {
        code: 'InvalidParameterValueException',
        status: 400,
        message: 'The role defined for the function cannot be assumed by Lambda.',
      });
    }
    await expectAwsError(lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'reserved', Environment: { Variables: { AWS_REGION: 'eu-west-1' } } })), {
      code: 'InvalidParameterValueException',
      status: 400,
      message: 'Reserved keys used in this request: AWS_REGION',
    });
    await expectAwsError(lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'old-node', Runtime: 'nodejs14.x' })), {
      code: 'InvalidParameterValueException',
      status: 400,
      message: 'The runtime parameter of nodejs14.x is no longer supported for creating or updating AWS Lambda functions.',
    });
    await expectAwsError(lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'long', Timeout: 901 })), { code: 'ValidationException', status: 400 });
    await expectAwsError(lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'no-runtime', Runtime: undefined })), {
      code: 'InvalidParameterValueException',
      status: 400,
      message: 'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
    });
    const names = (await lambda.send(new ListFunctionsCommand({}))).Functions!.map((f) => f.FunctionName);
    expect(names).toEqual(['defaults']);
  });

  it('fails to activate a runtime this host cannot run, and Invoke answers InvalidRuntimeException', async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'java-fn', Runtime: 'java21', Role: role, Handler: 'example.Handler::handleRequest', Code: { ZipFile: versionCode('j') } }));
    await expect(waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: 'java-fn' })).rejects.toThrow();
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'java-fn' }));
    expect(config).toMatchObject({ State: 'Failed', StateReasonCode: 'InvalidRuntime' });
    expect(config.StateReason).toContain('cannot run java21');
    await expectAwsError(lambda.send(new InvokeCommand({ FunctionName: 'java-fn' })), { code: 'InvalidRuntimeException', status: 502, message: 'cannot run java21' });
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'java-fn' }));
  });

  it('fails to activate a Node.js version the host does not have, saying so', async (ctx) => {
    if (NODE_RUNTIME === 'nodejs24.x') ctx.skip('this host runs Node.js 24');
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'node24', Runtime: 'nodejs24.x', Role: role, Handler: 'index.handler', Code: { ZipFile: versionCode('24') } }));
    await expect(waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: 'node24' })).rejects.toThrow();
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'node24' }));
    expect(config).toMatchObject({ State: 'Failed', StateReasonCode: 'InvalidRuntime' });
    expect(config.StateReason).toContain('found neither node24 nor a node of version 24 on the PATH');
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'node24' }));
  });

  it('records container-image functions and fails them with a clear reason instead of pretending to run them', async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'image-fn', PackageType: 'Image', Role: role, Code: { ImageUri: '000000000000.dkr.ecr.us-east-1.amazonaws.com/app:latest' } }));
    await expect(waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: 'image-fn' })).rejects.toThrow();
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'image-fn' }));
    expect(got.Configuration).toMatchObject({ PackageType: 'Image', State: 'Failed', StateReasonCode: 'InvalidImage' });
    expect(got.Configuration!.StateReason).toMatch(/container engine|container-image functions/);
    expect(got.Code).toMatchObject({ RepositoryType: 'ECR', ImageUri: '000000000000.dkr.ecr.us-east-1.amazonaws.com/app:latest' });
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'image-fn' }));
  });
});

describe('updating functions', () => {
  it('goes InProgress then Successful, refuses a second update meanwhile, and runs the new code after', async () => {
    await createActiveFunction(lambda, { FunctionName: 'updated', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: versionCode('one') } });
    const updating = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'updated', ZipFile: versionCode('two') }));
    expect(updating).toMatchObject({ LastUpdateStatus: 'InProgress', State: 'Active' });
    await expectAwsError(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'updated', Timeout: 10 })), {
      code: 'ResourceConflictException',
      status: 409,
      message: 'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:000000000000:function:updated',
    });
    await waitUntilFunctionUpdatedV2({ client: lambda, ...WAIT }, { FunctionName: 'updated' });
    expect(decode((await lambda.send(new InvokeCommand({ FunctionName: 'updated' }))).Payload)).toBe('two');
    const stale = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'updated' }))).RevisionId;
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'updated', Description: 'changed', RevisionId: stale }));
    await waitUntilFunctionUpdatedV2({ client: lambda, ...WAIT }, { FunctionName: 'updated' });
    await expectAwsError(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'updated', Description: 'again', RevisionId: stale })), {
      code: 'PreconditionFailedException',
      status: 412,
    });
  });
});

describe('versions and aliases', () => {
  it('publishes versions, answers the same version when nothing changed, and splits alias invocations by weight', async () => {
    await createActiveFunction(lambda, { FunctionName: 'versioned', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: versionCode('first') } });
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'versioned', Description: 'first' }));
    expect(v1).toMatchObject({ Version: '1', FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:versioned:1' });
    expect((await lambda.send(new PublishVersionCommand({ FunctionName: 'versioned', Description: 'first' }))).Version).toBe('1');
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'versioned', ZipFile: versionCode('second') }));
    await waitUntilFunctionUpdatedV2({ client: lambda, ...WAIT }, { FunctionName: 'versioned' });
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'versioned' }));
    expect(v2.Version).toBe('2');
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'versioned' }));
    expect(versions.Versions!.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    await waitUntilFunctionActiveV2({ client: lambda, ...WAIT }, { FunctionName: 'versioned', Qualifier: '2' });

    const qualified = await lambda.send(new InvokeCommand({ FunctionName: 'versioned:1' }));
    expect([decode(qualified.Payload), qualified.ExecutedVersion]).toEqual(['first', '1']);

    const alias = await lambda.send(new CreateAliasCommand({ FunctionName: 'versioned', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }));
    expect(alias).toMatchObject({ AliasArn: 'arn:aws:lambda:us-east-1:000000000000:function:versioned:live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } });
    const executed = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'versioned', Qualifier: 'live' }));
      expect(decode(out.Payload)).toBe(out.ExecutedVersion === '1' ? 'first' : 'second');
      executed.set(out.ExecutedVersion!, (executed.get(out.ExecutedVersion!) ?? 0) + 1);
    }
    // 40 draws at 50%: each version runs (the chance that one never does is 2 × 2^-40).
    expect([...executed.keys()].sort()).toEqual(['1', '2']);

    await lambda.send(new UpdateAliasCommand({ FunctionName: 'versioned', Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} } }));
    expect((await lambda.send(new InvokeCommand({ FunctionName: 'versioned:live' }))).ExecutedVersion).toBe('2');
    await expectAwsError(lambda.send(new DeleteFunctionCommand({ FunctionName: 'versioned', Qualifier: '2' })), {
      code: 'ResourceConflictException',
      status: 409,
      message: 'Unable to delete version because the following aliases reference it: [live]',
    });
    await expectAwsError(lambda.send(new InvokeCommand({ FunctionName: 'versioned', Qualifier: 'nope' })), {
      code: 'ResourceNotFoundException',
      status: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:versioned:nope',
    });
  });
});

describe('resource policies, concurrency and tags', () => {
  it("lets another account's user invoke only what the function's policy grants", async () => {
    await createActiveFunction(lambda, { FunctionName: 'shared', Runtime: NODE_RUNTIME, Role: role, Handler: 'index.handler', Code: { ZipFile: versionCode('shared') } });
    const other = await createIamUser({ ...server.clientConfig, credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' } }, 'caller', [
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }] }),
    ]);
    const outsider = new LambdaClient({ ...server.clientConfig, credentials: other.credentials });
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:shared';
    await expectAwsError(outsider.send(new InvokeCommand({ FunctionName: arn })), { code: 'AccessDeniedException', status: 403 });

    const added = await lambda.send(new AddPermissionCommand({ FunctionName: 'shared', StatementId: 'other-account', Action: 'lambda:InvokeFunction', Principal: '111111111111' }));
    expect(JSON.parse(added.Statement!)).toEqual({ Sid: 'other-account', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'lambda:InvokeFunction', Resource: arn });
    await expectAwsError(lambda.send(new AddPermissionCommand({ FunctionName: 'shared', StatementId: 'other-account', Action: 'lambda:InvokeFunction', Principal: '222222222222' })), {
      code: 'ResourceConflictException',
      status: 409,
    });
    expect(decode((await outsider.send(new InvokeCommand({ FunctionName: arn }))).Payload)).toBe('shared');
    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: 'shared' }))).Policy!);
    expect(policy).toMatchObject({ Version: '2012-10-17', Id: 'default', Statement: [{ Sid: 'other-account' }] });

    await lambda.send(new RemovePermissionCommand({ FunctionName: 'shared', StatementId: 'other-account' }));
    await expectAwsError(outsider.send(new InvokeCommand({ FunctionName: arn })), { code: 'AccessDeniedException', status: 403 });
    await expectAwsError(lambda.send(new GetPolicyCommand({ FunctionName: 'shared' })), { code: 'ResourceNotFoundException', status: 404 });
    outsider.destroy();
  });

  it('lets a service principal (S3 notifying) invoke only with a permission naming it and its source', async () => {
    const s3 = { principal: servicePrincipal('000000000000', 's3.amazonaws.com'), region: 'us-east-1', sourceArn: 'arn:aws:s3:::uploads', sourceAccount: '000000000000' };
    const invokeAsS3 = () => server.runtime.call('lambda', 'Invoke', { FunctionName: 'shared', InvocationType: 'Event', Payload: Buffer.from('{}') }, s3);
    await expect(invokeAsS3()).rejects.toMatchObject({ code: 'AccessDeniedException' });
    await lambda.send(
      new AddPermissionCommand({ FunctionName: 'shared', StatementId: 'other-bucket', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::elsewhere' }),
    );
    await expect(invokeAsS3()).rejects.toMatchObject({ code: 'AccessDeniedException' });
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'shared',
        StatementId: 'uploads',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::uploads',
        SourceAccount: '000000000000',
      }),
    );
    expect(await invokeAsS3()).toMatchObject({ StatusCode: 202 });
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'shared', StatementId: 'uploads' }));
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'shared', StatementId: 'other-bucket' }));
  });

  it('answers TooManyRequestsException (429) beyond the reserved concurrency', async () => {
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'shared', ReservedConcurrentExecutions: 0 }));
    const err = await expectAwsError(lambda.send(new InvokeCommand({ FunctionName: 'shared' })), { code: 'TooManyRequestsException', status: 429, message: 'Rate Exceeded.' });
    expect((err as unknown as { Reason: string }).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    const settings = await lambda.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit).toMatchObject({ ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 });
    await expectAwsError(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'shared', ReservedConcurrentExecutions: 901 })), {
      code: 'InvalidParameterValueException',
      status: 400,
      message: "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    });
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'shared', ReservedConcurrentExecutions: 1 }));
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'shared' }))).Concurrency).toEqual({ ReservedConcurrentExecutions: 1 });
    expect(decode((await lambda.send(new InvokeCommand({ FunctionName: 'shared' }))).Payload)).toBe('shared');
  });

  it('tags functions', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:shared';
    await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { team: 'build' } }));
    expect((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ team: 'build' });
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'shared' }))).Tags).toEqual({ team: 'build' });
  });
});
