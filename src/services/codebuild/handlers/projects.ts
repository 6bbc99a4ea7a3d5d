/**
 * CodeBuild operations: projects (create, update, delete, read, list, visibility, cache
 * invalidation), the curated image catalog, and through their own files source credentials and
 * resource policies. Projects are validated as AWS validates them and stored with AWS's defaults
 * filled in, so BatchGetProjects (and the build runner, through ProjectStore.getProject) sees what
 * AWS would return.
 */
import { rmSync } from 'node:fs';
import type * as CB from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { parseArn } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { uuid } from '../../../core/ids.js';
import { hasMembers, pageToken, readPageToken } from '../../../core/pagination.js';
import type { RequestContext } from '../../../protocol/types.js';
import type { CodeBuildContext } from '../common.js';
import { localCacheDir, projectArn } from '../names.js';
import { type ProjectCursor, type ProjectSortBy, projectOf, type SortOrder } from '../store/project-store.js';
import { checkServiceRole, PAGE_SIZE, present, projectNotFound, scopeOf } from './common.js';
import { CURATED_IMAGES } from './curated-images.js';
import { fieldsOf, normalize, type ProjectFields } from './project-fields.js';

/** AWS's quota of build projects per account and region. */
export const MAX_PROJECTS = 5000;

/** A project as stored: without its times, which live in their own columns. */
function stored(project: CB.Project): string {
  const { created: _created, lastModified: _lastModified, ...rest } = project;
  return JSON.stringify(rest);
}

// Resource policies attach to report groups too; their rows belong to the reports area.
function existing(c: CodeBuildContext, scope: Scope, nameOrArn: string): CB.Project {
  const row = c.stores.projects.row(scope, nameOrArn);
  if (!row) throw projectNotFound(nameOrArn.startsWith('arn:') ? nameOrArn : projectArn(scope, nameOrArn));
  return projectOf(row);
}

export function CreateProject(c: CodeBuildContext, input: CB.CreateProjectInput, ctx: RequestContext): CB.CreateProjectOutput {
  const scope = scopeOf(ctx);
  const { name, ...fields } = input;
  const project = normalize(c, ctx, scope, name!, fields);
  const now = c.rt.clock.now();
  c.stores.projects.tx(() => {
    if (c.stores.projects.row(scope, name!)) throw new AwsError('ResourceAlreadyExistsException', `Project already exists: ${project.arn}`);
    if (c.stores.projects.count(scope) >= MAX_PROJECTS) {
      throw new AwsError('AccountLimitExceededException', `Cannot have more than ${MAX_PROJECTS} projects in this account in ${scope.region}`);
    }
    c.stores.projects.insert({ account: scope.account, region: scope.region, name: name!, arn: project.arn!, created_at: now, modified_at: now, project: stored(project) });
  });
  return { project: { ...project, created: new Date(now), lastModified: new Date(now) } };
}

export function UpdateProject(c: CodeBuildContext, input: CB.UpdateProjectInput, ctx: RequestContext): CB.UpdateProjectOutput {
  const scope = scopeOf(ctx);
  const { name: nameOrArn, ...changes } = input;
  const current = existing(c, scope, nameOrArn!);
  const merged: ProjectFields = { ...fieldsOf(current) };
  for (const [key, value] of Object.entries(changes) as [keyof ProjectFields, unknown][]) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  // -1 removes the concurrent build limit.
  if (changes.concurrentBuildLimit === -1) merged.concurrentBuildLimit = undefined;
  const project = normalize(c, ctx, scope, current.name!, merged, current, input);
  const now = Math.max(c.rt.clock.now(), current.lastModified!.getTime());
  c.stores.projects.tx(() => c.stores.projects.update(scope, current.name!, now, stored(project)));
  return { project: { ...project, created: current.created, lastModified: new Date(now) } };
}

export function DeleteProject(c: CodeBuildContext, input: CB.DeleteProjectInput, ctx: RequestContext): CB.DeleteProjectOutput {
  const scope = scopeOf(ctx);
  // AWS answers success for a project that does not exist; builds outlive their project.
  const row = c.stores.projects.row(scope, input.name!);
  if (row) {
    c.stores.projects.tx(() => {
      c.stores.projects.remove(scope, row.name);
      c.stores.projects.deleteResourcePolicy(scope, row.arn);
    });
    // A LOCAL cache lives on AWS's build hosts and is gone with the project; a new project of
    // the same name must not inherit it.
    rmSync(localCacheDir(c.rt.dataDir, scope, row.name), { recursive: true, force: true });
  }
  return {};
}

/** The account and region a CodeBuild ARN names; undefined for a bare name. */
function arnScope(nameOrArn: string): Scope | undefined {
  const parts = nameOrArn.startsWith('arn:') ? parseArn(nameOrArn) : undefined;
  return parts?.service === 'codebuild' && parts.account && parts.region ? { account: parts.account, region: parts.region } : undefined;
}

export function BatchGetProjects(c: CodeBuildContext, input: CB.BatchGetProjectsInput, ctx: RequestContext): CB.BatchGetProjectsOutput {
  const scope = scopeOf(ctx);
  const projects: CB.Project[] = [];
  const projectsNotFound: string[] = [];
  for (const nameOrArn of present(input.names, 'names')) {
    // A project of another account, named by its ARN, is read in its own account: the
    // authorization step has let this caller through only if the project's policy allows it.
    const project = c.stores.projects.getProject(arnScope(nameOrArn) ?? scope, nameOrArn);
    if (project) projects.push(project);
    else projectsNotFound.push(nameOrArn);
  }
  return { projects, projectsNotFound };
}

