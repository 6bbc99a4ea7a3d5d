/**
 * Setup and polling shared by the CodePipeline e2e tests: the account, an allow-everything policy,
 * service trust policies, pipeline/service roles and versioned buckets (CodePipeline's S3 source
 * and artifact store need versioning), source zips, CodeBuild projects and Invoke Lambda functions,
 * the usual "S3 source, then one stage" pipeline and its stages, the clock warp, and waits on
 * executions through the public API.
 */

import { CodeBuildClient, CreateProjectCommand, type CreateProjectInput } from '@aws-sdk/client-codebuild';
import {
  type ActionDeclaration,
  CodePipelineClient,
  CreatePipelineCommand,
  type EncryptionKey,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  ListPipelineExecutionsCommand,
  type PipelineDeclaration,
  type PipelineExecutionStatus,
  type PipelineExecutionSummary,
  type PipelineType,
  type StageDeclaration,
} from '@aws-sdk/client-codepipeline';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createZip } from '../../src/core/zip.js';
import type { TestServer } from '../helpers.js';
import { createSdkFunction } from './lambda-helpers.js';

type ClientConfig = TestServer['clientConfig'];

export const ACCOUNT = '000000000000';
const ADMIN = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

/** The trust policy that lets `service` (e.g. codepipeline.amazonaws.com) assume a role. */
export const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

/** An ended execution: its id and final status. */
export interface Run {
  id: string;
  status: PipelineExecutionStatus | undefined;
}

/** Creates each role (name → trusted service) with ADMIN as its inline policy `policyName`. */
export async function createAdminRoles(config: ClientConfig, roles: Record<string, string>, policyName = 'all'): Promise<void> {
  const iam = new IAMClient(config);
  for (const [name, service] of Object.entries(roles)) {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust(service) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: policyName, PolicyDocument: ADMIN }));
  }
}

/** Creates each bucket with versioning enabled. */
export async function createVersionedBuckets(config: ClientConfig, buckets: string[]): Promise<void> {
  const s3 = new S3Client(config);
  for (const bucket of buckets) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
}

/** What a test's S3-sourced pipelines need first: each role (name → trusted service) with admin rights, the versioned buckets `source` and `artifacts`, and app.zip of `files` in `source`. */
export async function setUpS3Source(config: ClientConfig, setup: { roles: Record<string, string>; source: string; artifacts: string; files: Record<string, string> }): Promise<void> {
  await createAdminRoles(config, setup.roles);
  await createVersionedBuckets(config, [setup.source, setup.artifacts]);
  await putSourceZip(config, setup.source, setup.files);
}

/** Creates a CodeBuild project for a pipeline's Build action (source and artifacts CODEPIPELINE) on AWS's standard Linux image; `more` adds to or overrides the input. */
export async function createPipelineProject(config: ClientConfig, name: string, buildspec: string, serviceRole: string, more: Partial<CreateProjectInput> = {}): Promise<void> {
  await new CodeBuildClient(config).send(
    new CreateProjectCommand({
      name,
      source: { type: 'CODEPIPELINE', buildspec },
      artifacts: { type: 'CODEPIPELINE' },
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole,
      ...more,
    }),
  );
}

/** Puts a zip of `files` (name → text) in `bucket` as `key`, the source object of an S3 source action; answers its version id. */
export async function putSourceZip(config: ClientConfig, bucket: string, files: Record<string, string>, key = 'app.zip'): Promise<string | undefined> {
  const entries = Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text), mode: 0o100644 }));
  return (await new S3Client(config).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createZip(entries) }))).VersionId;
}

/** The S3 source stage: `bucket`/`key` (app.zip unless said), polled only when `poll` says "true", as the output artifact `artifact`. */
function s3SourceStage(source: S3Source): StageDeclaration {
  return {
    name: 'Source',
    actions: [
      {
        name: 'Source',
        actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
        configuration: { S3Bucket: source.bucket, S3ObjectKey: source.key ?? 'app.zip', PollForSourceChanges: source.poll ?? 'false' },
        outputArtifacts: [{ name: source.artifact }],
      },
    ],
  };
}

interface S3Source {
  bucket: string;
  key?: string;
  artifact: string;
  poll?: 'true' | 'false';
}

