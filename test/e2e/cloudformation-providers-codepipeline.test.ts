/**
 * The CodePipeline providers through real stacks: a pipeline (with its role and artifact bucket in
 * the same template), a custom action type and a webhook are created, read back through the
 * CodePipeline API (declaration, disabled transition, tags), updated in place (a new action, the
 * transition enabled again, tags changed, the version bumped) and deleted with the stack.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand, type Output, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CodePipelineClient,
  GetPipelineCommand,
  GetPipelineStateCommand,
  ListActionTypesCommand,
  ListPipelineExecutionsCommand,
  ListTagsForResourceCommand,
  ListWebhooksCommand,
} from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventsOf, settled } from './cloudformation-helpers.js';
import { GitRunner, rootUrl } from './codecommit-git-helpers.js';

const server = useServer();
const cfn = () => new CloudFormationClient(server.clientConfig);
const codepipeline = () => new CodePipelineClient(server.clientConfig);
const STACK = 'cfn-pipeline';

interface Options {
  secondAction?: boolean;
  disableDeploy?: boolean;
  tag: string;
}

function template(options: Options): string {
  const deployActions: unknown[] = [
    {
      Name: 'Extract',
      ActionTypeId: { Category: 'Deploy', Owner: 'AWS', Provider: 'S3', Version: '1' },
      Configuration: { BucketName: { Ref: 'Site' }, Extract: true },
      InputArtifacts: [{ Name: 'SourceOutput' }],
      RunOrder: '1',
    },
  ];
  if (options.secondAction) {
    deployActions.push({
      Name: 'Custom',
      ActionTypeId: { Category: 'Build', Owner: 'Custom', Provider: 'DrydockTool', Version: '1' },
      Configuration: { Mode: 'fast' },
      InputArtifacts: [{ Name: 'SourceOutput' }],
      RunOrder: 2,
    });
  }
  return JSON.stringify({
    Resources: {
      Artifacts: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled' } } },
      Sources: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled' } } },
      Site: { Type: 'AWS::S3::Bucket', Properties: {} },
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'all', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
        },
      },
      Tool: {
        Type: 'AWS::CodePipeline::CustomActionType',
        Properties: {
          Category: 'Build',
          Provider: 'DrydockTool',
          Version: '1',
          ConfigurationProperties: [{ Name: 'Mode', Key: true, Required: true, Secret: false, Queryable: false, Type: 'String', Description: 'How to run' }],
          InputArtifactDetails: { MinimumCount: 1, MaximumCount: 1 },
          OutputArtifactDetails: { MinimumCount: 0, MaximumCount: 1 },
          Settings: { EntityUrlTemplate: 'https://tool.example.com/' },
        },
      },
      Pipeline: {
        Type: 'AWS::CodePipeline::Pipeline',
        DependsOn: 'Tool',
        Properties: {
          RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
          PipelineType: 'V2',
          ExecutionMode: 'QUEUED',
          ArtifactStore: { Type: 'S3', Location: { Ref: 'Artifacts' } },
          Variables: [{ Name: 'Env', DefaultValue: 'dev', Description: 'where' }],
          Stages: [
            {
              Name: 'Source',
              Actions: [
                {
                  Name: 'Source',
                  ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' },
                  Configuration: { S3Bucket: { Ref: 'Sources' }, S3ObjectKey: 'app.zip', PollForSourceChanges: false },
                  OutputArtifacts: [{ Name: 'SourceOutput' }],
                },
              ],
            },
            { Name: 'Deploy', Actions: deployActions },
          ],
          ...(options.disableDeploy ? { DisableInboundStageTransitions: [{ StageName: 'Deploy', Reason: 'Not yet' }] } : {}),
          Tags: [{ Key: 'team', Value: options.tag }],
        },
      },
      Hook: {
        Type: 'AWS::CodePipeline::Webhook',
        Properties: {
          Authentication: 'UNAUTHENTICATED',
          AuthenticationConfiguration: {},
          Filters: [{ JsonPath: '$.ref', MatchEquals: 'refs/heads/main' }],
          TargetPipeline: { Ref: 'Pipeline' },
          TargetAction: 'Source',
          TargetPipelineVersion: { 'Fn::GetAtt': ['Pipeline', 'Version'] },
        },
      },
    },
    Outputs: {
      PipelineName: { Value: { Ref: 'Pipeline' } },
      Version: { Value: { 'Fn::GetAtt': ['Pipeline', 'Version'] } },
      ToolId: { Value: { Ref: 'Tool' } },
      HookName: { Value: { Ref: 'Hook' } },
      HookUrl: { Value: { 'Fn::GetAtt': ['Hook', 'Url'] } },
    },
  });
}

/** A role `service` may assume, allowed `action` on `resource`. */
function role(service: string, action: string, resource: unknown) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] },
      Policies: [{ PolicyName: 'allow', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] } }],
    },
  };
}

