/**
 * CodeCommit operations: repositories, branches and tags (the trigger operations live in
 * triggers.ts and are served from here). Also the default-branch bookkeeping every area relies on,
 * and the create-with-initial-code path (a zip in S3) that CloudFormation's
 * AWS::CodeCommit::Repository `Code` property needs; the CodeCommit API itself has no such member,
 * so that path is offered through `repositoriesApi`. The Gaps are stated in index.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type * as CC from '@aws-sdk/client-codecommit';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { AwsError } from '../../core/errors.js';
import { parseArn } from '../../core/arn.js';
import { uuid } from '../../core/ids.js';
import type { RepositoryRow } from './store.js';
import {
  type CodeCommitContext, authorize, checkBranchName, checkRepositoryName, cloneUrls, gitRepository, publishReferenceChange,
  repositoryArn, requireRepository,
} from './common.js';
import { gitEnv, withRepositoryLock, ZERO_ID } from './git.js';
import { REFERENCE_EVENT, triggersHandlers } from './triggers.js';

/** fflate is loaded on first use: importing it costs ~30 ms of server start-up. */
let fflateModule: typeof import('fflate') | undefined;
const fflate = (): typeof import('fflate') => (fflateModule ??= createRequire(import.meta.url)('fflate') as typeof import('fflate'));

/** The AWS managed key CodeCommit encrypts with when the caller names none (created by KMS on first use). */
const DEFAULT_KMS_KEY = 'alias/aws/codecommit';
const KMS_KEY_ID = /^[a-zA-Z0-9:/_-]+$/;
const MAX_DESCRIPTION = 1000;
const MAX_BATCH_NAMES = 25;
/** ListRepositories answers at most 1,000 repositories a page, as AWS does. */
const REPOSITORIES_PAGE = 1000;
const BRANCHES_PAGE = 100;
const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
/** CloudFormation's initial code lands on `main` unless it names a branch. */
const DEFAULT_INITIAL_BRANCH = 'main';
/** Branches preferred as the new default when the default branch disappears (git push --delete). */
const PREFERRED_DEFAULTS = ['main', 'master'];
const DELETE_RETRIES = 5;

interface Scope {
  account: string;
  region: string;
}

/** Where CloudFormation's `Code` property finds a repository's first commit. */
export interface InitialCode {
  s3: { bucket: string; key: string; objectVersion?: string };
  /** Default `main`. */
  branchName?: string;
}

export interface CreateRepositoryRequest extends CC.CreateRepositoryInput {
  code?: InitialCode;
}

/** What other services (CloudFormation) use of CodeCommit repositories. */
export interface CodeCommitRepositoriesApi {
  /**
   * CreateRepository with optional initial code from a zip in S3. Throws the AwsErrors of the
   * CreateRepository operation, S3's NoSuchBucket/NoSuchKey, InvalidZipFileException for an object
   * that is not a zip archive, and InvalidPathException / FileNameConflictsWithDirectoryNameException
   * for entries that would escape the repository or collide.
   */
  createRepository(scope: Scope, callerArn: string, input: CreateRepositoryRequest): Promise<CC.RepositoryMetadata>;
}

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });
const nameExists = (name: string) => new AwsError('RepositoryNameExistsException', `Repository named ${name} already exists`);
const notExists = (name: string) => new AwsError('RepositoryDoesNotExistException', `${name} does not exist`);
const branchNotExists = (name: string) => new AwsError('BranchDoesNotExistException', `Branch ${name} does not exist`);

export function repositoryMetadata(c: CodeCommitContext, row: RepositoryRow): CC.RepositoryMetadata {
  return {
    accountId: row.account,
    repositoryId: row.id,
    repositoryName: row.name,
    repositoryDescription: row.description ?? undefined,
    defaultBranch: row.default_branch ?? undefined,
    lastModifiedDate: new Date(row.modified_at),
    creationDate: new Date(row.created_at),
    ...cloneUrls(c, row),
    Arn: repositoryArn(row),
    kmsKeyId: row.kms_key_id,
  };
}

