/**
 * What a build and a sandbox share on their way to a running shell session: the work root, the
 * service role's credentials, the sources, the environment (built-in variables, the project's
 * PLAINTEXT / PARAMETER_STORE / SECRETS_MANAGER variables) and the sandboxed shell itself. The build
 * lifecycle (build-lifecycle.ts) and the sandbox lifecycle (sandbox-runner.ts) call these in the same order,
 * in their PROVISIONING and DOWNLOAD_SOURCE phases, so both behave alike.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvironmentVariable, Project } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { type Principal, servicePrincipal } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { BuildPhaseError, type BuildRun, type Buildspec, type CodeBuildContext, type SourceResult } from '../common.js';
import { projectArn } from '../names.js';
import { type ResolvedEnvironment, resolveEnvironment } from './environment.js';
import { BuildShell } from './shell.js';
import { fetchSources } from './source.js';

/** Shortest and default lifetime of a role session (AssumeRole's rules). */
const MIN_ROLE_SESSION_SECONDS = 900;
const DEFAULT_ROLE_SESSION_SECONDS = 3600;

/**
 * A run's work root: in the system temp directory (never inside the data directory, which the
 * sandbox hides), named after the run's id, so a restart can find and remove what a run left.
 */
export function workRootOf(kind: 'build' | 'sandbox', uuid: string): string {
  return join(tmpdir(), `drydock-${kind}-${uuid}`);
}

/**
 * Runs a run's `lifecycle` in its work root, then kills its shell session (whatever it left running)
 * and removes the work root, however the lifecycle ended.
 */
export async function inWorkRoot(workRoot: string, run: { shell?: BuildShell }, lifecycle: () => Promise<void>): Promise<void> {
  try {
    await lifecycle();
  } finally {
    run.shell?.kill();
    await run.shell?.close().catch(() => undefined);
    await rm(workRoot, { recursive: true, force: true });
  }
}

/** Empties the work root and creates its source directory (returned) and the run's home. */
export async function prepareWorkRoot(workRoot: string): Promise<string> {
  const srcDir = join(workRoot, 'src');
  await rm(workRoot, { recursive: true, force: true });
  await mkdir(srcDir, { recursive: true });
  await mkdir(join(workRoot, 'home'), { recursive: true });
  return srcDir;
}

/** Secondary source directories by identifier (CODEBUILD_SRC_DIR_<identifier>). */
export function secondarySourceDirs(project: Project, workRoot: string): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const s of project.secondarySources ?? []) dirs[s.sourceIdentifier!] = join(workRoot, `src_${s.sourceIdentifier}`);
  return dirs;
}

/**
 * How long a run's role session lasts: the whole run timeout when the role allows sessions that
 * long (its MaxSessionDuration), else as long as it allows; Drydock does not refresh them.
 */
export function roleSessionSeconds(c: CodeBuildContext, serviceRole: string | undefined, timeoutInMinutes: number): number {
  const parts = parseArn(serviceRole ?? '');
  const role = parts && c.rt.api('iam').getRole(parts.account, parts.resource.slice(parts.resource.lastIndexOf('/') + 1));
  const wanted = Math.max(MIN_ROLE_SESSION_SECONDS, timeoutInMinutes * 60);
  return Math.min(wanted, role?.maxSessionDuration ?? DEFAULT_ROLE_SESSION_SECONDS);
}

/** A run's service-role session: the credentials its commands get, and who its own calls act as. */
export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  principal: Principal;
}

/** CodeBuild itself, in the run's account: who assumes the service role. */
export const CODEBUILD_SERVICE = 'codebuild.amazonaws.com';

/**
 * The service role's temporary credentials, from Drydock's STS as AWS CodeBuild gets them (the
 * CodeBuild service principal calling AssumeRole); a role STS refuses fails the run as AWS reports it.
 */
export async function assumeServiceRole(c: CodeBuildContext, scope: Scope, roleArn: string, sessionName: string, durationSeconds: number): Promise<RoleSession> {
  try {
    const { Credentials } = await c.rt.call(
      'sts',
      'AssumeRole',
      { RoleArn: roleArn, RoleSessionName: sessionName.slice(0, 64), DurationSeconds: durationSeconds },
      { principal: servicePrincipal(scope.account, CODEBUILD_SERVICE), region: scope.region },
    );
    const session = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
    return { ...session, principal: c.rt.credential(session.accessKeyId)!.principal };
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    throw new BuildPhaseError('CLIENT_ERROR', `CodeBuild is not authorized to perform: sts:AssumeRole on ${roleArn}: ${err.message}`);
  }
}