/** The stage `name` whose one action, Approve, is a manual approval; `more` adds to the action (configuration, timeoutInMinutes). */
export function manualApprovalStage(name: string, more: Partial<ActionDeclaration> = {}): StageDeclaration {
  return { name, actions: [{ name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' }, ...more }] };
}

/** The stage Build whose one action, Build, runs the CodeBuild project `project` on `input`; `more` adds to the action (its configuration to ProjectName's). */
export function codeBuildStage(project: string, input: string, more: Partial<ActionDeclaration> = {}): StageDeclaration {
  const action: ActionDeclaration = {
    name: 'Build',
    actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
    inputArtifacts: [{ name: input }],
    ...more,
    configuration: { ProjectName: project, ...more.configuration },
  };
  return { name: 'Build', actions: [action] };
}

interface SourceThenStage {
  name: string;
  roleArn: string;
  pipelineType?: PipelineType;
  artifactBucket: string;
  encryptionKey?: EncryptionKey;
  source: S3Source;
  stage: StageDeclaration;
}

/** A pipeline of two stages: an S3 source (see s3SourceStage), then `stage` around the action under test. */
export function sourceThenStage(pipeline: SourceThenStage): PipelineDeclaration {
  return {
    name: pipeline.name,
    roleArn: pipeline.roleArn,
    pipelineType: pipeline.pipelineType,
    artifactStore: { type: 'S3', location: pipeline.artifactBucket, encryptionKey: pipeline.encryptionKey },
    stages: [s3SourceStage(pipeline.source), pipeline.stage],
  };
}

/** CreatePipeline of sourceThenStage(pipeline); its promise, so a test can expect a refusal. */
export function createSourceThenStage(config: ClientConfig, pipeline: SourceThenStage) {
  return new CodePipelineClient(config).send(new CreatePipelineCommand({ pipeline: sourceThenStage(pipeline) }));
}

/**
 * What an Invoke Lambda pipeline of `prefix` needs: the roles `<prefix>-pipeline-role` and
 * `<prefix>-function-role`, the versioned buckets `<prefix>-source` (app.zip holding app.txt "v1")
 * and `<prefix>-artifacts`, and the function `functionName` running `handler` (see createSdkFunction).
 */
export async function setUpInvokeLambda(config: ClientConfig, prefix: string, functionName: string, handler: string): Promise<void> {
  const roles = { [`${prefix}-pipeline-role`]: 'codepipeline.amazonaws.com', [`${prefix}-function-role`]: 'lambda.amazonaws.com' };
  await setUpS3Source(config, { roles, source: `${prefix}-source`, artifacts: `${prefix}-artifacts`, files: { 'app.txt': 'v1' } });
  await createSdkFunction(new LambdaClient(config), functionName, `arn:aws:iam::${ACCOUNT}:role/${prefix}-function-role`, handler);
}

/**
 * A V2 pipeline on setUpInvokeLambda(prefix)'s role and buckets: the S3 source as SourceOutput, then
 * the Validate stage whose action Check invokes `functionName` with `userParameters` on SourceOutput;
 * `action` adds to that action (a namespace, output artifacts).
 */
export function createInvokeLambdaPipeline(
  config: ClientConfig,
  prefix: string,
  pipeline: { name: string; functionName: string; userParameters: string; encryptionKey?: EncryptionKey; action?: Partial<ActionDeclaration> },
) {
  return createSourceThenStage(config, {
    name: pipeline.name,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${prefix}-pipeline-role`,
    pipelineType: 'V2',
    artifactBucket: `${prefix}-artifacts`,
    encryptionKey: pipeline.encryptionKey,
    source: { bucket: `${prefix}-source`, artifact: 'SourceOutput' },
    stage: {
      name: 'Validate',
      actions: [
        {
          name: 'Check',
          actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' },
          configuration: { FunctionName: pipeline.functionName, UserParameters: pipeline.userParameters },
          inputArtifacts: [{ name: 'SourceOutput' }],
          ...pipeline.action,
        },
      ],
    },
  });
}

/** The execution CreatePipeline started (as AWS's does), waited for until it ends. */
export async function firstEndedExecution(config: ClientConfig, name: string): Promise<Run> {
  const codepipeline = new CodePipelineClient(config);
  const until = Date.now() + 60_000;
  for (;;) {
    const { pipelineExecutionSummaries } = await codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: name }));
    const first = pipelineExecutionSummaries?.at(-1);
    if (first && first.status !== 'InProgress') return { id: first.pipelineExecutionId!, status: first.status };
    if (Date.now() > until) throw new Error(`${name} has no ended execution: ${JSON.stringify(pipelineExecutionSummaries)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The pipeline's executions, newest first. */
export async function executionsOf(config: ClientConfig, name: string): Promise<PipelineExecutionSummary[]> {
  return (await new CodePipelineClient(config).send(new ListPipelineExecutionsCommand({ pipelineName: name }))).pipelineExecutionSummaries ?? [];
}

/** Waits (real time: a poll runs once the clock has been advanced) until `name` has more than `count` executions; answers them, newest first. */
export async function moreExecutionsThan(config: ClientConfig, name: string, count: number): Promise<PipelineExecutionSummary[]> {
  const until = Date.now() + 15_000;
  for (;;) {
    const all = await executionsOf(config, name);
    if (all.length > count) return all;
    if (Date.now() > until) throw new Error(`${name} still has ${all.length} executions`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls GetPipelineExecution every `intervalMs` until the execution is no longer InProgress; answers its status. */
export async function executionEnded(config: ClientConfig, name: string, pipelineExecutionId: string, timeoutMs: number, intervalMs: number): Promise<PipelineExecutionStatus | undefined> {
  const codepipeline = new CodePipelineClient(config);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { pipelineExecution } = await codepipeline.send(new GetPipelineExecutionCommand({ pipelineName: name, pipelineExecutionId }));
    if (pipelineExecution?.status !== 'InProgress') return pipelineExecution?.status;
    if (Date.now() > until) throw new Error(`execution ${pipelineExecutionId} of ${name} is still InProgress`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The named action's execution in the given pipeline execution. */
export async function actionExecution(config: ClientConfig, pipelineName: string, pipelineExecutionId: string, actionName: string) {
  const { actionExecutionDetails } = await new CodePipelineClient(config).send(new ListActionExecutionsCommand({ pipelineName, filter: { pipelineExecutionId } }));
  return actionExecutionDetails!.find((detail) => detail.actionName === actionName)!;
}
