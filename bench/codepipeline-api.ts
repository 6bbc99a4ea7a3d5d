/**
 * CodePipeline's read operations in the benchmark: GetPipelineState and ListPipelineExecutions on a
 * pipeline with 100 ended executions, and GetPipeline / ListPipelines, driven by wrk through the
 * table's row mechanism (load.ts: prepare + runCell on BenchOperations) against Drydock, moto_server
 * and the floor, a row's cells one after the other.
 *
 * The rows are not in operations.ts' table because their state cannot be made with fixed requests:
 * the pipeline's role ARN carries the server's account (Drydock's and moto's differ, and moto checks
 * the role exists), and the 100 executions must have ended before a cell starts, or their runs would
 * be measured with the reads. Each server gets its state through the SDK here instead.
 *
 * moto 5's CodePipeline has Create/Get/Update/List/DeletePipeline and tags only: it answers the
 * others with a 500 (NotImplementedError), reported as "not implemented".
 */
import { Agent } from 'node:http';
import type { BenchRequest } from './client.js';
import { HOST, send, sign } from './client.js';
import { type CellLimits, type CellResult, prepare, runCell } from './load.js';
import type { BenchOperation } from './operations.js';
import type { Row } from './report.js';
import { freePort, type RunningTarget, startDrydock, startFloor, startMoto } from './servers.js';

/** Executions the read rows' pipeline has: CreatePipeline's own and the ones started after it. */
const PAST_EXECUTIONS = 100;
const LIMITS: CellLimits = { warmupSeconds: 1, measureSeconds: 2 };
const CONNECTIONS = [1, 16];
const PIPELINE = 'bench-reads';
const ENDED_WITHIN_MS = 120_000;

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const ADMIN = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

export interface ApiRow extends Omit<Row, 'vsFloor'> {
  /** Bytes of Drydock's answer, which the floor answers too. */
  answerBytes: number;
}