const outputsOf = (outputs: Output[] | undefined) => Object.fromEntries((outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));

async function customToolListed(): Promise<boolean> {
  const { actionTypes } = await codepipeline().send(new ListActionTypesCommand({ actionOwnerFilter: 'Custom' }));
  return (actionTypes ?? []).some((type) => type.id?.provider === 'DrydockTool');
}

describe('AWS::CodePipeline::Pipeline, CustomActionType and Webhook', () => {
  it('creates, updates in place and deletes a pipeline declared in a template, with its custom action type and webhook', async () => {
    await cfn().send(new CreateStackCommand({ StackName: STACK, TemplateBody: template({ disableDeploy: true, tag: 'a' }), Capabilities: ['CAPABILITY_IAM'] }));
    const created = await settled(cfn(), STACK);
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    const outputs = outputsOf(created.Outputs);
    const name = outputs.PipelineName!;
    expect(name).toMatch(/^cfn-pipeline-Pipeline-[A-Z0-9]{12}$/);
    expect(outputs.Version).toBe('1');
    expect(outputs.ToolId).toBe('Build|DrydockTool|1');
    expect(outputs.HookUrl).toBeTruthy();

    const { pipeline, metadata } = await codepipeline().send(new GetPipelineCommand({ name }));
    expect(pipeline?.executionMode).toBe('QUEUED');
    expect(pipeline?.variables).toEqual([{ name: 'Env', defaultValue: 'dev', description: 'where' }]);
    expect(pipeline?.stages?.[0].actions?.[0].configuration).toEqual({ S3Bucket: expect.any(String), S3ObjectKey: 'app.zip', PollForSourceChanges: 'false' });
    expect(pipeline?.stages?.[1].actions?.[0].configuration?.Extract).toBe('true');
    const state = await codepipeline().send(new GetPipelineStateCommand({ name }));
    expect(state.stageStates?.[1].inboundTransitionState).toMatchObject({ enabled: false, disabledReason: 'Not yet' });
    expect((await codepipeline().send(new ListTagsForResourceCommand({ resourceArn: metadata!.pipelineArn! }))).tags).toEqual([{ key: 'team', value: 'a' }]);
    expect(await customToolListed()).toBe(true);
    const { webhooks } = await codepipeline().send(new ListWebhooksCommand({}));
    expect(webhooks?.find((hook) => hook.definition?.name === outputs.HookName)?.definition).toMatchObject({ targetPipeline: name, targetAction: 'Source', authentication: 'UNAUTHENTICATED' });

    await cfn().send(new UpdateStackCommand({ StackName: STACK, TemplateBody: template({ secondAction: true, tag: 'b' }), Capabilities: ['CAPABILITY_IAM'] }));
    const updated = await settled(cfn(), STACK);
    expect(updated.StackStatus).toBe('UPDATE_COMPLETE');
    expect(outputsOf(updated.Outputs)).toMatchObject({ PipelineName: name, Version: '2' });
    const after = await codepipeline().send(new GetPipelineCommand({ name }));
    expect(after.pipeline?.stages?.[1].actions?.map((action) => action.name)).toEqual(['Extract', 'Custom']);
    expect((await codepipeline().send(new GetPipelineStateCommand({ name }))).stageStates?.[1].inboundTransitionState?.enabled).toBe(true);
    expect((await codepipeline().send(new ListTagsForResourceCommand({ resourceArn: metadata!.pipelineArn! }))).tags).toEqual([{ key: 'team', value: 'b' }]);

    await cfn().send(new DeleteStackCommand({ StackName: STACK }));
    expect((await settled(cfn(), created.StackId!)).StackStatus).toBe('DELETE_COMPLETE');
    await expectAwsError(codepipeline().send(new GetPipelineCommand({ name })), { code: 'PipelineNotFoundException', status: 400 });
    expect(await customToolListed()).toBe(false);
    expect(((await codepipeline().send(new ListWebhooksCommand({}))).webhooks ?? []).length).toBe(0);
  });

  it('runs the pipeline a template declares with the EventBridge rule AWS documents, on a git push', async () => {
    const sub = (text: string) => ({ 'Fn::Sub': text });
    const body = JSON.stringify({
      Resources: {
        Repo: { Type: 'AWS::CodeCommit::Repository', Properties: { RepositoryName: 'cfn-pipeline-repo' } },
        Artifacts: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled' } } },
        Site: { Type: 'AWS::S3::Bucket', Properties: {} },
        PipelineRole: role('codepipeline.amazonaws.com', '*', '*'),
        EventRole: role('events.amazonaws.com', 'codepipeline:StartPipelineExecution', sub('arn:aws:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}')),
        Pipeline: {
          Type: 'AWS::CodePipeline::Pipeline',
          Properties: {
            Name: 'cfn-pushed',
            RoleArn: { 'Fn::GetAtt': ['PipelineRole', 'Arn'] },
            ArtifactStore: { Type: 'S3', Location: { Ref: 'Artifacts' } },
            Stages: [
              {
                Name: 'Source',
                Actions: [
                  {
                    Name: 'Source',
                    ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeCommit', Version: '1' },
                    Configuration: { RepositoryName: { 'Fn::GetAtt': ['Repo', 'Name'] }, BranchName: 'main', PollForSourceChanges: false },
                    OutputArtifacts: [{ Name: 'SourceOutput' }],
                  },
                ],
              },
              {
                Name: 'Deploy',
                Actions: [
                  {
                    Name: 'Extract',
                    ActionTypeId: { Category: 'Deploy', Owner: 'AWS', Provider: 'S3', Version: '1' },
                    Configuration: { BucketName: { Ref: 'Site' }, Extract: true },
                    InputArtifacts: [{ Name: 'SourceOutput' }],
                  },
                ],
              },
            ],
          },
        },
        PushRule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventPattern: {
              source: ['aws.codecommit'],
              'detail-type': ['CodeCommit Repository State Change'],
              resources: [{ 'Fn::GetAtt': ['Repo', 'Arn'] }],
              detail: { event: ['referenceCreated', 'referenceUpdated'], referenceType: ['branch'], referenceName: ['main'] },
            },
            Targets: [{ Id: 'codepipeline-Pipeline', Arn: sub('arn:aws:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}'), RoleArn: { 'Fn::GetAtt': ['EventRole', 'Arn'] } }],
          },
        },
      },
      Outputs: { Site: { Value: { Ref: 'Site' } } },
    });
    await cfn().send(new CreateStackCommand({ StackName: 'cfn-pushed', TemplateBody: body, Capabilities: ['CAPABILITY_IAM'] }));
    const stack = await settled(cfn(), 'cfn-pushed');
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');

    const git = new GitRunner();
    const work = git.dir('cfn-pushed');
    await git.ok(['clone', '-q', rootUrl(server, 'cfn-pipeline-repo'), '.'], { cwd: work });
    writeFileSync(join(work, 'index.html'), '<h1>pushed</h1>');
    await git.ok(['add', '.'], { cwd: work });
    await git.ok(['commit', '-q', '-m', 'Site'], { cwd: work });
    await git.ok(['push', '-q', 'origin', 'HEAD:main'], { cwd: work });

    const until = Date.now() + 20_000;
    for (;;) {
      const { pipelineExecutionSummaries } = await codepipeline().send(new ListPipelineExecutionsCommand({ pipelineName: 'cfn-pushed' }));
      const pushed = pipelineExecutionSummaries?.find((summary) => summary.trigger?.triggerType === 'CloudWatchEvent');
      if (pushed?.status === 'Succeeded') break;
      if (pushed?.status === 'Failed' || Date.now() > until) throw new Error(`the pushed execution is ${pushed?.status ?? 'missing'}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const site = outputsOf(stack.Outputs).Site!;
    const page = await new S3Client(server.clientConfig).send(new GetObjectCommand({ Bucket: site, Key: 'index.html' }));
    expect(await page.Body!.transformToString()).toBe('<h1>pushed</h1>');
  });

  it('fails the resource with CodePipeline’s error for an invalid structure and rolls back', async () => {
    const body = JSON.stringify({
      Resources: {
        Pipeline: {
          Type: 'AWS::CodePipeline::Pipeline',
          Properties: {
            RoleArn: 'arn:aws:iam::000000000000:role/none',
            ArtifactStore: { Type: 'S3', Location: 'nowhere' },
            Stages: [{ Name: 'Only', Actions: [{ Name: 'A', ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' }, Configuration: {} }] }],
          },
        },
      },
    });
    await cfn().send(new CreateStackCommand({ StackName: 'cfn-pipeline-bad', TemplateBody: body }));
    const stack = await settled(cfn(), 'cfn-pipeline-bad');
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    const failed = (await eventsOf(cfn(), 'cfn-pipeline-bad')).find((event) => event.LogicalResourceId === 'Pipeline' && event.ResourceStatus === 'CREATE_FAILED');
    expect(failed?.ResourceStatusReason).toMatch(/Pipeline must contain at least two stages/);
  });
});
