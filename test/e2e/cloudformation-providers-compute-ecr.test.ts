/**
 * AWS::ECR::Repository through real stacks (a generated lower-case name, settings, policies, tags;
 * updates in place and by replacement; EmptyOnDelete), and the Lambda resources Drydock's Lambda
 * cannot run failing their stack with its clear error and rolling back: a container-image function
 * and a DynamoDB stream mapping.
 */
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, DetectStackResourceDriftCommand, type Output, type Stack, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { DescribeRepositoriesCommand, ECRClient, GetLifecyclePolicyCommand, GetRepositoryPolicyCommand, ListTagsForResourceCommand, PutImageTagMutabilityCommand } from '@aws-sdk/client-ecr';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventLog, resourcesOf, settled } from './cloudformation-helpers.js';
import { executionRole, NODE_RUNTIME } from './lambda-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const ecr = () => new ECRClient(server.clientConfig);
const ACCOUNT = '000000000000';

const LIFECYCLE = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }] });
const PULL_POLICY = { Version: '2012-10-17', Statement: [{ Sid: 'pull', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['ecr:BatchGetImage'] }] };

function repositoryTemplate(properties: Record<string, unknown>): string {
  return JSON.stringify({
    Resources: { Repo: { Type: 'AWS::ECR::Repository', Properties: properties }, Named: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'cfn/named', EmptyOnDelete: true } } },
    Outputs: { Ref: { Value: { Ref: 'Repo' } }, Arn: { Value: { 'Fn::GetAtt': ['Repo', 'Arn'] } }, Uri: { Value: { 'Fn::GetAtt': ['Repo', 'RepositoryUri'] } } },
  });
}

const outputsOf = (outputs: Output[] | undefined): Record<string, string> => Object.fromEntries((outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));

/** Waits for the stack and checks its status, naming the failed resources' reasons when it is another. */
async function expectStatus(stackName: string, status: string): Promise<Stack> {
  const stack = await settled(cfn(), stackName, 60_000);
  const failures = (await eventLog(cfn(), stack.StackId!)).filter(([, state]) => state.endsWith('_FAILED'));
  expect(stack.StackStatus, JSON.stringify(failures)).toBe(status);
  return stack;
}

describe('CloudFormation ECR repositories', () => {
  it('creates a repository with a generated lower-case name, its settings, policies and tags', async () => {
    const properties = {
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      LifecyclePolicy: { LifecyclePolicyText: LIFECYCLE },
      RepositoryPolicyText: PULL_POLICY,
      Tags: [{ Key: 'team', Value: 'build' }],
    };
    await cfn().send(new CreateStackCommand({ StackName: 'Registry', TemplateBody: repositoryTemplate(properties) }));
    const stack = await expectStatus('Registry', 'CREATE_COMPLETE');
    const out = outputsOf(stack.Outputs);
    expect(out.Ref).toMatch(/^registry-repo-[a-z0-9]{12}$/);
    expect(out.Arn).toBe(`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${out.Ref}`);
    expect(out.Uri).toBe(`${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${out.Ref}`);
    const [repository] = (await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [out.Ref] }))).repositories!;
    expect(repository).toMatchObject({ imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true } });
    expect((await ecr().send(new GetLifecyclePolicyCommand({ repositoryName: out.Ref }))).lifecyclePolicyText).toBe(LIFECYCLE);
    expect(JSON.parse((await ecr().send(new GetRepositoryPolicyCommand({ repositoryName: out.Ref }))).policyText!)).toEqual(PULL_POLICY);
    expect((await ecr().send(new ListTagsForResourceCommand({ resourceArn: out.Arn }))).tags).toEqual([{ Key: 'team', Value: 'build' }]);
  });

  it('reports drift when the repository is changed behind the stack', async () => {
    const name = (await resourcesOf(cfn(), 'Registry')).Repo.PhysicalResourceId!;
    const inSync = (await cfn().send(new DetectStackResourceDriftCommand({ StackName: 'Registry', LogicalResourceId: 'Repo' }))).StackResourceDrift!;
    expect(inSync.StackResourceDriftStatus).toBe('IN_SYNC');
    await ecr().send(new PutImageTagMutabilityCommand({ repositoryName: name, imageTagMutability: 'MUTABLE' }));
    const drifted = (await cfn().send(new DetectStackResourceDriftCommand({ StackName: 'Registry', LogicalResourceId: 'Repo' }))).StackResourceDrift!;
    expect(drifted.StackResourceDriftStatus).toBe('MODIFIED');
    expect(drifted.PropertyDifferences).toEqual([{ PropertyPath: '/ImageTagMutability', ExpectedValue: 'IMMUTABLE', ActualValue: 'MUTABLE', DifferenceType: 'NOT_EQUAL' }]);
  });

  it('updates settings in place, dropping the policies the template no longer has', async () => {
    const before = (await resourcesOf(cfn(), 'Registry')).Repo.PhysicalResourceId!;
    await cfn().send(new UpdateStackCommand({ StackName: 'Registry', TemplateBody: repositoryTemplate({ ImageTagMutability: 'MUTABLE', Tags: [{ Key: 'team', Value: 'ops' }] }) }));
    await expectStatus('Registry', 'UPDATE_COMPLETE');
    expect((await resourcesOf(cfn(), 'Registry')).Repo.PhysicalResourceId).toBe(before);
    const [repository] = (await ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [before] }))).repositories!;
    expect(repository).toMatchObject({ imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: false } });
    await expectAwsError(ecr().send(new GetLifecyclePolicyCommand({ repositoryName: before })), { code: 'LifecyclePolicyNotFoundException', status: 400 });
    await expectAwsError(ecr().send(new GetRepositoryPolicyCommand({ repositoryName: before })), { code: 'RepositoryPolicyNotFoundException', status: 400 });
    expect((await ecr().send(new ListTagsForResourceCommand({ resourceArn: repository.repositoryArn }))).tags).toEqual([{ Key: 'team', Value: 'ops' }]);
  });

  it('replaces the repository when its name changes, removes the old one, and deletes both with the stack', async () => {
    const before = (await resourcesOf(cfn(), 'Registry')).Repo.PhysicalResourceId!;
    await cfn().send(new UpdateStackCommand({ StackName: 'Registry', TemplateBody: repositoryTemplate({ RepositoryName: 'cfn/renamed' }) }));
    const stack = await expectStatus('Registry', 'UPDATE_COMPLETE');
    expect(outputsOf(stack.Outputs).Ref).toBe('cfn/renamed');
    await expectAwsError(ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [before] })), { code: 'RepositoryNotFoundException', status: 400 });

    await cfn().send(new DeleteStackCommand({ StackName: 'Registry' }));
    expect((await settled(cfn(), stack.StackId!)).StackStatus).toBe('DELETE_COMPLETE');
    for (const name of ['cfn/renamed', 'cfn/named']) {
      await expectAwsError(ecr().send(new DescribeRepositoriesCommand({ repositoryNames: [name] })), { code: 'RepositoryNotFoundException', status: 400 });
    }
  });

  it("fails a repository ECR refuses with ECR's message, and rolls back", async () => {
    await cfn().send(
      new CreateStackCommand({ StackName: 'bad-registry', TemplateBody: JSON.stringify({ Resources: { Repo: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'Upper' } } } }) }),
    );
    await expectStatus('bad-registry', 'ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn(), 'bad-registry')).find(([id, status]) => id === 'Repo' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toContain("Invalid parameter at 'repositoryName' failed to satisfy constraint");
  });
});

