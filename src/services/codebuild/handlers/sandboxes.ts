/**
 * CodeBuild sandboxes and command executions: StartSandbox, StopSandbox, BatchGetSandboxes,
 * ListSandboxes, ListSandboxesForProject, StartCommandExecution, BatchGetCommandExecutions,
 * ListCommandExecutionsForSandbox. StartSandbox writes the sandbox and its durable job in one
 * transaction and StartCommandExecution stores a SUBMITTED command; the sandbox runner
 * (sandbox-c.sandboxRunner.ts) provisions the sandbox and runs the commands in its shell session.
 *
 * Ids and ARNs are AWS's: a sandbox is `<project>:<uuid>`, `arn:aws:codebuild:<region>:<account>:
 * sandbox/<project>:<uuid>`; its session and each command execution have a uuid of their own.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { arn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import { hasMembers, pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import { logsLocation, logTargets } from '../engine/build-logs.js';
import { ACCEPTING_COMMANDS, SANDBOX_JOB } from '../engine/sandbox-runner.js';
import { runPageUrl } from '../names.js';
import { projectOf } from '../store/project-store.js';
import { commandOf, type SandboxRow, sandboxOf } from '../store/sandbox-store.js';
import { type HandlerContext, IDEMPOTENCY_WINDOW_MS, invalid, PAGE_SIZE, present, projectNotFound, resourceIdOf, scopeOf } from './common.js';

type Order = 'ASCENDING' | 'DESCENDING';

const sandboxArn = (scope: Scope, id: string): string => arn('codebuild', scope.region, scope.account, `sandbox/${id}`);
const sandboxNotFound = (what: string) => new AwsError('ResourceNotFoundException', `Sandbox cannot be found: ${what}`);

/** A list page token: the last sequence number shown, valid only with the sort order it was issued for. */
function encodeToken(order: Order, seq: number): string {
  return pageToken({ o: order, s: seq });
}

function decodeToken(token: string | undefined, order: Order): number | undefined {
  if (token === undefined) return undefined;
  const bad = () => new AwsError('InvalidInputException', 'Invalid next token');
  const t = readPageToken(token, hasMembers<{ o: string; s: number }>({ o: 'string', s: 'number' }), bad);
  if (t.o !== order || !Number.isSafeInteger(t.s)) throw bad();
  return t.s;
}

/** ListSandboxes and ListCommandExecutionsForSandbox show the newest first unless asked otherwise, as AWS's samples do. */
const orderOf = (sortOrder: string | undefined): Order => (sortOrder === 'ASCENDING' ? 'ASCENDING' : 'DESCENDING');

function rowOrNotFound(c: HandlerContext, scope: Scope, idOrArn: string): SandboxRow {
  const id = resourceIdOf(scope, 'sandbox', idOrArn);
  const row = id === undefined ? undefined : c.stores.sandboxes.get(scope, id);
  if (!row) throw sandboxNotFound(idOrArn);
  return row;
}

function listPage(c: HandlerContext, scope: Scope, projectName: string | undefined, input: { sortOrder?: string; nextToken?: string; maxResults?: number }): { ids: string[]; nextToken?: string } {
  const order = orderOf(input.sortOrder);
  const after = decodeToken(input.nextToken, order);
  const size = input.maxResults ?? PAGE_SIZE;
  const rows = c.stores.sandboxes.list(scope, projectName, order, after, size + 1);
  const shown = rows.slice(0, size);
  return { ids: shown.map((r) => r.id), ...(rows.length > size ? { nextToken: encodeToken(order, shown[shown.length - 1].seq) } : {}) };
}

