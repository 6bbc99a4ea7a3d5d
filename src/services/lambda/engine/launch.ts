/**
 * What a new execution environment is started with: the execution role's credentials (AssumeRole
 * by lambda.amazonaws.com, as AWS gets them), the directories it sees (/var/task, /opt,
 * /var/runtime, bound read-only in a sandbox; the host directories themselves without one), its
 * program (the runtime's interpreter and Drydock's bootstrap, or the function's own `bootstrap`)
 * and its environment: the function's variables, then AWS's reserved ones.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { type Principal, type Scope, servicePrincipal } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import type { Bind } from '../../../core/executor.js';
import { hex } from '../../../core/ids.js';
import type { Runtime } from '../../contracts.js';
import { functionArn, invalidParameter } from '../common.js';
import type { StoredConfig } from '../store.js';
import type { RuntimeLaunch, RuntimePaths } from './runtimes.js';
import type { Package, Workspace } from './workspace.js';

export const LAMBDA_SERVICE = 'lambda.amazonaws.com';
/** Shortest, default and longest lifetime of a role session (AssumeRole's rules). */
const MIN_SESSION_SECONDS = 900;
const DEFAULT_SESSION_SECONDS = 3600;

/** The version of a function an invocation runs: what an environment is made for. */
export interface InvocationTarget {
  scope: Scope;
  functionName: string;
  /** `$LATEST` or a published version number: what runs and what X-Amz-Executed-Version reports. */
  version: string;
  config: StoredConfig;
  code: Package;
  layers: Package[];
  /** The function's reserved concurrency, when it has one. */
  reservedConcurrency: number | null;
  /** The ARN the caller invoked (with its alias or version). */
  invokedArn: string;
}

export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  principal: Principal;
  /** Drydock time at which the credentials expire. */
  expiresAt: number;
}

/** The execution role's credentials, from Drydock's STS as Lambda gets them; AWS's refusal when the role cannot be assumed. */
export async function assumeExecutionRole(rt: Runtime, target: InvocationTarget): Promise<RoleSession> {
  const roleArn = target.config.Role!;
  const parts = parseArn(roleArn);
  const role = parts && rt.api('iam').getRole(parts.account, parts.resource.slice(parts.resource.lastIndexOf('/') + 1));
  const duration = Math.max(MIN_SESSION_SECONDS, role?.maxSessionDuration ?? DEFAULT_SESSION_SECONDS);
  try {
    const { Credentials } = await rt.call(
      'sts',
      'AssumeRole',
      { RoleArn: roleArn, RoleSessionName: target.functionName.slice(0, 64), DurationSeconds: duration },
      {
        principal: servicePrincipal(target.scope.account, LAMBDA_SERVICE),
        region: target.scope.region,
        sourceArn: functionArn(target.scope, target.functionName),
        sourceAccount: target.scope.account,
      },
    );
    const key = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
    return { ...key, principal: rt.credential(key.accessKeyId)!.principal, expiresAt: Credentials!.Expiration!.getTime() };
  } catch (err) {
    if ((err as { code?: string }).code === undefined) throw err;
    throw invalidParameter('The role defined for the function cannot be assumed by Lambda.');
  }
}

/** `YYYY/MM/DD/[<version>]<32 hex>`: AWS's log stream name for a new environment. */
export function logStreamName(now: number, version: string): string {
  const date = new Date(now).toISOString().slice(0, 10).replace(/-/g, '/');
  return `${date}/[${version}]${hex(16)}`;
}

export function logGroupName(target: InvocationTarget): string {
  return target.config.LoggingConfig?.LogGroup ?? `/aws/lambda/${target.functionName}`;
}

/** Where the environment's directories appear, and the binds that put them there. */
export function runtimePaths(sandboxed: boolean, dirs: { code: string; opt: string; runtime: string }): { paths: RuntimePaths; binds: Bind[] } {
  if (!sandboxed) return { paths: { taskRoot: dirs.code, optRoot: dirs.opt, runtimeDir: dirs.runtime }, binds: [] };
  return {
    paths: { taskRoot: '/var/task', optRoot: '/opt', runtimeDir: '/var/runtime' },
    binds: [
      { source: dirs.code, target: '/var/task' },
      { source: dirs.opt, target: '/opt' },
      { source: dirs.runtime, target: '/var/runtime' },
    ],
  };
}