function checkDescription(description: unknown): string | null {
  if (description === undefined || description === null) return null;
  if (typeof description !== 'string' || description.length > MAX_DESCRIPTION) {
    throw new AwsError('InvalidRepositoryDescriptionException', `The repository description is not valid. Descriptions can be at most ${MAX_DESCRIPTION} characters.`);
  }
  return description;
}

/** Tag rules shared by CreateRepository and TagResource; `existing` counts toward the 50-tag limit. */
function checkTags(tags: Record<string, string>, existing: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > MAX_TAG_KEY || typeof value !== 'string' || value.length > MAX_TAG_VALUE) {
      throw new AwsError('InvalidTagsMapException', `The map of tags is not valid: tag keys must be 1-${MAX_TAG_KEY} characters and values at most ${MAX_TAG_VALUE}.`);
    }
    if (key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidSystemTagUsageException', `The tag key ${key} is reserved for AWS system use.`);
  }
  if (Object.keys({ ...existing, ...tags }).length > MAX_TAGS) {
    throw new AwsError('TooManyTagsException', `A repository can have at most ${MAX_TAGS} tags.`);
  }
}

/**
 * Resolves a key as CodeCommit does when it is given one: through KMS, which must be able to
 * encrypt with it (CodeCommit really uses the key, so a disabled, missing or signing-only key is
 * refused). Returns the key id, as RepositoryMetadata reports it.
 */
function resolveKmsKey(c: CodeCommitContext, scope: Scope, keyId: string): string {
  if (!KMS_KEY_ID.test(keyId)) throw new AwsError('EncryptionKeyInvalidIdException', `The encryption key ID is not valid: ${keyId}`);
  let keyArn: string;
  try {
    keyArn = c.rt.api('kms').encrypt(scope, keyId, Buffer.from('codecommit key check')).keyArn;
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    switch (err.code) {
      case 'NotFoundException':
        if (err.message.startsWith('Invalid')) throw new AwsError('EncryptionKeyInvalidIdException', `The encryption key ID is not valid: ${keyId}`);
        throw new AwsError('EncryptionKeyNotFoundException', `No encryption key was found: ${keyId}`);
      case 'InvalidArnException':
        throw new AwsError('EncryptionKeyInvalidIdException', `The encryption key ID is not valid: ${keyId}`);
      case 'DisabledException':
        throw new AwsError('EncryptionKeyDisabledException', `The encryption key is disabled: ${keyId}`);
      case 'KMSInvalidStateException':
        throw new AwsError('EncryptionKeyUnavailableException', `The encryption key is not available: ${err.message}`);
      case 'InvalidKeyUsageException':
        throw new AwsError('EncryptionKeyInvalidUsageException', `The encryption key cannot be used to encrypt a repository: ${err.message}`);
      default:
        throw new AwsError('EncryptionKeyAccessDeniedException', `The encryption key could not be accessed: ${err.message}`);
    }
  }
  return keyArn.slice(keyArn.lastIndexOf('/') + 1);
}

/** Re-reads the row inside the transaction so concurrent updates of other columns are not lost. */
function updateRow(c: CodeCommitContext, row: RepositoryRow, change: (current: RepositoryRow) => Partial<RepositoryRow>): RepositoryRow {
  return c.store.tx(() => {
    const current = c.store.repositoryById(row.id);
    if (!current) throw notExists(row.name);
    const next = { ...current, ...change(current), modified_at: c.rt.clock.now() };
    c.store.updateRepository(next);
    return next;
  });
}

/**
 * Points the bare repository's HEAD at the default branch so `git clone` checks it out.
 * Synchronous on purpose: it runs from the reference-event listener while a push or API call
 * publishes, and the very next clone must already see it.
 */
