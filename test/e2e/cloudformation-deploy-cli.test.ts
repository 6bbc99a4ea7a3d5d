/**
 * `aws cloudformation package` and `aws cloudformation deploy` (aws CLI v1, unmodified) against
 * Drydock: local artifacts uploaded to --s3-bucket and the template rewritten to point at them, a
 * change set left for review with --no-execute-changeset, a deployment with --parameter-overrides,
 * --capabilities and --s3-bucket (the template itself goes through S3 and CloudFormation reads it
 * from a TemplateURL on Drydock's endpoint), outputs through describe-stacks, an update that keeps
 * the parameters it does not override, and a re-deploy without changes. botocore's waiters poll,
 * then sleep 5 s (change sets) or 30 s (stacks): a small stack is done before their first poll.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { NODE_RUNTIME } from './lambda-helpers.js';

const server = useServer();
const STACK = 'cli-stack';
const BUCKET = 'deploy-artifacts';

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: aws cloudformation package and deploy against Drydock
Parameters:
  Greeting:
    Type: String
  Stage:
    Type: String
    AllowedValues: [dev, prod]
    Default: dev
Resources:
  GreetingParameter:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /\${AWS::StackName}/\${Stage}/greeting
      Type: String
      Value: !Ref Greeting
  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub arn:\${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: ${NODE_RUNTIME}
      Handler: index.handler
      Role: !GetAtt FunctionRole.Arn
      Code: ./function
      Environment:
        Variables:
          STAGE: !Ref Stage
Outputs:
  ParameterName:
    Value: !Ref GreetingParameter
  FunctionName:
    Value: !Ref Function
    Export:
      Name: !Sub \${AWS::StackName}-function
`;

/** What a failed aws CLI run left: its exit code and both streams. */
interface CliFailure {
  code: number;
  stdout: string;
  stderr: string;
}

async function cliFailure(run: Promise<unknown>): Promise<CliFailure> {
  try {
    await run;
  } catch (err) {
    const { code, stdout, stderr } = err as CliFailure;
    return { code, stdout, stderr };
  }
  throw new Error('expected the aws CLI to fail');
}