describe('CloudFormation Lambda resources Drydock cannot run', () => {
  let role: string;
  beforeAll(async () => {
    role = await executionRole(server, 'cfn-unsupported-role');
  });

  it("fails a container-image function with Lambda's reason and rolls the stack back", async () => {
    const template = {
      Resources: {
        Image: {
          Type: 'AWS::Lambda::Function',
          Properties: { FunctionName: 'cfn-image', PackageType: 'Image', Role: role, Code: { ImageUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:latest` } },
        },
      },
    };
    await cfn().send(new CreateStackCommand({ StackName: 'image-fn', TemplateBody: JSON.stringify(template) }));
    await expectStatus('image-fn', 'ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn(), 'image-fn')).find(([id, status]) => id === 'Image' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toMatch(
      /^Resource handler returned message: "Resource of type 'AWS::Lambda::Function' with identifier 'cfn-image' did not stabilize\. Status Reason is .+" \(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: NotStabilized\)$/,
    );
    await expectAwsError(new LambdaClient(server.clientConfig).send(new GetFunctionCommand({ FunctionName: 'cfn-image' })), { code: 'ResourceNotFoundException', status: 404 });
  });

  it("fails a DynamoDB stream mapping with Lambda's 501, deleting the function it made", async () => {
    const template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { FunctionName: 'cfn-stream-fn', Runtime: NODE_RUNTIME, Handler: 'index.handler', Role: role, Code: { ZipFile: 'exports.handler = async () => 1;' } },
        },
        Stream: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { FunctionName: { Ref: 'Fn' }, EventSourceArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/t/stream/2024-01-01T00:00:00.000`, StartingPosition: 'LATEST' },
        },
      },
    };
    await cfn().send(new CreateStackCommand({ StackName: 'stream-fn', TemplateBody: JSON.stringify(template) }));
    await expectStatus('stream-fn', 'ROLLBACK_COMPLETE');
    const failed = (await eventLog(cfn(), 'stream-fn')).find(([id, status]) => id === 'Stream' && status === 'CREATE_FAILED');
    expect(failed?.[2]).toContain('CreateEventSourceMapping for dynamodb event sources is not implemented by Drydock yet');
    await expectAwsError(new LambdaClient(server.clientConfig).send(new GetFunctionCommand({ FunctionName: 'cfn-stream-fn' })), { code: 'ResourceNotFoundException', status: 404 });
  });
});