function pointHead(c: CodeCommitContext, row: RepositoryRow, branch: string): void {
  const result = spawnSync('git', ['--git-dir', gitRepository(c, row).dir, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`], { env: gitEnv() });
  if (result.status !== 0) c.rt.log.warn({ repository: row.name, branch, stderr: result.stderr?.toString() }, 'CodeCommit could not point HEAD at the default branch');
}

function setDefaultBranch(c: CodeCommitContext, row: RepositoryRow, branch: string | null): RepositoryRow {
  const updated = updateRow(c, row, () => ({ default_branch: branch }));
  if (branch) pointHead(c, updated, branch);
  return updated;
}

/**
 * After the default branch disappeared (only `git push --delete` can do that; the API refuses),
 * another branch becomes the default (main, then master, then the first by name); with none left
 * the repository has no default until the next branch is created.
 */
async function replaceDeletedDefault(c: CodeCommitContext, repositoryId: string, deleted: string): Promise<void> {
  await withRepositoryLock(repositoryId, async () => {
    const row = c.store.repositoryById(repositoryId);
    if (!row || row.default_branch !== deleted) return;
    const git = gitRepository(c, row);
    if (await git.refCommit(`refs/heads/${deleted}`)) return;
    const branches = (await git.refs('refs/heads/')).map((ref) => ref.name.slice('refs/heads/'.length));
    setDefaultBranch(c, row, PREFERRED_DEFAULTS.find((name) => branches.includes(name)) ?? branches[0] ?? null);
  });
}

/**
 * The first branch a repository gets (by push or by API) becomes its default, as on AWS: every
 * reference change, wherever it comes from, publishes the state-change event this listens to.
 */
function trackDefaultBranch(c: CodeCommitContext): void {
  c.rt.events.subscribe((event) => {
    if (event.source !== 'aws.codecommit' || event['detail-type'] !== REFERENCE_EVENT) return;
    const detail = event.detail;
    if (detail.referenceType !== 'branch' || typeof detail.repositoryId !== 'string' || typeof detail.referenceName !== 'string') return;
    const row = c.store.repositoryById(detail.repositoryId);
    if (!row) return;
    if (detail.event === 'referenceCreated' && !row.default_branch) setDefaultBranch(c, row, detail.referenceName);
    else if (detail.event === 'referenceDeleted' && row.default_branch === detail.referenceName) {
      replaceDeletedDefault(c, row.id, detail.referenceName).catch((err: unknown) => c.rt.log.error({ err, repository: row.name }, 'CodeCommit could not choose a new default branch'));
    }
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A zip entry's path as a repository path; anything that could leave the repository or reach `.git` is refused. */
function checkZipPath(name: string): string {
  const segments = name.split('/');
  // eslint-disable-next-line no-control-regex
  if (name.startsWith('/') || name.includes('\\') || /[\x00-\x1f\x7f]/.test(name) || segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git')) {
    throw new AwsError('InvalidPathException', `The zip archive entry ${JSON.stringify(name)} has a path that is not valid in a repository.`);
  }
  return name;
}

/** The files of the initial-code zip, by repository path; directory entries are implied by their files. */
async function readInitialCode(c: CodeCommitContext, scope: Scope, code: InitialCode): Promise<Map<string, Buffer>> {
  const { bucket, key, objectVersion } = code.s3 ?? {};
  if (!bucket || !key) throw new AwsError('InvalidParameterException', 'Initial code needs an S3 bucket and key.');
  const object = c.rt.api('s3').getObject(scope, bucket, key, { versionId: objectVersion });
  const archive = await readAll(object.body);
  let entries: Record<string, Uint8Array>;
  try {
    entries = fflate().unzipSync(archive);
  } catch (err) {
    throw new AwsError('InvalidZipFileException', `s3://${bucket}/${key} is not a valid zip archive: ${(err as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    files.set(checkZipPath(name), Buffer.from(data));
  }
  for (const path of files.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (files.has(parent)) throw new AwsError('FileNameConflictsWithDirectoryNameException', `The zip archive has both a file and a folder named ${parent}.`);
    }
  }
  return files;
}

