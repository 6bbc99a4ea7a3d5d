/**
 * CodeCommit in the benchmark.
 *
 * - API throughput (CreateRepository, GetRepository, ListRepositories) as ordinary rows of the
 *   table, side by side with moto (whose CodeCommit has Create/Get/DeleteRepository only).
 * - Git over HTTP, Drydock only (moto hosts no Git): push and clone of a generated repository
 *   (2,000 commits, ~50 MB of incompressible file content, made with `git fast-import`) against a
 *   Drydock process, authenticated as an IAM user with HTTPS Git credentials
 *   (CreateServiceSpecificCredential), so every request also runs the IAM policy evaluator.
 * - The time from `git push` returning to the "CodeCommit Repository State Change" event. The event
 *   bus is in-process, so this one runs Drydock inside the bench process (startServer) and
 *   subscribes to runtime.events; a separate process could only be polled, which measures the poll.
 *
 * `node dist/bench/codecommit.js [--commits N] [--megabytes M] [--pushes N]` runs this section alone
 * (API rows against Drydock and moto, then the Git figures); `npm run bench` runs it after the table.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRequest } from './client.js';
import { HOST } from './client.js';
import { type CellLimits, type CellResult, prepare, runCell } from './load.js';
import type { BenchOperation } from './operations.js';
import { freePort, type RunningTarget, startDrydock, startMoto } from './servers.js';

// --- API rows ----------------------------------------------------------------------------------

/** Repositories ListRepositories finds (one page: CodeCommit pages at 1,000). */
const LISTED_REPOSITORIES = 50;

function codecommitJson(target: string, payload: unknown): BenchRequest {
  return {
    service: 'codecommit',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `CodeCommit_20150413.${target}` },
    body: Buffer.from(JSON.stringify(payload)),
  };
}

/**
 * The API rows. ListRepositories lists the whole account and region, so it runs before
 * CreateRepository fills them: it always sees its own 50 repositories plus GetRepository's one.
 */
export function codecommitOperations(): BenchOperation[] {
  const get = codecommitJson('GetRepository', { repositoryName: 'bench-read' });
  const list = codecommitJson('ListRepositories', {});
  return [
    {
      id: 'codecommit.GetRepository',
      label: 'CodeCommit GetRepo',
      setup: [codecommitJson('CreateRepository', { repositoryName: 'bench-read', repositoryDescription: 'read by the benchmark' })],
      request: () => get,
      distinct: 1,
    },
    {
      id: 'codecommit.ListRepositories',
      label: 'CodeCommit ListRepos',
      setup: Array.from({ length: LISTED_REPOSITORIES }, (_, i) => codecommitJson('CreateRepository', { repositoryName: `bench-list-${i}` })),
      request: () => list,
      distinct: 1,
    },
    {
      id: 'codecommit.CreateRepository',
      label: 'CodeCommit CreateRepo',
      setup: [],
      request: (i, cell) => codecommitJson('CreateRepository', { repositoryName: `bench-create-${cell}-${i}` }),
      // Within CodeCommit's quota of repositories per account, warm-ups and both cells together.
      maxPerRun: 1_500,
    },
  ];
}

// --- Git over HTTP ----------------------------------------------------------------------------

export interface GitBenchOptions {
  commits: number;
  megabytes: number;
  /** Measured pushes for the push-to-event latency (after two unmeasured ones). */
  pushes: number;
}

export const DEFAULT_GIT_BENCH: GitBenchOptions = { commits: 2_000, megabytes: 50, pushes: 20 };

export interface GitBenchResults {
  commits: number;
  contentBytes: number;
  /** Size of the pack `git count-objects` reports for the generated repository. */
  packBytes: number;
  generateSeconds: number;
  pushSeconds: number;
  cloneSeconds: number;
  /** Milliseconds from `git push` exiting to the event reaching a subscriber; negative: the event came first. */
  eventAfterPushMs: { samples: number; p50: number; max: number; min: number; beforePushReturned: number };
  /** How long those small pushes took, for scale. */
  smallPushMs: { p50: number; max: number };
}

