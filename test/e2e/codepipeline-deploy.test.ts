/**
 * CodePipeline's Deploy CloudFormation and Deploy S3 actions end to end: pipelines made with the
 * CodePipeline SDK take a zip from a versioned S3 source bucket and create, update, replace and
 * delete real stacks (change sets included) and extract artifacts into buckets; the stacks, SSM
 * parameters and objects they leave are checked through CloudFormation, SSM and S3.
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { CodePipelineClient, CreatePipelineCommand, ListPipelineExecutionsCommand, type PipelineDeclaration, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createZip, readZip } from '../../src/core/zip.js';
import { useServer } from '../helpers.js';
import { settled } from './cloudformation-helpers.js';
import { ACCOUNT, actionExecution as actionExecutionOf, createAdminRoles, createVersionedBuckets, executionEnded, type Run } from './codepipeline-helpers.js';

const server = useServer();
const client = <T>(Client: new (config: typeof server.clientConfig) => T) => new Client(server.clientConfig);
const PIPELINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy-pipeline-role`;
const STACK_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy-stack-role`;

const param = (name: string, value: unknown) => ({ Type: 'AWS::SSM::Parameter', Properties: { Name: name, Type: 'String', Value: value } });
const APP_TEMPLATE = JSON.stringify({
  Parameters: { Env: { Type: 'String' }, Owner: { Type: 'String' }, ArtifactBucket: { Type: 'String' } },
  Resources: { Setting: param('/deploy/setting', { 'Fn::Sub': '${Env}-${Owner}-${ArtifactBucket}' }) },
  Outputs: { SettingName: { Value: { Ref: 'Setting' } }, Env: { Value: { Ref: 'Env' } } },
});
const FAILING_TEMPLATE = JSON.stringify({
  Parameters: { Env: { Type: 'String' }, Owner: { Type: 'String' }, ArtifactBucket: { Type: 'String' } },
  Resources: { Setting: param('/deploy/setting', 'kept'), TooBig: param('/deploy/too-big', 'x'.repeat(4097)) },
});

const file = (name: string, text: string) => ({ name, data: Buffer.from(text), mode: 0o100644 });
function sourceZip(template: string): Buffer {
  return createZip([
    file('infra/template.json', template),
    file('infra/config.json', JSON.stringify({ Parameters: { Owner: 'team-a', Env: 'overridden-below' }, Tags: { project: 'deploy-test' } })),
    file('params.json', JSON.stringify({ env: 'prod' })),
    file('site/index.html', '<h1>hi</h1>'),
  ]);
}

async function putSource(key: string, template: string): Promise<void> {
  await client(S3Client).send(new PutObjectCommand({ Bucket: 'deploy-source', Key: key, Body: sourceZip(template) }));
}

/** A V2 pipeline: S3 source `key` → the given Deploy stage(s). */
function pipeline(name: string, key: string, stages: PipelineDeclaration['stages']): PipelineDeclaration {
  return {
    name,
    roleArn: PIPELINE_ROLE,
    pipelineType: 'V2',
    artifactStore: { type: 'S3', location: 'deploy-artifacts' },
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Source',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { S3Bucket: 'deploy-source', S3ObjectKey: key, PollForSourceChanges: 'false' },
            outputArtifacts: [{ name: 'SourceOutput' }],
          },
        ],
      },
      ...(stages ?? []),
    ],
  };
}

const cfnAction = (name: string, configuration: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  name,
  actionTypeId: { category: 'Deploy' as const, owner: 'AWS' as const, provider: 'CloudFormation', version: '1' },
  configuration,
  inputArtifacts: [{ name: 'SourceOutput' }],
  ...extra,
});

/** Waits (on the execution's status) until the execution ends. */
async function settledRun(name: string, pipelineExecutionId: string): Promise<Run> {
  return { id: pipelineExecutionId, status: await executionEnded(server.clientConfig, name, pipelineExecutionId, 30_000, 50) };
}

/** The execution CreatePipeline starts, as AWS does, once it ends. */
async function firstRun(name: string): Promise<Run> {
  const { pipelineExecutionSummaries } = await client(CodePipelineClient).send(new ListPipelineExecutionsCommand({ pipelineName: name }));
  expect(pipelineExecutionSummaries?.map((summary) => summary.trigger?.triggerType)).toEqual(['CreatePipeline']);
  return settledRun(name, pipelineExecutionSummaries![0].pipelineExecutionId!);
}

/** Starts another execution and waits until it ends. */
async function runPipeline(name: string): Promise<Run> {
  const { pipelineExecutionId } = await client(CodePipelineClient).send(new StartPipelineExecutionCommand({ name }));
  return settledRun(name, pipelineExecutionId!);
}