/** Git's identity variables for a commit Drydock makes on the caller's behalf, dated by the Drydock clock. */
function identity(c: CodeCommitContext, callerArn: string): Record<string, string> {
  const name = callerArn.slice(Math.max(callerArn.lastIndexOf('/'), callerArn.lastIndexOf(':')) + 1) || callerArn;
  const date = `@${Math.floor(c.rt.clock.now() / 1000)} +0000`;
  return { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: '', GIT_AUTHOR_DATE: date, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: '', GIT_COMMITTER_DATE: date };
}

/**
 * Writes `files` as the first commit on `branch` with git plumbing: one fast-import for all blobs,
 * a temporary index for the tree, commit-tree, then a create-only ref update and HEAD.
 */
async function commitInitialCode(c: CodeCommitContext, row: RepositoryRow, files: Map<string, Buffer>, branch: string, callerArn: string): Promise<string> {
  const git = gitRepository(c, row);
  const work = await mkdtemp(join(tmpdir(), 'drydock-codecommit-'));
  try {
    const paths = [...files.keys()].sort();
    const stream: Buffer[] = [];
    paths.forEach((path, i) => {
      const data = files.get(path)!;
      stream.push(Buffer.from(`blob\nmark :${i + 1}\ndata ${data.length}\n`), data, Buffer.from('\n'));
    });
    const marksFile = join(work, 'marks');
    await git.run(['fast-import', '--quiet', `--export-marks=${marksFile}`], { input: Buffer.concat(stream) });
    const blobIds = new Map<string, string>();
    for (const line of (await readFile(marksFile, 'utf8')).split('\n').filter(Boolean)) {
      const [mark, id] = line.split(' ');
      blobIds.set(paths[Number(mark.slice(1)) - 1], id);
    }
    const indexEnv = { GIT_INDEX_FILE: join(work, 'index') };
    await git.run(['update-index', '-z', '--index-info'], { input: paths.map((path) => `100644 ${blobIds.get(path)}\t${path}\0`).join(''), env: indexEnv });
    const treeId = (await git.run(['write-tree'], { env: indexEnv })).stdout.toString('utf8').trim();
    const commitId = (await git.run(['commit-tree', treeId, '-m', 'Initial commit'], { env: identity(c, callerArn) })).stdout.toString('utf8').trim();
    const ref = `refs/heads/${branch}`;
    if (!(await git.updateRef(ref, commitId, ZERO_ID))) throw new Error(`${ref} already exists in a repository being created`);
    await git.run(['symbolic-ref', 'HEAD', ref]);
    return commitId;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Creates the bare repository (and its first commit when there is initial code) before the row,
 * so no request ever finds a repository without its Git data; a failure removes what was made.
 */
async function createRepository(c: CodeCommitContext, scope: Scope, callerArn: string, input: CreateRepositoryRequest): Promise<RepositoryRow> {
  const name = checkRepositoryName(input.repositoryName);
  const description = checkDescription(input.repositoryDescription);
  const tags = input.tags ?? {};
  checkTags(tags, {});
  if (c.store.getRepository(scope.account, scope.region, name)) throw nameExists(name);
  const kmsKeyId = resolveKmsKey(c, scope, input.kmsKeyId ?? DEFAULT_KMS_KEY);
  const branch = input.code ? checkBranchName(input.code.branchName ?? DEFAULT_INITIAL_BRANCH) : undefined;
  const files = input.code ? await readInitialCode(c, scope, input.code) : undefined;
  const now = c.rt.clock.now();
  const row: RepositoryRow = {
    account: scope.account, region: scope.region, name, id: uuid(), description, default_branch: null,
    kms_key_id: kmsKeyId, created_at: now, modified_at: now,
  };
  const git = gitRepository(c, row);
  let commitId: string | undefined;
  try {
    await git.init();
    if (branch && files && files.size > 0) {
      commitId = await commitInitialCode(c, row, files, branch, callerArn);
      row.default_branch = branch;
    }
    c.store.tx(() => {
      if (c.store.getRepository(scope.account, scope.region, name)) throw nameExists(name);
      c.store.insertRepository(row);
      for (const [key, value] of Object.entries(tags)) c.store.putTag(row.id, key, value);
    });
  } catch (err) {
    await git.destroy();
    throw err;
  }
  if (commitId) publishReferenceChange(c, row, { event: 'referenceCreated', refName: `refs/heads/${branch}`, commitId, callerUserArn: callerArn });
  return row;
}

export function repositoriesApi(c: CodeCommitContext): CodeCommitRepositoriesApi {
  return {
    async createRepository(scope, callerArn, input) {
      return repositoryMetadata(c, await createRepository(c, scope, callerArn, input));
    },
  };
}

function encodeToken(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...value })).toString('base64url');
}