function codepipelineJson(target: string, payload: unknown): BenchRequest {
  return {
    service: 'codepipeline',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CodePipeline_20150709.${target}` },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

/** The rows: their state is made beforehand (readState), so they need no setup requests. */
function readOperations(): BenchOperation[] {
  const row = (target: string, label: string, payload: unknown): BenchOperation => {
    const request = codepipelineJson(target, payload);
    return { id: `codepipeline.${target}`, label, setup: [], request: () => request, distinct: 1 };
  };
  return [
    row('GetPipelineState', 'CodePipeline GetPipelineState', { name: PIPELINE }),
    row('ListPipelineExecutions', `CodePipeline ListPipelineExecutions (${PAST_EXECUTIONS})`, { pipelineName: PIPELINE }),
    row('GetPipeline', 'CodePipeline GetPipeline', { name: PIPELINE }),
    row('ListPipelines', 'CodePipeline ListPipelines', {}),
  ];
}

/**
 * The pipeline the rows read, on `target`: Source CodeCommit (a one-file commit made with PutFile)
 * then Deploy S3 (extracting it into a bucket), PARALLEL so that the executions started one after
 * the other all run to Succeeded rather than superseding each other. On moto only the pipeline is
 * made (it runs no executions).
 */
async function readState(target: RunningTarget): Promise<void> {
  const config = { endpoint: `http://${HOST}:${target.port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  const [iam, s3, codecommit, codepipeline] = await Promise.all([
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-codecommit'),
    import('@aws-sdk/client-codepipeline'),
  ]);
  const iamClient = new iam.IAMClient(config);
  const s3Client = new s3.S3Client({ ...config, forcePathStyle: true });
  const cc = new codecommit.CodeCommitClient(config);
  const cp = new codepipeline.CodePipelineClient(config);
  try {
    const role = (await iamClient.send(new iam.CreateRoleCommand({ RoleName: 'bench-reads', AssumeRolePolicyDocument: TRUST }))).Role!;
    await iamClient.send(new iam.PutRolePolicyCommand({ RoleName: 'bench-reads', PolicyName: 'all', PolicyDocument: ADMIN }));
    for (const bucket of ['bench-reads-artifacts', 'bench-reads-site']) {
      await s3Client.send(new s3.CreateBucketCommand({ Bucket: bucket }));
      await s3Client.send(new s3.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    }
    const drydock = target.name === 'Drydock';
    if (drydock) {
      await cc.send(new codecommit.CreateRepositoryCommand({ repositoryName: PIPELINE }));
      await cc.send(new codecommit.PutFileCommand({ repositoryName: PIPELINE, branchName: 'main', filePath: 'index.html', fileContent: Buffer.from('<p>bench</p>\n') }));
    }
    await cp.send(
      new codepipeline.CreatePipelineCommand({
        pipeline: {
          name: PIPELINE,
          pipelineType: 'V2',
          executionMode: 'PARALLEL',
          roleArn: role.Arn!,
          artifactStore: { type: 'S3', location: 'bench-reads-artifacts' },
          stages: [
            {
              name: 'Source',
              actions: [
                {
                  name: 'Source',
                  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
                  configuration: { RepositoryName: PIPELINE, BranchName: 'main', PollForSourceChanges: 'false' },
                  outputArtifacts: [{ name: 'Site' }],
                },
              ],
            },
            {
              name: 'Deploy',
              actions: [
                {
                  name: 'Publish',
                  actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
                  configuration: { BucketName: 'bench-reads-site', Extract: 'true' },
                  inputArtifacts: [{ name: 'Site' }],
                },
              ],
            },
          ],
        },
      }),
    );
    if (!drydock) return;
    for (let i = 1; i < PAST_EXECUTIONS; i++) await cp.send(new codepipeline.StartPipelineExecutionCommand({ name: PIPELINE }));
    const until = performance.now() + ENDED_WITHIN_MS;
    for (;;) {
      const summaries = (await cp.send(new codepipeline.ListPipelineExecutionsCommand({ pipelineName: PIPELINE, maxResults: PAST_EXECUTIONS }))).pipelineExecutionSummaries ?? [];
      const running = summaries.filter((s) => s.status === 'InProgress').length;
      const failed = summaries.find((s) => s.status !== 'InProgress' && s.status !== 'Succeeded');
      if (failed) throw new Error(`execution ${failed.pipelineExecutionId} of ${PIPELINE} ended ${failed.status}`);
      if (summaries.length === PAST_EXECUTIONS && running === 0) return;
      if (performance.now() > until) throw new Error(`${running} of ${summaries.length} executions of ${PIPELINE} still InProgress`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    for (const client of [iamClient, s3Client, cc, cp]) client.destroy();
  }
}

/** The byte length of Drydock's answer to the row's request: what the floor answers for it. */
async function answerBytes(port: number, op: BenchOperation): Promise<number> {
  const agent = new Agent({ keepAlive: false });
  try {
    return (await send(port, agent, await sign(port, op.request(0, 'size')))).bytes;
  } finally {
    agent.destroy();
  }
}

/** moto answers an operation it lacks with a bare 500 page; the cell says so instead of "error". */
function motoCell(cell: CellResult): CellResult {
  return cell.state === 'error' && /answered 500\b/.test(cell.detail) ? { state: 'not-implemented', detail: `moto: not implemented (${cell.detail.slice(0, 80)})` } : cell;
}

const describe = (cell: CellResult) => (cell.state === 'ok' ? `${cell.reqPerSec.toFixed(0)} req/s, p50 ${cell.p50Ms.toFixed(2)} ms, p99 ${cell.p99Ms.toFixed(2)} ms` : `${cell.state}: ${cell.detail}`);

/** The rows, with Drydock, moto and the floor all running; each row's three cells one after the other. */
export async function codePipelineApiRows(log: (line: string) => void): Promise<ApiRow[]> {
  const started: RunningTarget[] = [];
  try {
    const drydock = await startDrydock(await freePort());
    started.push(drydock);
    const moto = await startMoto(await freePort());
    started.push(moto);
    const floor = await startFloor(await freePort());
    started.push(floor);
    await readState(drydock);
    await readState(moto);
    const rows: ApiRow[] = [];
    for (const op of readOperations()) {
      const bytes = await answerBytes(drydock.port, op);
      await (await fetch(`http://${HOST}:${floor.port}/_floor/answer-bytes/${bytes}`, { method: 'PUT' })).arrayBuffer();
      const unavailable = { drydock: await prepare(drydock.port, op), moto: await prepare(moto.port, op), floor: undefined };
      for (const connections of CONNECTIONS) {
        const cells = {} as Record<'drydock' | 'moto' | 'floor', CellResult>;
        for (const [key, server] of [
          ['drydock', drydock],
          ['moto', moto],
          ['floor', floor],
        ] as const) {
          const cell = unavailable[key] ?? (await runCell(server.port, op, connections, LIMITS));
          cells[key] = key === 'moto' ? motoCell(cell) : cell;
          log(`${server.name.padEnd(8)} ${op.label} x${connections}: ${describe(cells[key])}`);
        }
        const vsMoto = cells.drydock.state === 'ok' && cells.moto.state === 'ok' ? cells.drydock.reqPerSec / cells.moto.reqPerSec : undefined;
        rows.push({ operation: op.id, label: op.label, connections, ...cells, vsMoto, answerBytes: bytes });
      }
    }
    return rows;
  } finally {
    for (const server of started) await server.stop();
  }
}

export function formatApiRows(rows: ApiRow[]): string[] {
  const cell = (c: CellResult) =>
    c.state === 'ok' ? `${c.reqPerSec.toFixed(0).padStart(6)} req/s p99 ${c.p99Ms.toFixed(2).padStart(6)} ms` : c.state === 'not-implemented' ? 'not implemented' : `failed: ${c.detail}`;
  const lines = [
    `  Read operations, wrk for ${LIMITS.measureSeconds} s after ${LIMITS.warmupSeconds} s (the pipeline has ${PAST_EXECUTIONS} Succeeded executions; the floor answers as many bytes as Drydock):`,
    `    ${'Operation'.padEnd(52)} conns | ${'Drydock'.padEnd(28)} | ${'moto'.padEnd(28)} | ${'floor'.padEnd(28)} | vs moto`,
  ];
  for (const r of rows) {
    const label = `${r.label} [${r.answerBytes} B]`;
    lines.push(
      `    ${label.padEnd(52)} ${String(r.connections).padStart(5)} | ${cell(r.drydock).padEnd(28)} | ${cell(r.moto).padEnd(28)} | ${cell(r.floor).padEnd(28)} | ${r.vsMoto === undefined ? '-' : `${r.vsMoto.toFixed(1)}x`}`,
    );
  }
  return lines;
}
