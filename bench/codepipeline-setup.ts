/**
 * What the CodePipeline bench's parts share: SDK clients for a Drydock process, roles, buckets,
 * waits on executions, git, and the spread of a set of samples.
 */
import { spawn } from 'node:child_process';
import type * as CP from '@aws-sdk/client-codepipeline';
import { HOST } from './client.js';
import { GIT_ENV } from './codecommit.js';

/** How long any wait of the section may last before it fails. */
export const GIVE_UP_MS = 300_000;

export interface Spread {
  samples: number;
  p50: number;
  p90: number;
  max: number;
  min: number;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const errorText = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { samples: sorted.length, p50: at(0.5), p90: at(0.9), max: sorted.at(-1) ?? Number.NaN, min: sorted[0] ?? Number.NaN };
}

// --- clients and shared set-up ----------------------------------------------------------------

export async function connect(port: number) {
  const config = { endpoint: `http://${HOST}:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  // Loaded here, not at the top: run.ts imports this module, and the bench loads the SDK only for the sections that use it.
  const [cp, iam, s3, events, cfn, codecommit] = await Promise.all([
    import('@aws-sdk/client-codepipeline'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-eventbridge'),
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-codecommit'),
  ]);
  const clients = {
    cp: new cp.CodePipelineClient(config),
    iam: new iam.IAMClient(config),
    s3: new s3.S3Client({ ...config, forcePathStyle: true }),
    events: new events.EventBridgeClient(config),
    cfn: new cfn.CloudFormationClient(config),
    codecommit: new codecommit.CodeCommitClient(config),
  };
  return {
    sdk: { cp, iam, s3, events, cfn, codecommit },
    ...clients,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
export type Clients = Awaited<ReturnType<typeof connect>>;

const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const allow = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

/** A role `service` may assume with `action` allowed; its ARN. */
export async function role(k: Clients, name: string, service: string, action: string): Promise<string> {
  const { Role } = await k.iam.send(new k.sdk.iam.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust(service) }));
  await k.iam.send(new k.sdk.iam.PutRolePolicyCommand({ RoleName: name, PolicyName: 'bench', PolicyDocument: allow(action) }));
  return Role!.Arn!;
}

export async function versionedBucket(k: Clients, bucket: string): Promise<void> {
  await k.s3.send(new k.sdk.s3.CreateBucketCommand({ Bucket: bucket }));
  await k.s3.send(new k.sdk.s3.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

export async function executions(k: Clients, pipelineName: string): Promise<CP.PipelineExecutionSummary[]> {
  return (await k.cp.send(new k.sdk.cp.ListPipelineExecutionsCommand({ pipelineName }))).pipelineExecutionSummaries ?? [];
}

/** Waits until `pipelineName` has an execution and none InProgress but those `stillRunning` allows. */
export async function settled(k: Clients, pipelineName: string, stillRunning = 0): Promise<CP.PipelineExecutionSummary[]> {
  const until = performance.now() + GIVE_UP_MS;
  for (;;) {
    const summaries = await executions(k, pipelineName);
    if (summaries.length > 0 && summaries.filter((s) => s.status === 'InProgress').length <= stillRunning) return summaries;
    if (performance.now() > until) throw new Error(`${pipelineName}'s executions did not end: ${JSON.stringify(summaries.map((s) => s.status))}`);
    await sleep(20);
  }
}

/** Runs git; resolves with stdout and the moment it exited (performance.now()). */
export function git(args: string[], cwd: string): Promise<{ stdout: string; exitedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...GIT_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout, exitedAt: performance.now() }) : reject(new Error(`git ${args.join(' ')} exited with ${code}: ${stderr.trim()}`))));
  });
}

/** The repository's URL with the account's root keys as the Git login, as examples/pipeline-demo/run.sh uses. */
export const remote = (port: number, repository: string) => `http://test:test@${HOST}:${port}/v1/repos/${repository}`;