/** Git without prompts or the machine's configuration, committing as the bench. */
export const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

/** Runs git and resolves with stdout and the moment it exited (performance.now()). */
function git(args: string[], cwd: string, home: string, input?: (stdin: NodeJS.WritableStream) => Promise<void>): Promise<{ stdout: string; exitedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: { PATH: process.env.PATH, HOME: home, ...GIT_ENV }, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const exitedAt = performance.now();
      if (code === 0) resolve({ stdout, exitedAt });
      else reject(new Error(`git ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
    if (input) input(child.stdin!).catch(reject);
  });
}

async function write(stream: NodeJS.WritableStream, data: string | Buffer): Promise<void> {
  if (!stream.write(data)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}

/**
 * A repository of `commits` commits on main, each adding one file of random bytes, `megabytes` in
 * total, written straight into the object store by `git fast-import` (seconds instead of minutes).
 */
async function generateRepository(dir: string, home: string, commits: number, megabytes: number): Promise<{ contentBytes: number; packBytes: number }> {
  await git(['init', '--quiet', '--initial-branch=main', dir], home, home);
  const fileBytes = Math.max(1, Math.floor((megabytes * 1024 * 1024) / commits));
  let contentBytes = 0;
  await git(['fast-import', '--quiet'], dir, home, async (stdin) => {
    const start = 1_700_000_000;
    for (let i = 1; i <= commits; i++) {
      const blob = randomBytes(fileBytes);
      contentBytes += blob.length;
      const message = `commit ${i}\n`;
      await write(stdin, `blob\nmark :${2 * i - 1}\ndata ${blob.length}\n`);
      await write(stdin, blob);
      await write(stdin, `\ncommit refs/heads/main\nmark :${2 * i}\ncommitter Bench <bench@example.com> ${start + i} +0000\ndata ${Buffer.byteLength(message)}\n${message}`);
      if (i > 1) await write(stdin, `from :${2 * (i - 1)}\n`);
      await write(stdin, `M 100644 :${2 * i - 1} data/${i % 64}/file-${i}.bin\n\n`);
    }
    stdin.end();
  });
  const counted = (await git(['count-objects', '-v'], dir, home)).stdout;
  const packKiB = Number(/size-pack: (\d+)/.exec(counted)?.[1] ?? 0);
  return { contentBytes, packBytes: packKiB * 1024 };
}

/** An IAM user allowed codecommit:* with HTTPS Git credentials, and the repository; the clone URL with the login. */
async function gitRemote(endpoint: string, repositoryName: string, userName: string): Promise<string> {
  // Loaded here, not at the top: run.ts imports this module, and the bench loads the SDK only for the sections that use it.
  const { CodeCommitClient, CreateRepositoryCommand } = await import('@aws-sdk/client-codecommit');
  const { IAMClient, CreateUserCommand, PutUserPolicyCommand, CreateServiceSpecificCredentialCommand } = await import('@aws-sdk/client-iam');
  const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const iam = new IAMClient(config);
  const codecommit = new CodeCommitClient(config);
  try {
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'git',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'codecommit:*', Resource: 'arn:aws:codecommit:*:*:${aws:username}-*' }] }),
      }),
    );
    const credential = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: userName, ServiceName: 'codecommit.amazonaws.com' }))).ServiceSpecificCredential!;
    const created = await codecommit.send(new CreateRepositoryCommand({ repositoryName }));
    const url = new URL(created.repositoryMetadata!.cloneUrlHttp!);
    url.username = encodeURIComponent(credential.ServiceUserName!);
    url.password = encodeURIComponent(credential.ServicePassword!);
    return url.toString();
  } finally {
    iam.destroy();
    codecommit.destroy();
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** Push and clone of the generated repository against a Drydock process on `port`. */
async function pushAndClone(
  port: number,
  work: string,
  options: GitBenchOptions,
): Promise<Pick<GitBenchResults, 'commits' | 'contentBytes' | 'packBytes' | 'generateSeconds' | 'pushSeconds' | 'cloneSeconds'>> {
  const source = join(work, 'source');
  const generateStarted = performance.now();
  const { contentBytes, packBytes } = await generateRepository(source, work, options.commits, options.megabytes);
  const generateSeconds = (performance.now() - generateStarted) / 1000;
  // The user's policy allows repositories named after it (`${aws:username}-*`): bench-big.
  const remote = await gitRemote(`http://${HOST}:${port}`, 'bench-big', 'bench');
  const pushStarted = performance.now();
  await git(['push', '--quiet', remote, 'main:main'], source, work);
  const pushSeconds = (performance.now() - pushStarted) / 1000;
  const clone = join(work, 'clone');
  const cloneStarted = performance.now();
  await git(['clone', '--quiet', remote, clone], work, work);
  const cloneSeconds = (performance.now() - cloneStarted) / 1000;
  const [sourceHead, cloneHead, count] = await Promise.all([git(['rev-parse', 'main'], source, work), git(['rev-parse', 'HEAD'], clone, work), git(['rev-list', '--count', 'HEAD'], clone, work)]);
  if (sourceHead.stdout !== cloneHead.stdout || Number(count.stdout) !== options.commits) {
    throw new Error(`the clone does not match what was pushed: ${cloneHead.stdout.trim()} with ${count.stdout.trim()} commits`);
  }
  return { commits: options.commits, contentBytes, packBytes, generateSeconds, pushSeconds, cloneSeconds };
}

/** Small pushes to an in-process Drydock, timing each reference event against the push's exit. */
async function pushToEvent(work: string, pushes: number): Promise<Pick<GitBenchResults, 'eventAfterPushMs' | 'smallPushMs'>> {
  const dataDir = join(work, 'in-process');
  // Loaded here, not at the top, for the same reason as the SDK clients above.
  const { startServer } = await import('../src/server/server.js');
  const { createLogger } = await import('../src/core/logger.js');
  const server = await startServer({ port: 0, host: HOST, dataDir, log: createLogger('silent') });
  const seen = new Map<string, number>();
  const unsubscribe = server.runtime.events.subscribe((event) => {
    if (event['detail-type'] !== 'CodeCommit Repository State Change' || event.detail.repositoryName !== 'bench-events') return;
    seen.set(String(event.detail.commitId), performance.now());
  });
  try {
    const remote = await gitRemote(`http://${HOST}:${server.port}`, 'bench-events', 'bench');
    const clone = join(work, 'events');
    await git(['init', '--quiet', '--initial-branch=main', clone], work, work);
    const after: number[] = [];
    const durations: number[] = [];
    for (let i = 0; i < pushes + 2; i++) {
      await git(['commit', '--quiet', '--allow-empty', '-m', `push ${i}`], clone, work);
      const commitId = (await git(['rev-parse', 'HEAD'], clone, work)).stdout.trim();
      const started = performance.now();
      const { exitedAt } = await git(['push', '--quiet', remote, 'main:main'], clone, work);
      // An event published after git exited arrives on a later turn of the event loop: wait for it, bounded.
      for (let waited = 0; !seen.has(commitId) && waited < 2_000; waited += 1) await new Promise((r) => setTimeout(r, 1));
      const eventAt = seen.get(commitId);
      if (eventAt === undefined) throw new Error(`no CodeCommit Repository State Change event for ${commitId} within 2 s of the push`);
      if (i < 2) continue; // the first pushes create the branch and warm the caches
      after.push(eventAt - exitedAt);
      durations.push(exitedAt - started);
    }
    return {
      eventAfterPushMs: { samples: after.length, p50: median(after), max: Math.max(...after), min: Math.min(...after), beforePushReturned: after.filter((ms) => ms <= 0).length },
      smallPushMs: { p50: median(durations), max: Math.max(...durations) },
    };
  } finally {
    unsubscribe();
    await server.close();
  }
}

/** The Git figures: a Drydock process of its own for push and clone, then an in-process one for events. */
export async function codecommitGitBench(options: GitBenchOptions = DEFAULT_GIT_BENCH): Promise<GitBenchResults> {
  const work = mkdtempSync(join(tmpdir(), 'drydock-bench-git-'));
  let drydock: RunningTarget | undefined;
  try {
    drydock = await startDrydock(await freePort());
    const transfer = await pushAndClone(drydock.port, work, options);
    await drydock.stop();
    drydock = undefined;
    return { ...transfer, ...(await pushToEvent(work, options.pushes)) };
  } finally {
    await drydock?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export const EVENT_TARGET_MS = 50;

export function formatGitBench(r: GitBenchResults): string {
  const mib = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);
  const e = r.eventAfterPushMs;
  return [
    `CodeCommit Git over HTTP (Drydock only; moto hosts no Git), IAM user with HTTPS Git credentials:`,
    `  repository: ${r.commits.toLocaleString('en-US')} commits, ${mib(r.contentBytes)} MiB of file content, ${mib(r.packBytes)} MiB pack (generated in ${r.generateSeconds.toFixed(1)} s)`,
    `  git push (whole history) ${r.pushSeconds.toFixed(2)} s (${(r.packBytes / (1024 * 1024) / r.pushSeconds).toFixed(1)} MiB/s); git clone ${r.cloneSeconds.toFixed(2)} s (${(r.packBytes / (1024 * 1024) / r.cloneSeconds).toFixed(1)} MiB/s)`,
    `  push returned -> state-change event (in-process subscriber, ${e.samples} one-commit pushes): p50 ${e.p50.toFixed(2)} ms, max ${e.max.toFixed(2)} ms, ` +
      `min ${e.min.toFixed(2)} ms; ${e.beforePushReturned} of ${e.samples} events were on the bus before git exited (target < ${EVENT_TARGET_MS} ms: ${e.max < EVENT_TARGET_MS ? 'met' : 'MISSED'})`,
    `  one-commit git push: p50 ${r.smallPushMs.p50.toFixed(1)} ms, max ${r.smallPushMs.max.toFixed(1)} ms`,
  ].join('\n');
}

// --- standalone -------------------------------------------------------------------------------

const STANDALONE_LIMITS: CellLimits = { warmupSeconds: 1, measureSeconds: 3 };

function describeCell(cell: CellResult): string {
  return cell.state === 'ok' ? `${cell.reqPerSec.toFixed(0)} req/s, p50 ${cell.p50Ms.toFixed(2)} ms, p99 ${cell.p99Ms.toFixed(2)} ms` : `${cell.state}: ${cell.detail}`;
}

async function apiRows(server: RunningTarget): Promise<void> {
  for (const op of codecommitOperations()) {
    const unavailable = await prepare(server.port, op);
    for (const concurrency of [1, 16]) {
      const cell = unavailable ?? (await runCell(server.port, op, concurrency, STANDALONE_LIMITS));
      process.stdout.write(`${server.name.padEnd(8)} ${op.label.padEnd(22)} x${String(concurrency).padEnd(3)} ${describeCell(cell)}\n`);
    }
  }
}

async function standalone(args: string[]): Promise<void> {
  const flag = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const options = { commits: flag('commits', DEFAULT_GIT_BENCH.commits), megabytes: flag('megabytes', DEFAULT_GIT_BENCH.megabytes), pushes: flag('pushes', DEFAULT_GIT_BENCH.pushes) };
  if (!args.includes('--git-only')) {
    for (const start of [startDrydock, startMoto]) {
      const server = await start(await freePort());
      try {
        await apiRows(server);
      } finally {
        await server.stop();
      }
    }
  }
  process.stdout.write(`${formatGitBench(await codecommitGitBench(options))}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  standalone(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`codecommit bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