/** Where a custom runtime's `bootstrap` is: in the package, else in a layer; the reason it cannot start otherwise. */
export function customBootstrap(dirs: { code: string; opt: string }, paths: RuntimePaths): { root: 'task' | 'opt' } | { problem: string } {
  for (const [root, host, inside] of [
    ['task', dirs.code, paths.taskRoot],
    ['opt', dirs.opt, paths.optRoot],
  ] as const) {
    let mode: number;
    try {
      const info = statSync(join(host, 'bootstrap'));
      if (!info.isFile()) continue;
      mode = info.mode;
    } catch {
      continue;
    }
    if ((mode & 0o111) === 0) return { problem: `fork/exec ${inside}/bootstrap: permission denied` };
    return { root };
  }
  return { problem: `Couldn't find valid bootstrap(s): [${paths.taskRoot}/bootstrap ${paths.optRoot}/bootstrap]` };
}

/**
 * The variables an environment's process starts with, whatever its function: the paths. A spare
 * environment has only these until its function is assigned.
 */
export function baseEnvironment(launch: RuntimeLaunch, paths: RuntimePaths, tmpDir: string | undefined): Record<string, string> {
  return {
    PATH: `/usr/local/bin:/usr/bin:/bin:${paths.optRoot}/bin`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LD_LIBRARY_PATH: [`${paths.taskRoot}`, `${paths.taskRoot}/lib`, `${paths.optRoot}/lib`].join(':'),
    ...(tmpDir ? { TMPDIR: tmpDir } : {}),
    ...launch.env(paths),
    LAMBDA_TASK_ROOT: paths.taskRoot,
    LAMBDA_RUNTIME_DIR: paths.runtimeDir,
  };
}

/** The function's variables, then AWS's reserved ones (which the function cannot set); they follow the base ones. */
export function functionEnvironment(target: InvocationTarget, extra: { session: RoleSession; logStream: string; endpoint: string }): Record<string, string> {
  const { config, scope } = target;
  return {
    ...config.Environment?.Variables,
    _HANDLER: config.Handler ?? '',
    AWS_EXECUTION_ENV: `AWS_Lambda_${config.Runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: target.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.MemorySize),
    AWS_LAMBDA_FUNCTION_VERSION: target.version,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: logGroupName(target),
    AWS_LAMBDA_LOG_STREAM_NAME: extra.logStream,
    AWS_REGION: scope.region,
    AWS_DEFAULT_REGION: scope.region,
    AWS_ACCESS_KEY_ID: extra.session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: extra.session.secretAccessKey,
    AWS_SESSION_TOKEN: extra.session.sessionToken,
    AWS_ENDPOINT_URL: extra.endpoint,
  };
}

/** Variables a running interpreter does not read again (NODE_OPTIONS, PYTHONPATH, LD_PRELOAD …): a function setting one needs a process of its own. */
export function needsFreshProcess(target: InvocationTarget): boolean {
  return Object.keys(target.config.Environment?.Variables ?? {}).some((name) => /^(NODE_|PYTHON|LD_|UV_|MALLOC_)|^TZ$/.test(name));
}

/** Variables AWS reserves: a function may not set them (CreateFunction and UpdateFunctionConfiguration refuse). */
export const RESERVED_VARIABLES = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** The directories a target's environment needs, made (or found) in the workspace. */
export async function prepareDirectories(workspace: Workspace, target: InvocationTarget, launch: RuntimeLaunch): Promise<{ code: string; opt: string; runtime: string }> {
  const [code, opt, runtime] = await Promise.all([target.code ? workspace.codeDir(target.code) : workspace.optDir([]), workspace.optDir(target.layers), workspace.runtimeDir(launch.bootstrap)]);
  return { code, opt, runtime };
}
