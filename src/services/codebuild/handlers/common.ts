/**
 * What the CodeBuild operations share: the handler context (the service context plus the engine
 * parts the operations drive), and the checks and errors several resources use alike.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import type { CodeBuildContext } from '../common.js';
import type { BatchOrchestrator } from '../engine/batch-orchestrator.js';
import type { BuildRunner } from '../engine/runner.js';
import type { SandboxRunner } from '../engine/sandbox-runner.js';
import type { BuildStarts } from './build-start.js';

/** The service context plus the engine parts the operations drive (built once in index.ts). */
export interface HandlerContext extends CodeBuildContext {
  runner: BuildRunner;
  sandboxRunner: SandboxRunner;
  orchestrator: BatchOrchestrator;
  /** StartBuild's own path, which batch builds and automatic retries take too (build-start.ts). */
  starter: BuildStarts;
}

/** StartBuild, RetryBuild, StartBuildBatch, RetryBuildBatch and StartSandbox honour idempotency tokens for five minutes. */
export const IDEMPOTENCY_WINDOW_MS = 5 * 60_000;
export const PAGE_SIZE = 100;
export const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Source providers that can report build status back to the repository host. */
export const STATUS_REPORTING_SOURCES = new Set(['GITHUB', 'GITHUB_ENTERPRISE', 'BITBUCKET', 'GITLAB', 'GITLAB_SELF_MANAGED']);
export const LAMBDA_ENVIRONMENTS = new Set(['LINUX_LAMBDA_CONTAINER', 'ARM_LAMBDA_CONTAINER']);

export const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });
export const invalid = (message: string) => new AwsError('InvalidInputException', `Invalid input: ${message}`);
export const projectNotFound = (what: string) => new AwsError('ResourceNotFoundException', `Project cannot be found: ${what}`);

/** A list's entries; JSON nulls inside a list reach handlers as holes, which AWS rejects. */
export function present<T>(list: readonly (T | undefined)[] | undefined, what: string): T[] {
  const entries = list ?? [];
  if (entries.some((entry) => entry === undefined)) throw invalid(`${what} must not contain null entries`);
  return entries as T[];
}

/** A resource's tags as AWS stores them (projects, fleets): keys unique and not reserved, values default to empty. */
export function checkTags(tags: CB.Tag[]): CB.Tag[] {
  const keys = new Set<string>();
  return present(tags, 'tags').map((tag) => {
    if (tag.key === undefined) throw invalid('every tag must have a key');
    if (tag.key.toLowerCase().startsWith('aws:')) throw invalid(`tag keys starting with aws: are reserved (${tag.key})`);
    if (keys.has(tag.key)) throw invalid(`duplicate tag key ${tag.key}`);
    keys.add(tag.key);
    return { key: tag.key, value: tag.value ?? '' };
  });
}

/**
 * AWS assumes a service role when a project or fleet is saved: the role must be in the caller's
 * account, exist under exactly this ARN, and trust codebuild.amazonaws.com.
 */
export function checkServiceRole(c: CodeBuildContext, scope: Scope, roleArn: string): void {
  const parts = parseArn(roleArn);
  if (parts?.service !== 'iam' || !parts.resource.startsWith('role/') || !/^\d{12}$/.test(parts.account)) {
    throw new AwsError('InvalidInputException', `Invalid service role: ${roleArn} is not an IAM role ARN`);
  }
  if (parts.account !== scope.account) throw new AwsError('InvalidInputException', "Invalid service role: Service role account ID does not match caller's account");
  const role = c.rt.api('iam').getRole(parts.account, parts.resource.slice(parts.resource.lastIndexOf('/') + 1));
  if (!role || role.arn !== roleArn || !trustsCodeBuild(c, roleArn)) {
    throw new AwsError('InvalidInputException', `CodeBuild is not authorized to perform: sts:AssumeRole on ${roleArn}`);
  }
}

/**
 * The id a resource id or ARN (`arn:aws:codebuild:<region>:<account>:<type>/<id>`) designates in
 * this scope; undefined for ARNs of other scopes or resource types.
 */
export function resourceIdOf(scope: Scope, type: 'build' | 'build-batch' | 'sandbox', idOrArn: string): string | undefined {
  if (!idOrArn.startsWith('arn:')) return idOrArn;
  const parts = parseArn(idOrArn);
  if (parts?.service !== 'codebuild' || parts.account !== scope.account || parts.region !== scope.region || !parts.resource.startsWith(`${type}/`)) return undefined;
  return parts.resource.slice(type.length + 1);
}

/**
 * Who started a build or batch, as its `initiator` shows it. CodePipeline starts builds as the
 * pipeline's role on the pipeline's behalf (its calls carry the pipeline as aws:SourceArn), and
 * AWS shows those builds as `codepipeline/<pipeline name>`.
 */
export function initiatorOf(ctx: Pick<RequestContext, 'principal' | 'calledVia' | 'sourceArn'>): string {
  const pipeline = ctx.calledVia?.[0] === 'codepipeline.amazonaws.com' && ctx.sourceArn ? parseArn(ctx.sourceArn) : undefined;
  if (pipeline?.service === 'codepipeline') return `codepipeline/${pipeline.resource}`;
  const principal = ctx.principal;
  if (principal.kind === 'user') return principal.userName ?? principal.arn;
  if (principal.kind === 'assumed-role') return `${principal.roleName}/${principal.sessionName}`;
  return 'root';
}

/** Whether the role's trust policy lets the CodeBuild service principal call sts:AssumeRole (IAM's trust evaluation, as STS applies it). */
function trustsCodeBuild(c: CodeBuildContext, roleArn: string): boolean {
  return c.rt.api('iam').roleTrusts(roleArn, { kind: 'service', service: 'codebuild.amazonaws.com' });
}
