/**
 * Setup and polling shared by the CodePipeline e2e tests: the account, an allow-everything policy,
 * service trust policies, pipeline/service roles and versioned buckets (CodePipeline's S3 source
 * and artifact store need versioning), and waits on executions through the public API.
 */
import { CodePipelineClient, GetPipelineExecutionCommand, ListActionExecutionsCommand, ListPipelineExecutionsCommand, type PipelineExecutionStatus } from '@aws-sdk/client-codepipeline';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import type { TestServer } from '../helpers.js';

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
