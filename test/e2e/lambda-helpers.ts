/**
 * What the Lambda tests share: deployment packages made in memory (with Unix modes, so a custom
 * runtime's bootstrap stays executable), handlers with the AWS SDK bundled in, an execution role Lambda may assume (with the managed
 * policy's CloudWatch Logs permissions), and functions created and waited for as a user would.
 */
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, type CreateFunctionRequest, type FunctionConfiguration, type LambdaClient, type Runtime, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import type { TestServer } from '../helpers.js';

/** A zip of these files (`name` → text, or text and mode). */
export function zipOf(files: Record<string, string | { text: string; mode: number }>): Uint8Array {
  const entries: Parameters<typeof zipSync>[0] = {};
  for (const [name, file] of Object.entries(files)) {
    const { text, mode } = typeof file === 'string' ? { text: file, mode: 0o644 } : file;
    entries[name] = [Buffer.from(text), { os: 3, attrs: ((0o100000 | mode) & 0xffff) << 16 }];
  }
  return zipSync(entries);
}

/**
 * A handler's source with the AWS SDK clients it requires bundled in, as a deployment package
 * carries them: Drydock's runtimes provide no SDK, and a handler cannot require one from this
 * repository's node_modules by path, which a sandbox hides when the clone lives under /tmp (each
 * execution environment gets its own /tmp).
 */
export async function withSdk(source: string): Promise<string> {
  const bundled = await build({
    stdin: { contents: source, resolveDir: dirname(fileURLToPath(import.meta.url)), loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
  });
  return bundled.outputFiles[0]!.text;
}

/** The nodejs runtime this host runs without DRYDOCK_RUNTIME_VERSIONS=host (its own node's major). */
export const NODE_RUNTIME = `nodejs${process.versions.node.split('.')[0]}.x` as Runtime;

/** The python runtime of the host's python3. */
export const PYTHON_RUNTIME = `python${execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).toString().trim()}` as Runtime;

const TRUST_LAMBDA = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
/** What AWSLambdaBasicExecutionRole allows, and Invoke (for functions that call functions). */
const EXECUTION_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
    { Effect: 'Allow', Action: ['lambda:InvokeFunction', 'sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: '*' },
  ],
});

/** An execution role trusting lambda.amazonaws.com, with log and invoke permissions; answers its ARN. */
export async function executionRole(server: TestServer, name: string): Promise<string> {
  const iam = new IAMClient(server.clientConfig);
  const role = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_LAMBDA }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'execution', PolicyDocument: EXECUTION_POLICY }));
  return role.Role!.Arn!;
}

/** Creates a function and waits until it is Active, as a deployment script does. */
export async function createActiveFunction(lambda: LambdaClient, input: CreateFunctionRequest): Promise<FunctionConfiguration> {
  const created = await lambda.send(new CreateFunctionCommand(input));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 }, { FunctionName: input.FunctionName });
  return created;
}

/** Creates the Node.js function `name` (index.handler, 30 seconds) running `source` with the SDK bundled in (see withSdk), and waits until it is Active. */
export async function createSdkFunction(lambda: LambdaClient, name: string, role: string, source: string): Promise<FunctionConfiguration> {
  return createActiveFunction(lambda, {
    FunctionName: name,
    Runtime: NODE_RUNTIME,
    Role: role,
    Handler: 'index.handler',
    Timeout: 30,
    Code: { ZipFile: zipOf({ 'index.js': await withSdk(source) }) },
  });
}

export const decode = (payload: Uint8Array | undefined): unknown => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));
