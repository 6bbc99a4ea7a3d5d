/**
 * CodeCommit operations: repositories and their tags (branches are in branches.ts, triggers in
 * triggers.ts), and creating a repository, with the initial code (initial-code.ts) that
 * CloudFormation's AWS::CodeCommit::Repository `Code` property needs; the CodeCommit API itself has
 * no such member, so that path is offered through `repositoriesApi`. The Gaps are stated in index.ts.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import type { Scope } from '../../core/accounts.js';
import { parseArn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import { hasMembers, pageToken } from '../../core/pagination.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type CodeCommitContext, checkBranchName, checkRepositoryName, cloneUrls, gitRepository, publishReferenceChange, repositoryArn, requireRepository, scopeOf } from './common.js';
import { withRepositoryLock } from './git.js';
import { commitInitialCode, type InitialCode, readInitialCode } from './initial-code.js';
import { readToken } from './paging.js';
import type { RepositoryRow } from './store.js';

/** The AWS managed key CodeCommit encrypts with when the caller names none (created by KMS on first use). */
const DEFAULT_KMS_KEY = 'alias/aws/codecommit';
const KMS_KEY_ID = /^[a-zA-Z0-9:/_-]+$/;
const MAX_DESCRIPTION = 1000;
const MAX_BATCH_NAMES = 25;
/** ListRepositories answers at most 1,000 repositories a page, as AWS does. */
const REPOSITORIES_PAGE = 1000;
const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
/** CloudFormation's initial code lands on `main` unless it names a branch. */
const DEFAULT_INITIAL_BRANCH = 'main';

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

const nameExists = (name: string) => new AwsError('RepositoryNameExistsException', `Repository named ${name} already exists`);
const notExists = (name: string) => new AwsError('RepositoryDoesNotExistException', `${name} does not exist`);

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
export function updateRow(c: CodeCommitContext, row: RepositoryRow, change: (current: RepositoryRow) => Partial<RepositoryRow>): RepositoryRow {
  return c.store.tx(() => {
    const current = c.store.repositoryById(row.id);
    if (!current) throw notExists(row.name);
    const next = { ...current, ...change(current), modified_at: c.rt.clock.now() };
    c.store.updateRepository(next);
    return next;
  });
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
    account: scope.account,
    region: scope.region,
    name,
    id: uuid(),
    description,
    default_branch: null,
    kms_key_id: kmsKeyId,
    created_at: now,
    modified_at: now,
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
      // The initial commit's event goes with the row: a repository that exists has announced its first branch.
      if (commitId) publishReferenceChange(c, row, { event: 'referenceCreated', refName: `refs/heads/${branch}`, commitId, callerUserArn: callerArn });
    });
  } catch (err) {
    await git.destroy();
    throw err;
  }
  return row;
}

export function repositoriesApi(c: CodeCommitContext): CodeCommitRepositoriesApi {
  return {
    async createRepository(scope, callerArn, input) {
      return repositoryMetadata(c, await createRepository(c, scope, callerArn, input));
    },
  };
}

/** Where a ListRepositories page ends: the sort it was made for and the last repository returned. */
type ListPosition = { sortBy: string; order: string; name: string; modified: number };
const isListPosition = hasMembers<ListPosition>({ sortBy: 'string', order: 'string', name: 'string', modified: 'number' });

/** The repository a tagging request's ARN names. */
function tagResource(c: CodeCommitContext, ctx: RequestContext, resourceArn: unknown): RepositoryRow {
  if (resourceArn === undefined || resourceArn === null || resourceArn === '')
    throw new AwsError('ResourceArnRequiredException', 'A valid Amazon Resource Name (ARN) for a CodeCommit repository is required.');
  const parts = typeof resourceArn === 'string' ? parseArn(resourceArn) : undefined;
  if (parts?.service !== 'codecommit' || !/^\d{12}$/.test(parts.account) || !parts.region) {
    throw new AwsError('InvalidResourceArnException', `The value for the resource ARN is not valid: ${String(resourceArn)}`);
  }
  const name = checkRepositoryName(parts.resource);
  const row = parts.account === ctx.account && parts.region === ctx.region ? c.store.getRepository(ctx.account, ctx.region, name) : undefined;
  if (!row) throw notExists(name);
  return row;
}

export function repositoriesHandlers(c: CodeCommitContext): Handlers {
  return {
    async CreateRepository(input: CC.CreateRepositoryInput, ctx: RequestContext): Promise<CC.CreateRepositoryOutput> {
      checkRepositoryName(input.repositoryName);
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
      const sortBy = input.sortBy ?? 'repositoryName';
      if (sortBy !== 'repositoryName' && sortBy !== 'lastModifiedDate') throw new AwsError('InvalidSortByException', `The specified sort by value is not valid: ${String(sortBy)}`);
      const order = input.order ?? 'ascending';
      if (order !== 'ascending' && order !== 'descending') throw new AwsError('InvalidOrderException', `The specified sort order is not valid: ${String(order)}`);
      const sign = order === 'descending' ? -1 : 1;
      type Position = { name: string; modified: number };
      const byName = (a: Position, b: Position) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const compare = (a: Position, b: Position) => sign * (sortBy === 'lastModifiedDate' ? a.modified - b.modified || byName(a, b) : byName(a, b));
      const rows = c.store
        .listRepositories(ctx.account, ctx.region)
        .map((row) => ({ row, name: row.name, modified: row.modified_at }))
        .sort(compare);
      let start = 0;
      const token = readToken(input.nextToken, isListPosition);
      if (token) {
        if (token.sortBy !== sortBy || token.order !== order) throw new AwsError('InvalidContinuationTokenException', 'The continuation token was issued for a different sort.');
        start = rows.findIndex((entry) => compare(entry, token) > 0);
        if (start < 0) start = rows.length;
      }
      const page = rows.slice(start, start + REPOSITORIES_PAGE);
      const last = page.at(-1);
      return {
        repositories: page.map(({ row }) => ({ repositoryName: row.name, repositoryId: row.id })),
        nextToken: last && start + page.length < rows.length ? pageToken({ sortBy, order, name: last.name, modified: last.modified } satisfies ListPosition) : undefined,
      };
    },

    async DeleteRepository(input: CC.DeleteRepositoryInput, ctx: RequestContext): Promise<CC.DeleteRepositoryOutput> {
      const name = checkRepositoryName(input.repositoryName);
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
