/**
 * What IAM enforcement costs: signed SSM GetParameter as the account's root (no policy evaluated)
 * and as an IAM user with 10 attached managed policies of 10 statements each (every request
 * evaluates them all), against one Drydock process in the same run. Target: the user's throughput
 * within 10% of root's.
 */

import { HOST } from './client.js';
import type { CellLimits, CellResult } from './load.js';
import { runCell } from './load.js';
import type { BenchOperation } from './operations.js';

const POLICIES = 10;
const STATEMENTS = 10;

export interface AuthorizationBenchResults {
  policies: number;
  statementsPerPolicy: number;
  /** By concurrency: root's and the IAM user's cells. */
  cells: { concurrency: number; root: CellResult; user: CellResult }[];
}

/** Ten statements that never match GetParameter on /bench/authz and one that does, last, so every statement is evaluated. */
function policyDocument(p: number): string {
  const statements: object[] = [];
  for (let s = 0; s < STATEMENTS - 1; s++) {
    statements.push({
      Effect: 'Allow',
      Action: [`ssm:PutParameter`, `ssm:DeleteParameter`],
      Resource: `arn:aws:ssm:us-east-1:000000000000:parameter/team-${p}/svc-${s}/*`,
      Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
    });
  }
  statements.push({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:us-east-1:000000000000:parameter/bench/authz-${p}` });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

async function iamUser(port: number): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const iam = await import('@aws-sdk/client-iam');
  const ssm = await import('@aws-sdk/client-ssm');
  const config = { endpoint: `http://${HOST}:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const client = new iam.IAMClient(config);
  await client.send(new iam.CreateUserCommand({ UserName: 'bench-reader' }));
  for (let p = 0; p < POLICIES; p++) {
    const { Policy } = await client.send(new iam.CreatePolicyCommand({ PolicyName: `bench-${p}`, PolicyDocument: policyDocument(p) }));
    await client.send(new iam.AttachUserPolicyCommand({ UserName: 'bench-reader', PolicyArn: Policy!.Arn! }));
  }
  await new ssm.SSMClient(config).send(new ssm.PutParameterCommand({ Name: `/bench/authz-${POLICIES - 1}`, Value: 'v', Type: 'String' }));
  const { AccessKey } = await client.send(new iam.CreateAccessKeyCommand({ UserName: 'bench-reader' }));
  client.destroy();
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

function getParameter(label: string, credentials?: { accessKeyId: string; secretAccessKey: string }): BenchOperation {
  const request = {
    service: 'ssm',
    method: 'POST' as const,
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
    body: Buffer.from(JSON.stringify({ Name: `/bench/authz-${POLICIES - 1}` })),
    credentials,
  };
  return { id: `ssm.GetParameter.${label}`, label: `SSM GetParameter as ${label}`, setup: [], request: () => request, distinct: 1 };
}

/** Root and the IAM user, alternating per concurrency so that machine noise hits both alike. */
export async function authorizationBench(port: number, concurrencies: number[], limits: CellLimits, log: (line: string) => void): Promise<AuthorizationBenchResults> {
  const credentials = await iamUser(port);
  const root = getParameter('root');
  const user = getParameter(`IAM user (${POLICIES} policies x ${STATEMENTS} statements)`, credentials);
  const cells: AuthorizationBenchResults['cells'] = [];
  for (const concurrency of concurrencies) {
    const rootCell = await runCell(port, root, concurrency, limits);
    const userCell = await runCell(port, user, concurrency, limits);
    log(`Drydock  ${root.label} x${concurrency}: ${rootCell.state === 'ok' ? `${rootCell.reqPerSec.toFixed(0)} req/s` : rootCell.state}`);
    log(`Drydock  ${user.label} x${concurrency}: ${userCell.state === 'ok' ? `${userCell.reqPerSec.toFixed(0)} req/s` : userCell.state}`);
    cells.push({ concurrency, root: rootCell, user: userCell });
  }
  return { policies: POLICIES, statementsPerPolicy: STATEMENTS, cells };
}

export function formatAuthorizationBench(results: AuthorizationBenchResults): string {
  const lines = [`IAM authorization cost (signed SSM GetParameter; IAM user with ${results.policies} attached policies of ${results.statementsPerPolicy} statements; target: within 10% of root)`];
  for (const { concurrency, root, user } of results.cells) {
    if (root.state !== 'ok' || user.state !== 'ok') {
      lines.push(`  ${concurrency} client(s): root ${root.state}, user ${user.state}${user.state !== 'ok' ? ` (${user.detail})` : ''}`);
      continue;
    }
    const ratio = user.reqPerSec / root.reqPerSec;
    lines.push(
      `  ${String(concurrency).padStart(2)} client(s): root ${root.reqPerSec.toFixed(0)} req/s (p99 ${root.p99Ms.toFixed(2)} ms), user ${user.reqPerSec.toFixed(0)} req/s (p99 ${user.p99Ms.toFixed(2)} ms): ${(ratio * 100).toFixed(0)}% of root, ${ratio >= 0.9 ? 'met' : 'missed'}`,
    );
  }
  return lines.join('\n');
}