const actionExecution = (pipelineName: string, pipelineExecutionId: string, actionName: string) => actionExecutionOf(server.clientConfig, pipelineName, pipelineExecutionId, actionName);

async function stack(name: string): Promise<Stack | undefined> {
  try {
    return (await client(CloudFormationClient).send(new DescribeStacksCommand({ StackName: name }))).Stacks![0];
  } catch {
    return undefined;
  }
}

async function objectText(bucket: string, key: string): Promise<string> {
  const out = await client(S3Client).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

beforeAll(async () => {
  await createAdminRoles(server.clientConfig, { 'deploy-pipeline-role': 'codepipeline.amazonaws.com', 'deploy-stack-role': 'cloudformation.amazonaws.com' }, 'admin');
  await createVersionedBuckets(server.clientConfig, ['deploy-source', 'deploy-artifacts', 'deploy-site']);
});

describe('Deploy CloudFormation', () => {
  const overrides = JSON.stringify({ Env: { 'Fn::GetParam': ['SourceOutput', 'params.json', 'env'] }, ArtifactBucket: { 'Fn::GetArtifactAtt': ['SourceOutput', 'BucketName'] } });
  const createUpdate = {
    ActionMode: 'CREATE_UPDATE',
    StackName: 'deploy-app',
    TemplatePath: 'SourceOutput::infra/template.json',
    TemplateConfiguration: 'SourceOutput::infra/config.json',
    ParameterOverrides: overrides,
    RoleArn: STACK_ROLE,
    OutputFileName: 'outputs.json',
  };

  it('creates the stack from the artifact, writes its outputs as variables and a file, then an update without changes succeeds and a failing update fails', async () => {
    await putSource('app.zip', APP_TEMPLATE);
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({
        pipeline: pipeline('deploy-app', 'app.zip', [
          {
            name: 'Deploy',
            actions: [
              cfnAction('CreateUpdate', createUpdate, { namespace: 'StackVars', outputArtifacts: [{ name: 'StackOutputs' }] }),
              {
                name: 'PublishOutputs',
                runOrder: 2,
                actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
                configuration: { BucketName: 'deploy-site', Extract: 'true', ObjectKey: 'outputs/#{StackVars.Env}' },
                inputArtifacts: [{ name: 'StackOutputs' }],
              },
            ],
          },
        ]),
      }),
    );
    const first = await firstRun('deploy-app');
    expect(first.status).toBe('Succeeded');

    const created = (await stack('deploy-app'))!;
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    expect(created.RoleARN).toBe(STACK_ROLE);
    expect(created.Tags).toEqual([{ Key: 'project', Value: 'deploy-test' }]);
    const parameters = Object.fromEntries(created.Parameters!.map((p) => [p.ParameterKey, p.ParameterValue]));
    expect(parameters).toEqual({ Env: 'prod', Owner: 'team-a', ArtifactBucket: 'deploy-artifacts' });
    const setting = await client(SSMClient).send(new GetParameterCommand({ Name: '/deploy/setting' }));
    expect(setting.Parameter?.Value).toBe('prod-team-a-deploy-artifacts');

    const deploy = await actionExecution('deploy-app', first.id, 'CreateUpdate');
    expect(deploy.status).toBe('Succeeded');
    expect(deploy.output?.outputVariables).toEqual({ SettingName: '/deploy/setting', Env: 'prod' });
    expect(deploy.output?.executionResult?.externalExecutionId).toBe(created.StackId);
    expect(JSON.parse(await objectText('deploy-site', 'outputs/prod/outputs.json'))).toEqual({ SettingName: '/deploy/setting', Env: 'prod' });

    // The same template and parameters again: CloudFormation has nothing to do, and the action succeeds as in AWS.
    const again = await runPipeline('deploy-app');
    expect(again.status).toBe('Succeeded');
    expect((await stack('deploy-app'))?.StackStatus).toBe('CREATE_COMPLETE');

    await putSource('app.zip', FAILING_TEMPLATE);
    const failed = await runPipeline('deploy-app');
    expect(failed.status).toBe('Failed');
    const failedDeploy = await actionExecution('deploy-app', failed.id, 'CreateUpdate');
    expect(failedDeploy.status).toBe('Failed');
    expect(failedDeploy.output?.executionResult?.errorDetails?.message).toMatch(/^Failed to update stack\. Current status: UPDATE_ROLLBACK_COMPLETE\. Reason: TooBig: /);
    expect((await stack('deploy-app'))?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
  });

  it('creates and executes a change set, then DELETE_ONLY deletes the stack and succeeds again once it is gone', async () => {
    await putSource('changes.zip', APP_TEMPLATE.replaceAll('/deploy/setting', '/deploy/changeset'));
    const { OutputFileName: _noOutputs, ...withoutOutputs } = createUpdate;
    const changeSet = { ...withoutOutputs, StackName: 'deploy-changes', ChangeSetName: 'pipeline-changes' };
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({
        pipeline: pipeline('deploy-changes', 'changes.zip', [
          {
            name: 'Deploy',
            actions: [
              cfnAction('Prepare', { ...changeSet, ActionMode: 'CHANGE_SET_REPLACE' }),
              cfnAction('Execute', { ActionMode: 'CHANGE_SET_EXECUTE', StackName: 'deploy-changes', ChangeSetName: 'pipeline-changes' }, { runOrder: 2 }),
            ],
          },
        ]),
      }),
    );
    const run = await firstRun('deploy-changes');
    expect(run.status).toBe('Succeeded');
    expect((await stack('deploy-changes'))?.StackStatus).toBe('CREATE_COMPLETE');
    expect((await client(SSMClient).send(new GetParameterCommand({ Name: '/deploy/changeset' }))).Parameter?.Value).toBe('prod-team-a-deploy-artifacts');

    await client(CodePipelineClient).send(
      new CreatePipelineCommand({
        pipeline: pipeline('deploy-teardown', 'changes.zip', [{ name: 'Teardown', actions: [cfnAction('Delete', { ActionMode: 'DELETE_ONLY', StackName: 'deploy-changes', RoleArn: STACK_ROLE })] }]),
      }),
    );
    expect((await firstRun('deploy-teardown')).status).toBe('Succeeded');
    expect(await stack('deploy-changes')).toBeUndefined();
    await expect(client(SSMClient).send(new GetParameterCommand({ Name: '/deploy/changeset' }))).rejects.toThrow();
    expect((await runPipeline('deploy-teardown')).status).toBe('Succeeded');
  });

  it('CREATE_UPDATE fails on a ROLLBACK_COMPLETE stack with CloudFormation’s message; REPLACE_ON_FAILURE deletes and creates it again', async () => {
    const cfn = client(CloudFormationClient);
    await cfn.send(new CreateStackCommand({ StackName: 'deploy-broken', TemplateBody: JSON.stringify({ Resources: { TooBig: param('/deploy/broken', 'x'.repeat(4097)) } }) }));
    const broken = await settled(cfn, 'deploy-broken');
    expect(broken.StackStatus).toBe('ROLLBACK_COMPLETE');
    await putSource('replace.zip', APP_TEMPLATE.replaceAll('/deploy/setting', '/deploy/replaced'));
    const { OutputFileName: _noOutputs, ...withoutOutputs } = createUpdate;
    const config = { ...withoutOutputs, StackName: 'deploy-broken' };
    const deployStage = (mode: string) => [{ name: 'Deploy', actions: [cfnAction('Deploy', { ...config, ActionMode: mode })] }];
    const codepipeline = client(CodePipelineClient);
    await codepipeline.send(new CreatePipelineCommand({ pipeline: pipeline('deploy-update-broken', 'replace.zip', deployStage('CREATE_UPDATE')) }));
    const refused = await firstRun('deploy-update-broken');
    expect(refused.status).toBe('Failed');
    const refusal = await actionExecution('deploy-update-broken', refused.id, 'Deploy');
    expect(refusal.output?.executionResult?.errorDetails?.message).toBe(`Stack:${broken.StackId} is in ROLLBACK_COMPLETE state and can not be updated.`);

    await codepipeline.send(new CreatePipelineCommand({ pipeline: pipeline('deploy-replace', 'replace.zip', deployStage('REPLACE_ON_FAILURE')) }));
    expect((await firstRun('deploy-replace')).status).toBe('Succeeded');
    const replaced = (await stack('deploy-broken'))!;
    expect(replaced.StackStatus).toBe('CREATE_COMPLETE');
    expect(replaced.StackId).not.toBe(broken.StackId);
  });
  it('uploads a template larger than TemplateBody allows to the artifact store and creates the stack from its URL', async () => {
    const large = JSON.stringify({ ...JSON.parse(APP_TEMPLATE.replaceAll('/deploy/setting', '/deploy/large')), Metadata: { Padding: 'x'.repeat(60_000) } });
    await putSource('large.zip', large);
    const { OutputFileName: _noOutputs, ...withoutOutputs } = createUpdate;
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({ pipeline: pipeline('deploy-large', 'large.zip', [{ name: 'Deploy', actions: [cfnAction('Deploy', { ...withoutOutputs, StackName: 'deploy-large' })] }]) }),
    );
    expect((await firstRun('deploy-large')).status).toBe('Succeeded');
    expect((await stack('deploy-large'))?.StackStatus).toBe('CREATE_COMPLETE');
    const uploaded = await client(S3Client).send(new ListObjectsV2Command({ Bucket: 'deploy-artifacts', Prefix: 'deploy-large/CFNTemplates/' }));
    expect(uploaded.Contents?.map((object) => object.Size)).toEqual([Buffer.byteLength(large)]);
  });
});