/** DOWNLOAD_SOURCE: the primary and secondary sources into the run's directories. */
export async function downloadSources(c: CodeBuildContext, run: BuildRun): Promise<SourceResult> {
  for (const dir of Object.values(run.secondarySrcDirs)) await mkdir(dir, { recursive: true });
  return fetchSources(c, run);
}

/**
 * The image's environment and CodeBuild's built-in variables every run has; `own` are the
 * run's own CODEBUILD_* variables (a build's id, number, initiator …), set before the shared ones.
 */
export function builtinEnvironment(
  c: CodeBuildContext,
  scope: Scope,
  run: Pick<BuildRun, 'workRoot' | 'srcDir' | 'secondarySrcDirs' | 'project'>,
  own: Record<string, string>,
  credentials: RoleSession | undefined,
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    // A writable home of the run's own (AWS builds run as root with a writable /root): the
    // host's home is read-only in the sandbox, and tools such as npm write caches under ~.
    HOME: join(run.workRoot, 'home'),
    ...(process.env.LANG ? { LANG: process.env.LANG } : {}),
    ...own,
    CODEBUILD_PROJECT_ARN: projectArn(scope, run.project.name!),
    CODEBUILD_SRC_DIR: run.srcDir,
    CODEBUILD_CI: 'true',
    AWS_REGION: scope.region,
    AWS_DEFAULT_REGION: scope.region,
    AWS_ENDPOINT_URL: c.rt.endpoint(),
  };
  for (const [identifier, dir] of Object.entries(run.secondarySrcDirs)) env[`CODEBUILD_SRC_DIR_${identifier}`] = dir;
  if (credentials) {
    env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    env.AWS_SESSION_TOKEN = credentials.sessionToken;
  }
  return env;
}

/**
 * The run's environment: built-ins, the buildspec's env (builds only), the project's variables,
 * parameters and secrets read as the service role (as CodeBuild does) or, with no role session,
 * as the CodeBuild service in the run's account.
 */
export function resolveRunEnvironment(
  c: CodeBuildContext,
  scope: Scope,
  session: RoleSession | undefined,
  base: Record<string, string>,
  buildspec: Buildspec['env'] | undefined,
  project: EnvironmentVariable[] | undefined,
): Promise<ResolvedEnvironment> {
  const caller = { principal: session?.principal ?? servicePrincipal(scope.account, CODEBUILD_SERVICE), account: scope.account, region: scope.region };
  return resolveEnvironment({
    async getParameter(name) {
      const { Parameter } = await c.rt.call('ssm', 'GetParameter', { Name: name, WithDecryption: true }, caller);
      return Parameter!.Value!;
    },
    async getSecretValue(secretId, version) {
      const out = await c.rt.call('secretsmanager', 'GetSecretValue', { SecretId: secretId, VersionId: version.versionId, VersionStage: version.versionStage }, caller);
      return { secretString: out.SecretString, secretBinary: out.SecretBinary };
    },
    base,
    buildspec,
    project,
  });
}

/**
 * The run's one sandboxed shell session, in its source directory: it may write its work root only,
 * never sees Drydock's data directory, and a run-as user gets read access to the sources.
 */
export function startRunShell(
  c: CodeBuildContext,
  run: Pick<BuildRun, 'workRoot' | 'srcDir' | 'secondarySrcDirs'>,
  env: Record<string, string>,
  onOutput: (line: string) => void,
  options: { shell?: string; isolated?: boolean } = {},
): BuildShell {
  return BuildShell.start({
    executor: c.rt.executor,
    cwd: run.srcDir,
    env,
    shell: options.shell,
    onOutput,
    writable: [run.workRoot],
    hidden: [c.rt.dataDir],
    isolated: options.isolated,
    runAsAccess: { root: run.workRoot, trees: [run.srcDir, ...Object.values(run.secondarySrcDirs)] },
  });
}

/**
 * SIGKILLs every process of a run that a previous Drydock left behind (it crashed, or ran without a
 * sandbox, so its processes did not die with their parent): they carry CODEBUILD_BUILD_ID (the
 * build's or sandbox's id) in their environment, which every command of the run inherits.
 */
export function killLeftovers(runId: string): void {
  const marker = Buffer.from(`\0CODEBUILD_BUILD_ID=${runId}\0`);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
      if (environ.includes(marker)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}