/** Decodes a token this service issued; anything else is InvalidContinuationTokenException. */
function decodeToken(token: string, fields: Record<string, 'string' | 'number'>): Record<string, string | number> {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (value && value.v === 1 && Object.entries(fields).every(([field, type]) => typeof value[field] === type)) return value as Record<string, string | number>;
  } catch {
    // Not JSON: falls through to the AWS error below.
  }
  throw new AwsError('InvalidContinuationTokenException', 'The specified continuation token is not valid.');
}

/** The repository a tagging request's ARN names, after authorizing the caller on that ARN. */
function tagResource(c: CodeCommitContext, ctx: RequestContext, resourceArn: unknown): RepositoryRow {
  if (resourceArn === undefined || resourceArn === null || resourceArn === '') throw new AwsError('ResourceArnRequiredException', 'A valid Amazon Resource Name (ARN) for a CodeCommit repository is required.');
  const parts = typeof resourceArn === 'string' ? parseArn(resourceArn) : undefined;
  if (!parts || parts.service !== 'codecommit' || !/^\d{12}$/.test(parts.account) || !parts.region) {
    throw new AwsError('InvalidResourceArnException', `The value for the resource ARN is not valid: ${String(resourceArn)}`);
  }
  const name = checkRepositoryName(parts.resource);
  authorize(c, ctx.principal, ctx.region, ctx.operation, resourceArn as string);
  const row = parts.account === ctx.account && parts.region === ctx.region ? c.store.getRepository(ctx.account, ctx.region, name) : undefined;
  if (!row) throw notExists(name);
  return row;
}

/** Branch-request preamble: repository name, then branch name, then authorization with the branch's full ref. */
function branchRequest(c: CodeCommitContext, ctx: RequestContext, input: { repositoryName?: string; branchName?: string }, withReferences: boolean) {
  checkRepositoryName(input.repositoryName);
  const branchName = checkBranchName(input.branchName);
  const ref = `refs/heads/${branchName}`;
  const row = requireRepository(c, ctx, input.repositoryName, withReferences ? [ref] : undefined);
  return { row, branchName, ref, git: gitRepository(c, row) };
}