export function StartSandbox(c: HandlerContext, input: CB.StartSandboxInput, ctx: RequestContext): CB.StartSandboxOutput {
  const scope = scopeOf(ctx);
  const token = input.idempotencyToken;
  if (token !== undefined) {
    const previous = c.stores.sandboxes.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
    if (previous) return { sandbox: sandboxOf(previous) };
  }
  // The model leaves projectName optional; a sandbox is always a project's.
  if (input.projectName === undefined) throw invalid('projectName must be specified');
  const projectRow = c.stores.projects.row(scope, input.projectName);
  if (!projectRow) throw projectNotFound(input.projectName);
  const project = projectOf(projectRow);
  const name = project.name!;
  const id = `${name}:${uuid()}`;
  const sessionId = uuid();
  const now = c.rt.clock.date();
  const logConfig: CB.LogsConfig = {
    cloudWatchLogs: project.logsConfig?.cloudWatchLogs ?? { status: 'ENABLED' },
    s3Logs: project.logsConfig?.s3Logs ?? { status: 'DISABLED' },
  };
  const sandbox: CB.Sandbox = {
    id,
    arn: sandboxArn(scope, id),
    projectName: name,
    requestTime: now,
    status: 'QUEUED',
    source: project.source,
    ...(project.sourceVersion !== undefined ? { sourceVersion: project.sourceVersion } : {}),
    secondarySources: project.secondarySources ?? [],
    secondarySourceVersions: project.secondarySourceVersions ?? [],
    environment: project.environment,
    ...(project.fileSystemLocations?.length ? { fileSystemLocations: project.fileSystemLocations } : {}),
    timeoutInMinutes: project.timeoutInMinutes ?? 60,
    queuedTimeoutInMinutes: project.queuedTimeoutInMinutes ?? 480,
    ...(project.vpcConfig ? { vpcConfig: project.vpcConfig } : {}),
    logConfig,
    encryptionKey: project.encryptionKey ?? arn('kms', scope.region, scope.account, 'alias/aws/s3'),
    serviceRole: project.serviceRole,
    currentSession: {
      id: sessionId,
      status: 'QUEUED',
      startTime: now,
      currentPhase: 'QUEUED',
      phases: [
        { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED', startTime: now, endTime: now, durationInSeconds: 0 },
        { phaseType: 'QUEUED', startTime: now },
      ],
      logs: logsLocation(scope, logConfig, logTargets(logConfig, name, sessionId), runPageUrl(c.rt.endpoint(), 'sandboxes', id)),
    },
  };
  c.stores.sandboxes.tx(() => {
    c.stores.sandboxes.insert({
      account: scope.account,
      region: scope.region,
      id,
      arn: sandbox.arn!,
      project_name: name,
      sandbox: JSON.stringify(sandbox),
      project: JSON.stringify(project),
      complete: 0,
      idempotency_token: token ?? null,
      created_at: now.getTime(),
    });
    c.rt.jobs.enqueue(SANDBOX_JOB, { account: scope.account, region: scope.region, id });
  });
  return { sandbox };
}

export async function StopSandbox(c: HandlerContext, input: CB.StopSandboxInput, ctx: RequestContext): Promise<CB.StopSandboxOutput> {
  const scope = scopeOf(ctx);
  const row = rowOrNotFound(c, scope, input.id!);
  // As StopBuild: a sandbox that has already ended cannot be stopped (Drydock's wording).
  if (row.complete) throw invalid(`Failed to stop sandbox: sandbox ${row.id} has already completed`);
  await c.sandboxRunner.stop(scope, row.id);
  return { sandbox: sandboxOf(c.stores.sandboxes.get(scope, row.id) ?? row) };
}

export function BatchGetSandboxes(c: HandlerContext, input: CB.BatchGetSandboxesInput, ctx: RequestContext): CB.BatchGetSandboxesOutput {
  const scope = scopeOf(ctx);
  const sandboxes: CB.Sandbox[] = [];
  const sandboxesNotFound: string[] = [];
  for (const idOrArn of present(input.ids, 'ids')) {
    const id = resourceIdOf(scope, 'sandbox', idOrArn);
    const row = id === undefined ? undefined : c.stores.sandboxes.get(scope, id);
    if (row) sandboxes.push(sandboxOf(row));
    else sandboxesNotFound.push(idOrArn);
  }
  return { sandboxes, sandboxesNotFound };
}

export function ListSandboxes(c: HandlerContext, input: CB.ListSandboxesInput, ctx: RequestContext): CB.ListSandboxesOutput {
  return listPage(c, scopeOf(ctx), undefined, input);
}

export function ListSandboxesForProject(c: HandlerContext, input: CB.ListSandboxesForProjectInput, ctx: RequestContext): CB.ListSandboxesForProjectOutput {
  const scope = scopeOf(ctx);
  const row = c.stores.projects.row(scope, input.projectName!);
  if (!row) throw projectNotFound(input.projectName!);
  return listPage(c, scope, row.name, input);
}

export function StartCommandExecution(c: HandlerContext, input: CB.StartCommandExecutionInput, ctx: RequestContext): CB.StartCommandExecutionOutput {
  const scope = scopeOf(ctx);
  const execution = c.stores.sandboxes.tx(() => {
    const row = rowOrNotFound(c, scope, input.sandboxId!);
    const sandbox = sandboxOf(row);
    // Commands wait while the sandbox starts; once it is stopping or ended they have nowhere to run.
    if (row.complete || !ACCEPTING_COMMANDS.has(sandbox.status!)) {
      throw invalid(`sandbox ${row.id} is not running: its status is ${sandbox.status}`);
    }
    const created: CB.CommandExecution = {
      id: uuid(),
      sandboxId: row.id,
      submitTime: c.rt.clock.date(),
      status: 'SUBMITTED',
      command: input.command!,
      type: input.type ?? 'SHELL',
      ...(sandbox.currentSession?.logs ? { logs: sandbox.currentSession.logs } : {}),
      sandboxArn: row.arn,
    };
    c.stores.sandboxes.insertCommand(scope, created, row.id);
    return created;
  });
  c.sandboxRunner.commandSubmitted(scope, execution.sandboxId!);
  return { commandExecution: execution };
}

export function BatchGetCommandExecutions(c: HandlerContext, input: CB.BatchGetCommandExecutionsInput, ctx: RequestContext): CB.BatchGetCommandExecutionsOutput {
  const scope = scopeOf(ctx);
  const ids = present(input.commandExecutionIds, 'commandExecutionIds');
  const sandboxId = resourceIdOf(scope, 'sandbox', input.sandboxId!);
  const commandExecutions: CB.CommandExecution[] = [];
  const commandExecutionsNotFound: string[] = [];
  // The operation has no ResourceNotFoundException: an unknown sandbox has no such commands.
  for (const id of ids) {
    const row = sandboxId === undefined ? undefined : c.stores.sandboxes.command(scope, sandboxId, id);
    if (row) commandExecutions.push(commandOf(row));
    else commandExecutionsNotFound.push(id);
  }
  return { commandExecutions, commandExecutionsNotFound };
}

export function ListCommandExecutionsForSandbox(c: HandlerContext, input: CB.ListCommandExecutionsForSandboxInput, ctx: RequestContext): CB.ListCommandExecutionsForSandboxOutput {
  const scope = scopeOf(ctx);
  const row = rowOrNotFound(c, scope, input.sandboxId!);
  const order = orderOf(input.sortOrder);
  const after = decodeToken(input.nextToken, order);
  const size = input.maxResults ?? PAGE_SIZE;
  const rows = c.stores.sandboxes.commands(scope, row.id, order, after, size + 1);
  const shown = rows.slice(0, size);
  return {
    commandExecutions: shown.map(commandOf),
    ...(rows.length > size ? { nextToken: encodeToken(order, shown[shown.length - 1].seq) } : {}),
  };
}

/** The operations of this file, each taking the context first (bound in index.ts). */
export const sandboxOperations = {
  StartSandbox,
  StopSandbox,
  BatchGetSandboxes,
  ListSandboxes,
  ListSandboxesForProject,
  StartCommandExecution,
  BatchGetCommandExecutions,
  ListCommandExecutionsForSandbox,
};