export function ListProjects(c: CodeBuildContext, input: CB.ListProjectsInput, ctx: RequestContext): CB.ListProjectsOutput {
  const scope = scopeOf(ctx);
  // Without a sortBy AWS lists the most recently changed projects first; names default to A–Z.
  const sortBy: ProjectSortBy = input.sortBy ?? 'LAST_MODIFIED_TIME';
  const order: SortOrder = input.sortOrder ?? (sortBy === 'NAME' ? 'ASCENDING' : 'DESCENDING');
  const cursor = input.nextToken !== undefined ? decodeListToken(input.nextToken, sortBy, order) : undefined;
  const rows = c.stores.projects.list(scope, sortBy, order, cursor, PAGE_SIZE + 1);
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return {
    projects: page.map((r) => r.name),
    ...(rows.length > PAGE_SIZE ? { nextToken: encodeListToken(sortBy, order, { value: last.value, name: last.name }) } : {}),
  };
}

export function ListSharedProjects(_c: CodeBuildContext, input: CB.ListSharedProjectsInput): CB.ListSharedProjectsOutput {
  // Sharing goes through AWS RAM, which Drydock does not emulate: nothing is ever shared, so
  // there is never a page to continue from.
  if (input.nextToken !== undefined) throw new AwsError('InvalidInputException', 'Invalid next token');
  return { projects: [] };
}

export function ListCuratedEnvironmentImages(_c: CodeBuildContext): CB.ListCuratedEnvironmentImagesOutput {
  return { platforms: CURATED_IMAGES };
}

export function InvalidateProjectCache(c: CodeBuildContext, input: CB.InvalidateProjectCacheInput, ctx: RequestContext): CB.InvalidateProjectCacheOutput {
  const scope = scopeOf(ctx);
  const project = existing(c, scope, input.projectName!);
  const cache = project.cache ?? { type: 'NO_CACHE' };
  if (cache.type === 'LOCAL') {
    rmSync(localCacheDir(c.rt.dataDir, scope, project.name!), { recursive: true, force: true });
  } else if (cache.type === 'S3') {
    // The cache library keeps a project's S3 cache under `<location>/<cacheNamespace or project
    // name>/`: that folder is this project's (or its namespace's) cache, the rest of the
    // location may belong to other projects.
    const [bucket, ...rest] = cache.location!.split('/');
    const prefix = rest.join('/').replace(/^\/+|\/+$/g, '');
    const folder = `${prefix ? `${prefix}/` : ''}${cache.cacheNamespace ?? project.name}/`;
    const api = c.rt.api('s3');
    // A cache bucket that was never created (or was deleted) holds nothing to invalidate.
    if (api.bucketExists(scope, bucket)) {
      for (const object of api.listObjects(scope, bucket, folder)) api.deleteObject(scope, bucket, object.key);
    }
  }
  return {};
}

export function UpdateProjectVisibility(c: CodeBuildContext, input: CB.UpdateProjectVisibilityInput, ctx: RequestContext): CB.UpdateProjectVisibilityOutput {
  const scope = scopeOf(ctx);
  const current = existing(c, scope, input.projectArn!);
  if (input.resourceAccessRole !== undefined) checkServiceRole(c, scope, input.resourceAccessRole);
  const project: CB.Project = {
    ...current,
    projectVisibility: input.projectVisibility,
    // The alias is minted the first time a project is made public and kept from then on.
    ...(input.projectVisibility === 'PUBLIC_READ' || current.publicProjectAlias !== undefined ? { publicProjectAlias: current.publicProjectAlias ?? uuid() } : {}),
    ...(input.resourceAccessRole !== undefined ? { resourceAccessRole: input.resourceAccessRole } : {}),
  };
  const now = Math.max(c.rt.clock.now(), current.lastModified!.getTime());
  c.stores.projects.tx(() => c.stores.projects.update(scope, current.name!, now, stored(project)));
  return {
    projectArn: project.arn,
    ...(project.publicProjectAlias !== undefined ? { publicProjectAlias: project.publicProjectAlias } : {}),
    projectVisibility: project.projectVisibility,
  };
}

/** The operations of this file, each taking the context first (bound in index.ts). */
export const projectOperations = {
  CreateProject,
  UpdateProject,
  DeleteProject,
  BatchGetProjects,
  ListProjects,
  ListSharedProjects,
  ListCuratedEnvironmentImages,
  InvalidateProjectCache,
  UpdateProjectVisibility,
};

/** A ListProjects (or ListFleets) page token: the last row shown and the sort it was issued for. */
export function encodeListToken(sortBy: ProjectSortBy, order: SortOrder, cursor: ProjectCursor): string {
  return pageToken({ s: sortBy, o: order, v: cursor.value, n: cursor.name });
}

/** A ListProjects (or ListFleets) token, valid only with the sort it was issued for. */
export function decodeListToken(token: string, sortBy: ProjectSortBy, order: SortOrder): ProjectCursor {
  const t = readPageToken(
    token,
    hasMembers<{ s: string; o: string; v: string | number; n: string }>({ s: 'string', o: 'string', v: sortBy === 'NAME' ? 'string' : 'number', n: 'string' }),
    () => new AwsError('InvalidInputException', 'Invalid next token'),
  );
  if (t.s !== sortBy || t.o !== order) throw new AwsError('InvalidInputException', 'Invalid next token');
  return { value: t.v, name: t.n };
}