describe('Deploy S3', () => {
  it('extracts the artifact under a prefix with a cache policy, and uploads it unextracted with SSE-KMS', async () => {
    const key = await client(KMSClient).send(new CreateKeyCommand({}));
    await putSource('site.zip', APP_TEMPLATE);
    const s3Deploy = (name: string, configuration: Record<string, string>) => ({
      name,
      actionTypeId: { category: 'Deploy' as const, owner: 'AWS' as const, provider: 'S3', version: '1' },
      configuration,
      inputArtifacts: [{ name: 'SourceOutput' }],
    });
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({
        pipeline: pipeline('deploy-site', 'site.zip', [
          {
            name: 'Publish',
            actions: [
              s3Deploy('Extracted', { BucketName: 'deploy-site', Extract: 'true', ObjectKey: 'www', CacheControl: 'max-age=60', CannedACL: 'bucket-owner-full-control' }),
              s3Deploy('Archived', { BucketName: 'deploy-site', Extract: 'false', ObjectKey: 'archive/site.zip', KMSEncryptionKeyARN: key.KeyMetadata!.Arn! }),
            ],
          },
        ]),
      }),
    );
    expect((await firstRun('deploy-site')).status).toBe('Succeeded');
    const s3 = client(S3Client);
    const page = await s3.send(new HeadObjectCommand({ Bucket: 'deploy-site', Key: 'www/site/index.html' }));
    expect(page.CacheControl).toBe('max-age=60');
    expect(page.ContentType).toBe('text/html');
    expect(await objectText('deploy-site', 'www/site/index.html')).toBe('<h1>hi</h1>');
    expect(await objectText('deploy-site', 'www/params.json')).toBe('{"env":"prod"}');

    const archive = await s3.send(new GetObjectCommand({ Bucket: 'deploy-site', Key: 'archive/site.zip' }));
    expect(archive.ServerSideEncryption).toBe('aws:kms');
    expect(archive.SSEKMSKeyId).toBe(key.KeyMetadata!.Arn);
    const names = readZip(await archive.Body!.transformToByteArray()).map((entry) => entry.name);
    expect(names.sort()).toEqual(['infra/config.json', 'infra/template.json', 'params.json', 'site/index.html']);
  });

  it('fails the action when the bucket does not exist, when its ownership setting refuses the CannedACL, and when Extract is false without an ObjectKey', async () => {
    await client(CodePipelineClient).send(
      new CreatePipelineCommand({
        pipeline: pipeline('deploy-nowhere', 'site.zip', [
          {
            name: 'Publish',
            actions: [
              {
                name: 'Missing',
                actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
                configuration: { BucketName: 'deploy-no-such-bucket', Extract: 'true' },
                inputArtifacts: [{ name: 'SourceOutput' }],
              },
              {
                name: 'PublicAcl',
                actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
                configuration: { BucketName: 'deploy-site', Extract: 'true', CannedACL: 'public-read' },
                inputArtifacts: [{ name: 'SourceOutput' }],
              },
              {
                name: 'NoKey',
                actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
                configuration: { BucketName: 'deploy-site', Extract: 'false' },
                inputArtifacts: [{ name: 'SourceOutput' }],
              },
            ],
          },
        ]),
      }),
    );
    const run = await firstRun('deploy-nowhere');
    expect(run.status).toBe('Failed');
    expect((await actionExecution('deploy-nowhere', run.id, 'Missing')).output?.executionResult?.errorDetails?.message).toBe('The specified bucket does not exist');
    expect((await actionExecution('deploy-nowhere', run.id, 'PublicAcl')).output?.executionResult?.errorDetails?.message).toBe('The bucket does not allow ACLs');
    expect((await actionExecution('deploy-nowhere', run.id, 'NoKey')).output?.executionResult?.errorDetails?.message).toBe('ObjectKey is required when Extract is false.');
  });
});
