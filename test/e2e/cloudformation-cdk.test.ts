/**
 * The unmodified aws-cdk CLI against Drydock, as a user runs it with the default credentials
 * (test/test, the account's root user): `cdk bootstrap` deploys the CDK's own bootstrap template
 * (KMS key, S3 staging bucket and policy, ECR repository, IAM roles and policies, the SSM version
 * parameter), `cdk deploy` publishes the app's assets to that bucket and deploys its stack through
 * a change set, `cdk diff` compares an app changed through a context value with the deployed
 * stack, and `cdk destroy` deletes it. The app (test/fixtures/cdk-app) is TypeScript: a bucket, an
 * SSM parameter, a queue, an IAM role and a Node.js function from an asset that the queue
 * triggers; the test checks those resources through the SDK clients, the function running.
 *
 * The CDK cannot assume its bootstrap roles as a root user ("Roles may not be assumed by root
 * accounts."): it says so and goes on with the root credentials, as it does against AWS.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client, waitUntilObjectExists } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';

const server = useServer();
const APP = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cdk-app');
/** The aws-cdk CLI's entry point, run with this node. */
const CDK = fileURLToPath(import.meta.resolve('aws-cdk/bin/cdk'));
const ACCOUNT = '000000000000';
const STACK = 'DrydockCdkApp';
/** A CDK command synthesizes the app, bundles the function and talks to several services. */
const CDK_TIMEOUT = 180_000;

interface CdkRun {
  code: number;
  stdout: string;
  stderr: string;
}

let work: string;