let work: string;
/** The CLI's S3 uploads go to a nested client that only the environment points at Drydock. */
const cli = (args: string[]) => server.aws(args, { AWS_ENDPOINT_URL: server.url });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'drydock-cfn-deploy-'));
  await mkdir(join(work, 'function'));
  writeFileSync(join(work, 'function', 'index.js'), "exports.handler = async () => ({ stage: process.env.STAGE, from: 'packaged code' });\n");
  writeFileSync(join(work, 'template.yaml'), TEMPLATE);
  const s3 = new S3Client(server.clientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  s3.destroy();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('aws cloudformation package and deploy', () => {
  it('package zips the function directory into --s3-bucket and rewrites Code to point at it', async () => {
    const packaged = join(work, 'packaged.yaml');
    const { stdout } = await cli(['cloudformation', 'package', '--template-file', join(work, 'template.yaml'), '--s3-bucket', BUCKET, '--output-template-file', packaged]);
    expect(stdout).toContain(`Successfully packaged artifacts and wrote output template to file ${packaged}.`);
    const code = /Code:\n\s+S3Bucket: (\S+)\n\s+S3Key: (\S+)/.exec(readFileSync(packaged, 'utf8'));
    expect(code?.[1]).toBe(BUCKET);
    const s3 = new S3Client(server.clientConfig);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([code?.[2]]);
    s3.destroy();
  });

  it('deploy refuses an IAM template without --capabilities, as CloudFormation does', async () => {
    const refused = await cliFailure(cli(['cloudformation', 'deploy', '--template-file', join(work, 'packaged.yaml'), '--stack-name', STACK, '--parameter-overrides', 'Greeting=hello']));
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('An error occurred (InsufficientCapabilitiesException) when calling the CreateChangeSet operation: Requires capabilities : [CAPABILITY_IAM]');
  });

  it('deploy --no-execute-changeset leaves a change set to review and creates nothing', async () => {
    const { stdout } = await cli([
      'cloudformation',
      'deploy',
      '--template-file',
      join(work, 'packaged.yaml'),
      '--stack-name',
      STACK,
      '--parameter-overrides',
      'Greeting=hello',
      '--capabilities',
      'CAPABILITY_IAM',
      '--no-execute-changeset',
    ]);
    const changeSetId = /aws cloudformation describe-change-set --change-set-name (arn:aws:cloudformation:us-east-1:\d{12}:changeSet\/\S+)/.exec(stdout)?.[1];
    expect(changeSetId, stdout).toBeDefined();
    const changeSet = JSON.parse((await server.aws(['cloudformation', 'describe-change-set', '--change-set-name', changeSetId!])).stdout);
    expect(changeSet).toMatchObject({ StackName: STACK, Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', Capabilities: ['CAPABILITY_IAM'] });
    const added = changeSet.Changes.map((change: { ResourceChange: { Action: string; LogicalResourceId: string; ResourceType: string } }) => change.ResourceChange);
    expect(added.map((change: { LogicalResourceId: string }) => change.LogicalResourceId).sort()).toEqual(['Function', 'FunctionRole', 'GreetingParameter']);
    expect(added.every((change: { Action: string }) => change.Action === 'Add')).toBe(true);

    const stacks = JSON.parse((await server.aws(['cloudformation', 'describe-stacks', '--stack-name', STACK])).stdout).Stacks;
    expect(stacks.map((stack: { StackStatus: string }) => stack.StackStatus)).toEqual(['REVIEW_IN_PROGRESS']);
    const ssm = new SSMClient(server.clientConfig);
    await expectAwsError(ssm.send(new GetParameterCommand({ Name: `/${STACK}/dev/greeting` })), { code: 'ParameterNotFound', status: 400 });
    ssm.destroy();
  });

  it('deploy with --parameter-overrides, --capabilities and --s3-bucket creates the stack before the waiters sleep; describe-stacks shows its outputs', async () => {
    const started = performance.now();
    const { stdout } = await cli([
      'cloudformation',
      'deploy',
      '--template-file',
      join(work, 'packaged.yaml'),
      '--stack-name',
      STACK,
      '--parameter-overrides',
      'Greeting=hello',
      'Stage=dev',
      '--capabilities',
      'CAPABILITY_IAM',
      '--s3-bucket',
      BUCKET,
      '--s3-prefix',
      'templates',
    ]);
    // The stack waiter's first poll finds CREATE_COMPLETE: no 30-second sleep.
    expect(performance.now() - started).toBeLessThan(25_000);
    expect(stdout).toContain('Waiting for changeset to be created..');
    expect(stdout).toContain(`Successfully created/updated stack - ${STACK}`);

    const [stack] = JSON.parse((await server.aws(['cloudformation', 'describe-stacks', '--stack-name', STACK])).stdout).Stacks;
    expect(stack).toMatchObject({ StackName: STACK, StackStatus: 'CREATE_COMPLETE', Capabilities: ['CAPABILITY_IAM'] });
    expect(stack.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'Greeting', ParameterValue: 'hello' },
        { ParameterKey: 'Stage', ParameterValue: 'dev' },
      ]),
    );
    const outputs = Object.fromEntries(stack.Outputs.map((output: { OutputKey: string; OutputValue: string }) => [output.OutputKey, output.OutputValue]));
    expect(outputs.ParameterName).toBe(`/${STACK}/dev/greeting`);
    expect(outputs.FunctionName).toMatch(new RegExp(`^${STACK}-Function-[A-Za-z0-9]{12,}$`));
    expect(stack.Outputs.find((output: { OutputKey: string }) => output.OutputKey === 'FunctionName').ExportName).toBe(`${STACK}-function`);

    // The template went through --s3-bucket under --s3-prefix.
    const s3 = new S3Client(server.clientConfig);
    const templates = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'templates/' }));
    expect(templates.Contents?.map((object) => object.Key)).toEqual([expect.stringMatching(/^templates\/[0-9a-f]{32}\.template$/)]);
    s3.destroy();

    // The resources are real: the parameter holds the override, the packaged code runs.
    const ssm = new SSMClient(server.clientConfig);
    expect((await ssm.send(new GetParameterCommand({ Name: outputs.ParameterName }))).Parameter?.Value).toBe('hello');
    ssm.destroy();
    const lambda = new LambdaClient(server.clientConfig);
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: outputs.FunctionName }));
    expect(JSON.parse(Buffer.from(invoked.Payload!).toString())).toEqual({ stage: 'dev', from: 'packaged code' });
    lambda.destroy();
  });

  it('a re-deploy without changes: "No changes to deploy", an error unless --no-fail-on-empty-changeset', async () => {
    const args = ['cloudformation', 'deploy', '--template-file', join(work, 'packaged.yaml'), '--stack-name', STACK, '--parameter-overrides', 'Greeting=hello', '--capabilities', 'CAPABILITY_IAM'];
    const failed = await cliFailure(cli(args));
    expect(failed.code).toBe(255);
    expect(failed.stderr).toContain(`No changes to deploy. Stack ${STACK} is up to date`);

    // The CLI names its change set after the wall-clock second and leaves the empty one behind, as
    // on AWS: a second deploy within the same second would collide with it (AlreadyExistsException).
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 50));
    const { stdout } = await cli([...args, '--no-fail-on-empty-changeset']);
    expect(stdout).toContain(`No changes to deploy. Stack ${STACK} is up to date`);
    const [stack] = JSON.parse((await server.aws(['cloudformation', 'describe-stacks', '--stack-name', STACK])).stdout).Stacks;
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
  });

  it('an update overrides one parameter and keeps the previous value of the other', async () => {
    const { stdout } = await cli([
      'cloudformation',
      'deploy',
      '--template-file',
      join(work, 'packaged.yaml'),
      '--stack-name',
      STACK,
      '--parameter-overrides',
      'Greeting=changed',
      '--capabilities',
      'CAPABILITY_IAM',
    ]);
    expect(stdout).toContain(`Successfully created/updated stack - ${STACK}`);
    const [stack] = JSON.parse((await server.aws(['cloudformation', 'describe-stacks', '--stack-name', STACK])).stdout).Stacks;
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    expect(stack.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'Greeting', ParameterValue: 'changed' },
        { ParameterKey: 'Stage', ParameterValue: 'dev' },
      ]),
    );
    const ssm = new SSMClient(server.clientConfig);
    expect((await ssm.send(new GetParameterCommand({ Name: `/${STACK}/dev/greeting` }))).Parameter?.Value).toBe('changed');

    await server.aws(['cloudformation', 'delete-stack', '--stack-name', STACK]);
    await server.aws(['cloudformation', 'wait', 'stack-delete-complete', '--stack-name', STACK]);
    await expectAwsError(ssm.send(new GetParameterCommand({ Name: `/${STACK}/dev/greeting` })), { code: 'ParameterNotFound', status: 400 });
    ssm.destroy();
  });
});
