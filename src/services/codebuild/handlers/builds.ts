/**
 * CodeBuild build operations: StartBuild (every override), StopBuild, RetryBuild, BatchGetBuilds,
 * ListBuilds, ListBuildsForProject, BatchDeleteBuilds. StartBuild writes the build record and its
 * durable job in one transaction (build-start.ts); the runner (engine/runner.ts) takes it from there.
 */
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import type { RequestContext } from '../../../protocol/types.js';
import { type BuildRow, buildOf, buildProjectOf } from '../store/build-store.js';
import { applyOverrides } from './build-start.js';
import { type HandlerContext, IDEMPOTENCY_WINDOW_MS, initiatorOf, invalid, PAGE_SIZE, projectNotFound, resourceIdOf, scopeOf } from './common.js';

function rowOrNotFound(c: HandlerContext, scope: Scope, idOrArn: string): BuildRow {
  const id = resourceIdOf(scope, 'build', idOrArn);
  const row = id === undefined ? undefined : c.stores.builds.get(scope, id);
  if (!row) throw new AwsError('ResourceNotFoundException', `Build cannot be found: ${idOrArn}`);
  return row;
}

function page(c: HandlerContext, scope: Scope, projectName: string | undefined, sortOrder: string | undefined, nextToken: string | undefined): { ids: string[]; nextToken?: string } {
  let after: number | undefined;
  if (nextToken !== undefined) {
    const decoded = /^\d+$/.test(nextToken) ? Number(nextToken) : NaN;
    if (!Number.isSafeInteger(decoded)) throw invalid('Invalid nextToken');
    after = decoded;
  }
  const order = sortOrder === 'ASCENDING' ? 'ASCENDING' : 'DESCENDING';
  const rows = c.stores.builds.list(scope, projectName, order, after, PAGE_SIZE + 1);
  const more = rows.length > PAGE_SIZE;
  const shown = rows.slice(0, PAGE_SIZE);
  return { ids: shown.map((r) => r.id), ...(more ? { nextToken: String(shown[shown.length - 1].seq) } : {}) };
}

export function StartBuild(c: HandlerContext, input: CB.StartBuildInput, ctx: RequestContext): CB.StartBuildOutput {
  const scope = scopeOf(ctx);
  const token = input.idempotencyToken;
  if (token !== undefined) {
    const previous = c.stores.builds.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
    if (previous) return { build: buildOf(previous) };
  }
  const row = c.stores.projects.row(scope, input.projectName!);
  if (!row) throw projectNotFound(input.projectName!);
  const project = applyOverrides(c, scope, buildProjectOf(row), input);
  return { build: c.starter.create(initiatorOf(ctx), scope, project, token, { debugSessionEnabled: input.debugSessionEnabled }) };
}

export async function StopBuild(c: HandlerContext, input: CB.StopBuildInput, ctx: RequestContext): Promise<CB.StopBuildOutput> {
  const scope = scopeOf(ctx);
  const row = rowOrNotFound(c, scope, input.id!);
  // AWS refuses to stop a build that has already completed.
  if (row.complete) throw invalid(`Failed to stop build: build ${row.id} has already completed`);
  await c.runner.stopBuild(scope, row.id);
  return { build: buildOf(c.stores.builds.get(scope, row.id) ?? row) };
}

export function RetryBuild(c: HandlerContext, input: CB.RetryBuildInput, ctx: RequestContext): CB.RetryBuildOutput {
  const scope = scopeOf(ctx);
  const token = input.idempotencyToken;
  if (token !== undefined) {
    const previous = c.stores.builds.byToken(scope, token, c.rt.clock.now() - IDEMPOTENCY_WINDOW_MS);
    if (previous) return { build: buildOf(previous) };
  }
  if (input.id === undefined) throw invalid('id must be specified unless idempotencyToken names a previous RetryBuild');
  const original = rowOrNotFound(c, scope, input.id);
  if (!c.stores.projects.row(scope, original.project_name)) throw projectNotFound(original.project_name);
  const previousBuild = buildOf(original);
  return { build: c.starter.create(initiatorOf(ctx), scope, buildProjectOf(original), token, { debugSessionEnabled: previousBuild.debugSession?.sessionEnabled }) };
}

export function BatchGetBuilds(c: HandlerContext, input: CB.BatchGetBuildsInput, ctx: RequestContext): CB.BatchGetBuildsOutput {
  const scope = scopeOf(ctx);
  const found: CB.Build[] = [];
  const notFound: string[] = [];
  for (const idOrArn of input.ids!) {
    const id = resourceIdOf(scope, 'build', idOrArn);
    const row = id === undefined ? undefined : c.stores.builds.get(scope, id);
    if (row) found.push(buildOf(row));
    else notFound.push(idOrArn);
  }
  return { builds: found, buildsNotFound: notFound };
}

export function ListBuilds(c: HandlerContext, input: CB.ListBuildsInput, ctx: RequestContext): CB.ListBuildsOutput {
  return page(c, scopeOf(ctx), undefined, input.sortOrder, input.nextToken);
}

export function ListBuildsForProject(c: HandlerContext, input: CB.ListBuildsForProjectInput, ctx: RequestContext): CB.ListBuildsForProjectOutput {
  const scope = scopeOf(ctx);
  const row = c.stores.projects.row(scope, input.projectName!);
  if (!row) throw projectNotFound(input.projectName!);
  return page(c, scope, row.name, input.sortOrder, input.nextToken);
}

export function BatchDeleteBuilds(c: HandlerContext, input: CB.BatchDeleteBuildsInput, ctx: RequestContext): CB.BatchDeleteBuildsOutput {
  const scope = scopeOf(ctx);
  const deleted: string[] = [];
  const notDeleted: CB.BuildNotDeleted[] = [];
  c.stores.builds.tx(() => {
    for (const idOrArn of input.ids!) {
      const id = resourceIdOf(scope, 'build', idOrArn);
      const row = id === undefined ? undefined : c.stores.builds.get(scope, id);
      if (!row) notDeleted.push({ id: idOrArn, statusCode: 'BUILD_NOT_FOUND' });
      else if (!row.complete) notDeleted.push({ id: row.arn, statusCode: 'BUILD_IN_PROGRESS' });
      else {
        c.stores.builds.remove(scope, row.id);
        deleted.push(row.arn);
      }
    }
  });
  return { buildsDeleted: deleted, buildsNotDeleted: notDeleted };
}

/** The operations of this file, each taking the context first (bound in index.ts). */
export const buildOperations = { StartBuild, StopBuild, RetryBuild, BatchGetBuilds, ListBuilds, ListBuildsForProject, BatchDeleteBuilds };