/** Runs the cdk CLI as a user would against Drydock; resolves with its exit code and output, whatever the code. */
function cdk(args: string[], cwd = APP): Promise<CdkRun> {
  // The SDK names a bucket in the path only for an IP address endpoint; `<bucket>.localhost` does not resolve everywhere.
  const endpoint = server.url.replace('//localhost:', '//127.0.0.1:');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    // The CDK's own state (notices cache, version check) stays out of the user's home; nothing phones home.
    CDK_HOME: join(work, 'cdk-home'),
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    // aws-cdk-lib's synth-time template lint: no AWS call, 4 s of CPU per synth on this machine.
    CDK_VALIDATION: 'false',
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [CDK, ...args, '--no-notices', '--no-color'], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * cdk deploy with the outputs in a file; answers them. `app` says what it deploys: by default the
 * app, synthesized into the test's directory, or (`--app <dir>`) an assembly synthesized before.
 */
async function deploy(app = ['--output', join(work, 'cdk.out')]): Promise<Record<string, string>> {
  const outputs = join(work, 'outputs.json');
  const run = await cdk(['deploy', '--require-approval', 'never', ...app, '--outputs-file', outputs]);
  expect(run, run.stderr).toMatchObject({ code: 0 });
  expect(run.stdout + run.stderr).toContain(`✅  ${STACK}`);
  return JSON.parse(readFileSync(outputs, 'utf8'))[STACK];
}

let cloudformation: CloudFormationClient;
let lambda: LambdaClient;
let s3: S3Client;
let ssm: SSMClient;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'drydock-cdk-'));
  cloudformation = new CloudFormationClient(server.clientConfig);
  lambda = new LambdaClient(server.clientConfig);
  s3 = new S3Client(server.clientConfig);
  ssm = new SSMClient(server.clientConfig);
});
afterAll(() => {
  for (const client of [cloudformation, lambda, s3, ssm]) client.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe('the aws-cdk CLI against Drydock', () => {
  let outputs: Record<string, string>;

  it(
    'cdk bootstrap deploys the CDKToolkit stack: staging bucket, KMS key, ECR repository, roles, version parameter',
    async () => {
      const run = await cdk(['bootstrap', `aws://${ACCOUNT}/us-east-1`], work);
      expect(run, run.stderr).toMatchObject({ code: 0 });
      expect(run.stdout + run.stderr).toContain(`Environment aws://${ACCOUNT}/us-east-1 bootstrapped`);

      const [toolkit] = (await cloudformation.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }))).Stacks!;
      expect(toolkit.StackStatus).toBe('CREATE_COMPLETE');
      const toolkitOutputs = Object.fromEntries(toolkit.Outputs!.map((output) => [output.OutputKey, output.OutputValue]));
      expect(toolkitOutputs.BucketName).toBe(`cdk-hnb659fds-assets-${ACCOUNT}-us-east-1`);
      expect(toolkitOutputs.ImageRepositoryName).toBe(`cdk-hnb659fds-container-assets-${ACCOUNT}-us-east-1`);
      const version = (await ssm.send(new GetParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version' }))).Parameter!.Value;
      expect(toolkitOutputs.BootstrapVersion).toBe(version);

      const ecr = new ECRClient(server.clientConfig);
      const repositories = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [toolkitOutputs.ImageRepositoryName!] }));
      expect(repositories.repositories?.[0]).toMatchObject({ imageTagMutability: 'IMMUTABLE' });
      ecr.destroy();
      const iam = new IAMClient(server.clientConfig);
      for (const role of ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role', 'cfn-exec-role']) {
        const roleName = `cdk-hnb659fds-${role}-${ACCOUNT}-us-east-1`;
        expect((await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.RoleName).toBe(roleName);
      }
      iam.destroy();
    },
    CDK_TIMEOUT,
  );

  it(
    'cdk deploy publishes the function asset and deploys the app; the function reads the parameter and the queue triggers it',
    async () => {
      outputs = await deploy();
      expect(Object.keys(outputs).sort()).toEqual(['BucketName', 'FunctionName', 'QueueUrl', 'RoleArn']);
      const [stack] = (await cloudformation.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks!;
      expect(stack.StackStatus).toBe('CREATE_COMPLETE');
      // The CDK's deployments go through its bootstrap execution role.
      expect(stack.RoleARN).toBe(`arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1`);

      const staged = await s3.send(new ListObjectsV2Command({ Bucket: `cdk-hnb659fds-assets-${ACCOUNT}-us-east-1` }));
      expect(staged.Contents?.map((object) => object.Key)).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{64}\.zip$/), expect.stringMatching(/^[0-9a-f]{64}\.json$/)]));

      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: outputs.FunctionName }));
      expect(fn.Configuration).toMatchObject({ Role: outputs.RoleArn, State: 'Active', Handler: 'index.handler' });
      expect(fn.Configuration?.Environment?.Variables).toEqual({ GREETING_PARAMETER: '/drydock-cdk-app/greeting', BUCKET_NAME: outputs.BucketName });
      const invoked = await lambda.send(new InvokeCommand({ FunctionName: outputs.FunctionName, Payload: '{}' }));
      expect(invoked.FunctionError, Buffer.from(invoked.Payload ?? []).toString()).toBeUndefined();
      expect(JSON.parse(Buffer.from(invoked.Payload!).toString())).toEqual({ greeting: 'hello from the CDK' });

      const sqs = new SQSClient(server.clientConfig);
      const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
      expect(queueArn).toMatch(new RegExp(`^arn:aws:sqs:us-east-1:${ACCOUNT}:${STACK}-Inbox`));
      const sent = await sqs.send(new SendMessageCommand({ QueueUrl: outputs.QueueUrl, MessageBody: 'from the queue' }));
      sqs.destroy();
      const key = `messages/${sent.MessageId}.json`;
      await waitUntilObjectExists({ client: s3, maxWaitTime: 60, minDelay: 0.2, maxDelay: 1 }, { Bucket: outputs.BucketName, Key: key });
      const stored = await s3.send(new GetObjectCommand({ Bucket: outputs.BucketName, Key: key }));
      expect(JSON.parse(await stored.Body!.transformToString())).toEqual({ body: 'from the queue', greeting: 'hello from the CDK' });
    },
    CDK_TIMEOUT,
  );

  it(
    'cdk diff shows the parameter a context value changes; cdk deploy applies it as an update; then no differences',
    async () => {
      const changed = await cdk(['diff', '--fail', '--output', join(work, 'cdk.out'), '--context', 'greeting=changed by context']);
      expect(changed.code, changed.stderr).toBe(1);
      const diff = changed.stdout + changed.stderr;
      expect(diff).toMatch(/\[~\] AWS::SSM::Parameter Greeting Greeting7772ECD5/);
      expect(diff).toContain('[-] hello from the CDK');
      expect(diff).toContain('[+] changed by context');
      expect(diff).toContain('Number of stacks with differences: 1');

      // The assembly just compared is the one deployed, as a pipeline does: no second synthesis.
      await deploy(['--app', join(work, 'cdk.out')]);
      const [stack] = (await cloudformation.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks!;
      expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
      expect((await ssm.send(new GetParameterCommand({ Name: '/drydock-cdk-app/greeting' }))).Parameter!.Value).toBe('changed by context');
      const invoked = await lambda.send(new InvokeCommand({ FunctionName: outputs.FunctionName, Payload: '{}' }));
      expect(JSON.parse(Buffer.from(invoked.Payload!).toString())).toEqual({ greeting: 'changed by context' });

      // The deployed assembly, compared again: nothing differs.
      const same = await cdk(['diff', '--fail', '--app', join(work, 'cdk.out')]);
      expect(same.code, same.stdout + same.stderr).toBe(0);
      expect(same.stdout + same.stderr).toContain('Number of stacks with differences: 0');
    },
    CDK_TIMEOUT,
  );

  it(
    'cdk destroy deletes the stack and its resources',
    async () => {
      // CloudFormation deletes no bucket that holds objects: empty it first, as a user must.
      const messages = await s3.send(new ListObjectsV2Command({ Bucket: outputs.BucketName }));
      for (const object of messages.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: outputs.BucketName, Key: object.Key }));

      const run = await cdk(['destroy', '--force', '--app', join(work, 'cdk.out')]);
      expect(run, run.stderr).toMatchObject({ code: 0 });
      expect(run.stdout + run.stderr).toContain(`${STACK}: destroyed`);

      await expectAwsError(cloudformation.send(new DescribeStacksCommand({ StackName: STACK })), {
        code: 'ValidationError',
        status: 400,
        message: `Stack with id ${STACK} does not exist`,
      });
      await expectAwsError(ssm.send(new GetParameterCommand({ Name: '/drydock-cdk-app/greeting' })), { code: 'ParameterNotFound', status: 400 });
      await expectAwsError(lambda.send(new GetFunctionCommand({ FunctionName: outputs.FunctionName })), { code: 'ResourceNotFoundException', status: 404 });
      await expectAwsError(s3.send(new ListObjectsV2Command({ Bucket: outputs.BucketName })), { code: 'NoSuchBucket', status: 404 });
      // The bootstrap stack stays, as it does on AWS.
      const [toolkit] = (await cloudformation.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }))).Stacks!;
      expect(toolkit.StackStatus).toBe('CREATE_COMPLETE');
    },
    CDK_TIMEOUT,
  );
});