export function repositoriesHandlers(c: CodeCommitContext): Handlers {
  trackDefaultBranch(c);
  return {
    ...triggersHandlers(c),

    async CreateRepository(input: CC.CreateRepositoryInput, ctx: RequestContext): Promise<CC.CreateRepositoryOutput> {
      const name = checkRepositoryName(input.repositoryName);
      authorize(c, ctx.principal, ctx.region, ctx.operation, repositoryArn({ account: ctx.account, region: ctx.region, name }));
      // The API has no initial-code member; only repositoriesApi (CloudFormation) passes `code`.
      const row = await createRepository(c, scopeOf(ctx), ctx.principal.arn, { ...input, code: undefined });
      return { repositoryMetadata: repositoryMetadata(c, row) };
    },

    GetRepository(input: CC.GetRepositoryInput, ctx: RequestContext): CC.GetRepositoryOutput {
      return { repositoryMetadata: repositoryMetadata(c, requireRepository(c, ctx, input.repositoryName)) };
    },

    BatchGetRepositories(input: CC.BatchGetRepositoriesInput, ctx: RequestContext): CC.BatchGetRepositoriesOutput {
      const names = input.repositoryNames;
      if (!names || names.length === 0) throw new AwsError('RepositoryNamesRequiredException', 'At least one repository name is required.');
      if (names.length > MAX_BATCH_NAMES) throw new AwsError('MaximumRepositoryNamesExceededException', `The maximum number of repository names (${MAX_BATCH_NAMES}) was exceeded.`);
      for (const name of names) {
        if (!name) throw new AwsError('InvalidRepositoryNameException', 'A repository name in the list is empty.');
        checkRepositoryName(name);
      }
      for (const name of names) authorize(c, ctx.principal, ctx.region, ctx.operation, repositoryArn({ account: ctx.account, region: ctx.region, name }));
      const repositories: CC.RepositoryMetadata[] = [];
      const repositoriesNotFound: string[] = [];
      for (const name of names) {
        const row = c.store.getRepository(ctx.account, ctx.region, name);
        if (row) repositories.push(repositoryMetadata(c, row));
        else repositoriesNotFound.push(name);
      }
      const errors = repositoriesNotFound.map((name) => ({ repositoryName: name, errorCode: 'RepositoryDoesNotExistException' as const, errorMessage: `${name} does not exist` }));
      return { repositories, repositoriesNotFound, errors };
    },

    ListRepositories(input: CC.ListRepositoriesInput, ctx: RequestContext): CC.ListRepositoriesOutput {
      authorize(c, ctx.principal, ctx.region, ctx.operation, '*');
      const sortBy = input.sortBy ?? 'repositoryName';
      if (sortBy !== 'repositoryName' && sortBy !== 'lastModifiedDate') throw new AwsError('InvalidSortByException', `The specified sort by value is not valid: ${String(sortBy)}`);
      const order = input.order ?? 'ascending';
      if (order !== 'ascending' && order !== 'descending') throw new AwsError('InvalidOrderException', `The specified sort order is not valid: ${String(order)}`);
      const sign = order === 'descending' ? -1 : 1;
      type Position = { name: string; modified: number };
      const byName = (a: Position, b: Position) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const compare = (a: Position, b: Position) => sign * (sortBy === 'lastModifiedDate' ? a.modified - b.modified || byName(a, b) : byName(a, b));
      const rows = c.store.listRepositories(ctx.account, ctx.region).map((row) => ({ row, name: row.name, modified: row.modified_at })).sort(compare);
      let start = 0;
      if (input.nextToken !== undefined) {
        const token = decodeToken(input.nextToken, { sortBy: 'string', order: 'string', name: 'string', modified: 'number' });
        if (token.sortBy !== sortBy || token.order !== order) throw new AwsError('InvalidContinuationTokenException', 'The continuation token was issued for a different sort.');
        const after = { name: token.name as string, modified: token.modified as number };
        start = rows.findIndex((entry) => compare(entry, after) > 0);
        if (start < 0) start = rows.length;
      }
      const page = rows.slice(start, start + REPOSITORIES_PAGE);
      const last = page.at(-1);
      return {
        repositories: page.map(({ row }) => ({ repositoryName: row.name, repositoryId: row.id })),
        nextToken: last && start + page.length < rows.length ? encodeToken({ sortBy, order, name: last.name, modified: last.modified }) : undefined,
      };
    },

    async DeleteRepository(input: CC.DeleteRepositoryInput, ctx: RequestContext): Promise<CC.DeleteRepositoryOutput> {
      const name = checkRepositoryName(input.repositoryName);
      authorize(c, ctx.principal, ctx.region, ctx.operation, repositoryArn({ account: ctx.account, region: ctx.region, name }));
      const row = c.store.getRepository(ctx.account, ctx.region, name);
      // AWS answers a repository that does not exist (or was already deleted) with no repositoryId.
      if (!row) return {};
      await withRepositoryLock(row.id, async () => {
        c.store.tx(() => c.store.deleteRepository(row.id));
        await gitRepository(c, row).destroy();
      });
      return { repositoryId: row.id };
    },

    UpdateRepositoryName(input: CC.UpdateRepositoryNameInput, ctx: RequestContext): void {
      checkRepositoryName(input.oldName);
      const newName = checkRepositoryName(input.newName);
      const row = requireRepository(c, ctx, input.oldName);
      c.store.tx(() => {
        const existing = c.store.getRepository(ctx.account, ctx.region, newName);
        if (existing && existing.id !== row.id) throw nameExists(newName);
        updateRow(c, row, () => ({ name: newName }));
      });
    },

    UpdateRepositoryDescription(input: CC.UpdateRepositoryDescriptionInput, ctx: RequestContext): void {
      checkRepositoryName(input.repositoryName);
      const description = checkDescription(input.repositoryDescription);
      const row = requireRepository(c, ctx, input.repositoryName);
      updateRow(c, row, () => ({ description }));
    },

    UpdateRepositoryEncryptionKey(input: CC.UpdateRepositoryEncryptionKeyInput, ctx: RequestContext): CC.UpdateRepositoryEncryptionKeyOutput {
      checkRepositoryName(input.repositoryName);
      if (!input.kmsKeyId) throw new AwsError('EncryptionKeyRequiredException', 'A KMS encryption key ID is required.');
      const row = requireRepository(c, ctx, input.repositoryName);
      const kmsKeyId = resolveKmsKey(c, scopeOf(ctx), input.kmsKeyId);
      const updated = updateRow(c, row, () => ({ kms_key_id: kmsKeyId }));
      return { repositoryId: updated.id, kmsKeyId: updated.kms_key_id, originalKmsKeyId: row.kms_key_id };
    },

    async UpdateDefaultBranch(input: CC.UpdateDefaultBranchInput, ctx: RequestContext): Promise<void> {
      checkRepositoryName(input.repositoryName);
      const branchName = checkBranchName(input.defaultBranchName);
      const row = requireRepository(c, ctx, input.repositoryName);
      await withRepositoryLock(row.id, async () => {
        if (!(await gitRepository(c, row).refCommit(`refs/heads/${branchName}`))) throw branchNotExists(branchName);
        setDefaultBranch(c, row, branchName);
      });
    },

    async CreateBranch(input: CC.CreateBranchInput, ctx: RequestContext): Promise<void> {
      checkRepositoryName(input.repositoryName);
      checkBranchName(input.branchName);
      if (!input.commitId) throw new AwsError('CommitIdRequiredException', 'A commit ID is required, but was not specified.');
      if (!/^[0-9a-f]{40}$/i.test(input.commitId)) throw new AwsError('InvalidCommitIdException', `The commit ID is not valid: ${input.commitId}`);
      const commitId = input.commitId.toLowerCase();
      const { row, branchName, ref, git } = branchRequest(c, ctx, input, true);
      await withRepositoryLock(row.id, async () => {
        if ((await git.objectType(commitId)) !== 'commit') throw new AwsError('CommitDoesNotExistException', `Could not find the specified commit: ${commitId}`);
        if (!(await git.updateRef(ref, commitId, ZERO_ID))) throw new AwsError('BranchNameExistsException', `Branch ${branchName} already exists`);
      });
      publishReferenceChange(c, row, { event: 'referenceCreated', refName: ref, commitId, callerUserArn: ctx.principal.arn });
    },

    async GetBranch(input: CC.GetBranchInput, ctx: RequestContext): Promise<CC.GetBranchOutput> {
      const { branchName, ref, git } = branchRequest(c, ctx, input, false);
      const commitId = await git.refCommit(ref);
      if (!commitId) throw branchNotExists(branchName);
      return { branch: { branchName, commitId } };
    },

    async ListBranches(input: CC.ListBranchesInput, ctx: RequestContext): Promise<CC.ListBranchesOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const after = input.nextToken !== undefined ? (decodeToken(input.nextToken, { after: 'string' }).after as string) : undefined;
      // for-each-ref sorts by refname byte order, which keeps pages stable across requests.
      const names = (await gitRepository(c, row).refs('refs/heads/')).map((ref) => ref.name.slice('refs/heads/'.length));
      const rest = after === undefined ? names : names.filter((name) => name > after);
      const page = rest.slice(0, BRANCHES_PAGE);
      return { branches: page, nextToken: rest.length > page.length ? encodeToken({ after: page.at(-1) }) : undefined };
    },

    async DeleteBranch(input: CC.DeleteBranchInput, ctx: RequestContext): Promise<CC.DeleteBranchOutput> {
      const { row, branchName, ref, git } = branchRequest(c, ctx, input, true);
      return withRepositoryLock(row.id, async () => {
        if (c.store.repositoryById(row.id)?.default_branch === branchName) {
          throw new AwsError('DefaultBranchCannotBeDeletedException', `The branch ${branchName} is the default branch for the repository and cannot be deleted. To delete this branch, you must first set another branch as the default branch.`);
        }
        // Compare-and-swap against a concurrent push: re-read and retry if the branch moved meanwhile.
        for (let attempt = 0; attempt < DELETE_RETRIES; attempt++) {
          const commitId = await git.refCommit(ref);
          // AWS answers a branch that does not exist with an empty result, not an error.
          if (!commitId) return {};
          if (await git.deleteRef(ref, commitId)) {
            publishReferenceChange(c, row, { event: 'referenceDeleted', refName: ref, oldCommitId: commitId, callerUserArn: ctx.principal.arn });
            return { deletedBranch: { branchName, commitId } };
          }
        }
        throw new Error(`branch ${ref} kept moving while it was being deleted`);
      });
    },

    TagResource(input: CC.TagResourceInput, ctx: RequestContext): void {
      const row = tagResource(c, ctx, input.resourceArn);
      if (!input.tags) throw new AwsError('TagsMapRequiredException', 'A map of tags is required.');
      const tags = input.tags;
      c.store.tx(() => {
        checkTags(tags, c.store.tags(row.id));
        for (const [key, value] of Object.entries(tags)) c.store.putTag(row.id, key, value);
      });
    },

    UntagResource(input: CC.UntagResourceInput, ctx: RequestContext): void {
      const row = tagResource(c, ctx, input.resourceArn);
      if (!input.tagKeys) throw new AwsError('TagKeysListRequiredException', 'A list of tag keys is required.');
      for (const key of input.tagKeys) {
        if (typeof key !== 'string' || key.length < 1 || key.length > MAX_TAG_KEY) throw new AwsError('InvalidTagKeysListException', `The list of tag keys is not valid: ${String(key)}`);
        if (key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidSystemTagUsageException', `The tag key ${key} is reserved for AWS system use.`);
      }
      const keys = input.tagKeys;
      c.store.tx(() => {
        for (const key of keys) c.store.deleteTag(row.id, key);
      });
    },

    ListTagsForResource(input: CC.ListTagsForResourceInput, ctx: RequestContext): CC.ListTagsForResourceOutput {
      // At most 50 tags exist per repository, so one page always holds them all.
      return { tags: c.store.tags(tagResource(c, ctx, input.resourceArn).id) };
    },
  };
}
