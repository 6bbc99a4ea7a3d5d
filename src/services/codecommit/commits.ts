/**
 * CodeCommit operations: commits (GetCommit, BatchGetCommits) and the writes that make them
 * (CreateCommit, PutFile, DeleteFile). A write builds the new tree in a temporary index of the
 * bare repository (`read-tree` the parent, `update-index`, `write-tree`), makes a real commit with
 * `commit-tree`, and moves the branch with compare-and-swap under the repository lock, so `git
 * fetch` sees exactly what the API made and a concurrent push is never overwritten.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type * as CC from '@aws-sdk/client-codecommit';
import type { Principal } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import { uuid } from '../../core/ids.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { branchRef, type CodeCommitContext, checkBranchName, checkRepositoryName, gitRepository, publishReferenceChange, requireRepository } from './common.js';
import { filesHandlers } from './files.js';
import { type GitRepository, parseCommit, withRepositoryLock, ZERO_ID } from './git.js';
import type { RepositoryRow } from './store.js';
import { checkFileMode, commitShape, FILE_CONTENT_LIMIT, fileModeName, listTree, MODE_BY_NAME, normalizePath, OBJECT_ID, readObjects, type TreeEntry } from './trees.js';

const MAX_COMMIT_IDS = 100;
/** AWS quota: at most 100 file changes in one commit made through the API. */
const MAX_FILE_ENTRIES = 100;
const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_NAME_LENGTH = 1024;
const GITKEEP = '.gitkeep';

function commitIdRequired(): AwsError {
  return new AwsError('CommitIdRequiredException', 'A commit ID is required, but was not specified.');
}

interface Identity {
  name: string;
  email: string;
}

/**
 * The author and committer of an API commit. Without a name, CodeCommit records the caller's IAM
 * identity; Drydock uses its user name (or role session name), as the console shows it.
 */
function identity(principal: Principal, name: unknown, email: unknown): Identity {
  if (name !== undefined && name !== null && typeof name !== 'string') throw new AwsError('NameLengthExceededException', 'The user name is not valid.');
  if (typeof name === 'string' && name.length > MAX_NAME_LENGTH)
    throw new AwsError('NameLengthExceededException', `The user name is not valid because it has exceeded the character limit for author names (${MAX_NAME_LENGTH}).`);
  if (email !== undefined && email !== null && email !== '') {
    if (typeof email !== 'string' || email.length > 256 || !/^[^\s<>@]+@[^\s<>@]+$/.test(email))
      throw new AwsError(
        'InvalidEmailException',
        `The specified email address either contains one or more characters that are not allowed, or it exceeds the maximum number of characters allowed for an email address: ${String(email)}`,
      );
  }
  const fallback = principal.userName ?? principal.sessionName ?? principal.arn.slice(principal.arn.lastIndexOf(':') + 1);
  return { name: typeof name === 'string' && name.trim() !== '' ? name : fallback, email: typeof email === 'string' ? email : '' };
}

function checkMessage(message: unknown): string {
  if (message === undefined || message === null) return '';
  if (typeof message !== 'string' || Buffer.byteLength(message) > MAX_MESSAGE_BYTES)
    throw new AwsError('CommitMessageLengthExceededException', 'The commit message is too long. Provide a shorter string.');
  return message;
}

/** One file a commit adds or replaces, already validated. */
interface PutChange {
  path: string;
  mode?: string;
  content?: Buffer;
  source?: { path: string; isMove: boolean };
}

interface CommitRequest {
  branchName: string;
  parentCommitId: unknown;
  author: Identity;
  message: string;
  keepEmptyFolders: boolean;
  putFiles: PutChange[];
  deleteFiles: string[];
  setFileModes: { path: string; mode: string }[];
  /** PutFile: identical content is SameFileContentException rather than NoChangeException. */
  putFile?: boolean;
}

interface CommitResult {
  commitId: string;
  treeId: string;
  parentCommitId?: string;
  /** True when the commit created its branch (the first commit of an empty repository). */
  created: boolean;
  filesAdded: CC.FileMetadata[];
  filesUpdated: CC.FileMetadata[];
  filesDeleted: CC.FileMetadata[];
  /** Blob ids by path after the commit (PutFile answers with the blob it wrote). */
  blobs: Map<string, string>;
  /** The blob DeleteFile removed. */
  deletedBlobs: Map<string, string>;
}

function metadata(path: string, entry: { id: string; mode: string }): CC.FileMetadata {
  return { absolutePath: path, blobId: entry.id, fileMode: fileModeName(entry.mode) };
}

function ancestors(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

async function hashBlob(git: GitRepository, content: Buffer): Promise<string> {
  return (await git.run(['hash-object', '-w', '--stdin'], { input: content })).stdout.toString('utf8').trim();
}

/** Writes the contents as blobs a few at a time (a commit may carry 100 files): blob id by path. */
async function hashBlobs(git: GitRepository, puts: PutChange[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const pending = puts.filter((put) => put.content !== undefined);
  for (let i = 0; i < pending.length; i += 8) {
    const batch = pending.slice(i, i + 8);
    const hashed = await Promise.all(batch.map((put) => hashBlob(git, put.content as Buffer)));
    batch.forEach((put, j) => {
      ids.set(put.path, hashed[j]);
    });
  }
  return ids;
}

/**
 * Validates the branch and parent as CodeCommit does, applies the file changes to the parent's
 * tree, and makes the commit. Runs under the repository lock; the branch moves by compare-and-swap.
 */
async function writeCommit(c: CodeCommitContext, row: RepositoryRow, request: CommitRequest): Promise<CommitResult> {
  const git = gitRepository(c, row);
  const ref = branchRef(request.branchName);
  const branches = await git.refs();
  const tip = branches.find((b) => b.name === ref)?.commitId;
  const parentGiven = request.parentCommitId !== undefined && request.parentCommitId !== null && request.parentCommitId !== '';
  let parent: string | undefined;
  if (!tip) {
    const shortName = ref.replace(/^refs\/heads\//, '');
    if (await git.refCommit(`refs/tags/${shortName}`)) throw new AwsError('BranchNameIsTagNameException', `The specified branch name is a tag name: ${request.branchName}`);
    // Only the first commit of an empty repository creates its branch.
    if (branches.length > 0) throw new AwsError('BranchDoesNotExistException', `Could not find branch ${request.branchName}`);
    if (parentGiven) parent = await checkParent(git, request.parentCommitId);
  } else {
    if (!parentGiven)
      throw new AwsError(
        'ParentCommitIdRequiredException',
        'A parent commit ID is required. To view the full commit ID of a branch in a repository, use GetBranch or a Git command (for example, git pull or git log).',
      );
    parent = await checkParent(git, request.parentCommitId);
    if (parent !== tip)
      throw new AwsError('ParentCommitIdOutdatedException', `The parent commit ID is not the most recent commit in the branch ${request.branchName}. The most recent commit ID is ${tip}.`);
  }

  const before = parent ? await listTree(git, parent) : new Map<string, TreeEntry>();
  const files = new Map<string, { mode: string; id: string; type: TreeEntry['type'] }>();
  for (const [path, entry] of before) if (entry.type !== 'tree') files.set(path, entry);
  const removed = new Set<string>();

  const fileAt = (path: string, what: string) => {
    const entry = files.get(path);
    if (entry?.type !== 'blob') throw new AwsError('FileDoesNotExistException', `The ${what} ${path} does not exist in the specified commit or branch.`);
    return entry;
  };

  // Deletions and move sources first: the puts are then checked against what remains.
  for (const path of request.deleteFiles) {
    fileAt(path, 'file');
    files.delete(path);
    removed.add(path);
  }
  const sources = new Map<string, { mode: string; id: string }>();
  for (const put of request.putFiles) {
    if (!put.source) continue;
    // Copies and moves read the parent's file, even one this commit deletes.
    const source = before.get(put.source.path);
    if (source?.type !== 'blob') throw new AwsError('FileDoesNotExistException', `The source file ${put.source.path} does not exist in the specified commit or branch.`);
    sources.set(put.path, source);
    if (put.source.isMove) {
      files.delete(put.source.path);
      removed.add(put.source.path);
    }
  }

  const directories = new Set<string>();
  for (const path of files.keys()) for (const dir of ancestors(path)) directories.add(dir);
  // Every check before any blob is written, so a refused commit leaves not even a dangling object.
  for (const put of request.putFiles) {
    if (directories.has(put.path))
      throw new AwsError('FileNameConflictsWithDirectoryNameException', `The file ${put.path} cannot be added because its name is the same as a folder in this repository.`);
    if (files.get(put.path)?.type === 'commit') throw new AwsError('FilePathConflictsWithSubmodulePathException', `The file ${put.path} cannot be added because its path is the same as a submodule.`);
    for (const dir of ancestors(put.path)) {
      const blocker = files.get(dir);
      if (blocker?.type === 'commit') throw new AwsError('FilePathConflictsWithSubmodulePathException', `The file ${put.path} cannot be added because its path contains the submodule ${dir}.`);
      if (blocker) throw new AwsError('DirectoryNameConflictsWithFileNameException', `The file ${put.path} cannot be added because ${dir} is a file in this repository.`);
    }
  }
  const modeChanges = request.setFileModes.map((change) => ({ ...change, entry: fileAt(change.path, 'file') }));

  const written = new Map<string, { mode: string; id: string }>();
  const contentIds = await hashBlobs(git, request.putFiles);
  for (const put of request.putFiles) {
    const existing = files.get(put.path);
    const source = sources.get(put.path);
    const id = source?.id ?? contentIds.get(put.path);
    if (id === undefined) throw new Error(`no blob for ${put.path}`);
    const mode = put.mode ?? source?.mode ?? existing?.mode ?? MODE_BY_NAME.NORMAL;
    if (request.putFile && existing && existing.id === id && existing.mode === mode) {
      throw new AwsError('SameFileContentException', 'The file could not be added because the provided file content is the same as the content of the file in the specified branch.');
    }
    files.set(put.path, { mode, id, type: 'blob' });
    written.set(put.path, { mode, id });
    removed.delete(put.path);
  }
  for (const { path, mode, entry } of modeChanges) {
    files.set(path, { ...entry, mode });
    written.set(path, { mode, id: entry.id });
  }

  // Git keeps no empty folders: keepEmptyFolders keeps a folder emptied by a deletion with a .gitkeep file.
  if (request.keepEmptyFolders) {
    const remaining = new Set<string>();
    for (const path of files.keys()) for (const dir of ancestors(path)) remaining.add(dir);
    for (const path of removed) {
      const dirs = ancestors(path);
      const deepest = dirs[dirs.length - 1];
      if (deepest !== undefined && !remaining.has(deepest)) {
        const keep = { mode: MODE_BY_NAME.NORMAL, id: await hashBlob(git, Buffer.alloc(0)) };
        const keepPath = `${deepest}/${GITKEEP}`;
        files.set(keepPath, { ...keep, type: 'blob' });
        written.set(keepPath, keep);
        removed.delete(keepPath);
        for (const dir of ancestors(keepPath)) remaining.add(dir);
      }
    }
  }

  const result: CommitResult = { commitId: '', treeId: '', parentCommitId: parent, created: !tip, filesAdded: [], filesUpdated: [], filesDeleted: [], blobs: new Map(), deletedBlobs: new Map() };
  // Removals go first, so a file may take the place of a folder this commit empties (and the reverse).
  const lines: string[] = [];
  for (const path of removed) {
    const old = before.get(path);
    if (!old) continue;
    result.filesDeleted.push(metadata(path, old));
    result.deletedBlobs.set(path, old.id);
    lines.push(`0 ${ZERO_ID}\t${path}`);
  }
  for (const [path, entry] of written) {
    const old = before.get(path);
    if (!old || old.type === 'tree') result.filesAdded.push(metadata(path, entry));
    else if (old.id !== entry.id || old.mode !== entry.mode) result.filesUpdated.push(metadata(path, entry));
    result.blobs.set(path, entry.id);
    lines.push(`${entry.mode} ${entry.id}\t${path}`);
  }

  const index = join(git.dir, `drydock-index-${uuid()}`);
  try {
    const env = { GIT_INDEX_FILE: index };
    await git.run(parent ? ['read-tree', parent] : ['read-tree', '--empty'], { env });
    if (lines.length > 0) await git.run(['update-index', '-z', '--index-info'], { env, input: `${lines.join('\0')}\0` });
    result.treeId = (await git.run(['write-tree'], { env })).stdout.toString('utf8').trim();
  } finally {
    await rm(index, { force: true });
  }
  const parentTree = parent ? (await git.commit(parent))?.treeId : undefined;
  if (result.treeId === parentTree || (!parent && files.size === 0)) {
    throw new AwsError('NoChangeException', 'The commit cannot be created because no changes will be made to the repository as a result of this commit. A commit must contain at least one change.');
  }

  const seconds = Math.floor(c.rt.clock.now() / 1000);
  const date = `@${seconds} +0000`;
  const env = {
    GIT_AUTHOR_NAME: request.author.name,
    GIT_AUTHOR_EMAIL: request.author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: request.author.name,
    GIT_COMMITTER_EMAIL: request.author.email,
    GIT_COMMITTER_DATE: date,
  };
  const args = ['commit-tree', result.treeId];
  if (parent) args.push('-p', parent);
  result.commitId = (await git.run(args, { env, input: request.message })).stdout.toString('utf8').trim();
  if (!(await git.updateRef(ref, result.commitId, tip ?? ZERO_ID))) {
    const now = await git.refCommit(ref);
    throw new AwsError('ParentCommitIdOutdatedException', `The parent commit ID is not the most recent commit in the branch ${request.branchName}. The most recent commit ID is ${now ?? 'unknown'}.`);
  }
  return result;
}

async function checkParent(git: GitRepository, parentCommitId: unknown): Promise<string> {
  if (typeof parentCommitId !== 'string' || !OBJECT_ID.test(parentCommitId)) throw new AwsError('InvalidParentCommitIdException', `The parent commit ID is not valid: ${String(parentCommitId)}`);
  const id = parentCommitId.toLowerCase();
  if ((await git.objectType(id)) !== 'commit') throw new AwsError('ParentCommitDoesNotExistException', `The parent commit ID ${id} does not exist in the repository.`);
  return id;
}

/**
 * Runs a commit write under the repository lock, then records it: the repository's last-modified
 * date and the state-change event (whose listener in branches.ts makes a repository's first
 * branch its default, for pushes and API commits alike).
 */
async function commitAndPublish(c: CodeCommitContext, ctx: RequestContext, row: RepositoryRow, request: CommitRequest): Promise<CommitResult> {
  // Published under the lock, so events of one branch arrive in the order its commits were made.
  return withRepositoryLock(row.id, async () => {
    const result = await writeCommit(c, row, request);
    // The ref already moved in git; the date and the event are written together (see publishReferenceChange).
    c.store.tx(() => {
      const fresh = c.store.repositoryById(row.id);
      if (fresh) c.store.updateRepository({ ...fresh, modified_at: c.rt.clock.now() });
      publishReferenceChange(c, row, {
        event: result.created ? 'referenceCreated' : 'referenceUpdated',
        refName: branchRef(request.branchName),
        commitId: result.commitId,
        oldCommitId: result.created ? undefined : result.parentCommitId,
        callerUserArn: ctx.principal.arn,
      });
    });
    return result;
  });
}

/** The repository and branch of a write, validated in AWS's order. */
function writeTarget(c: CodeCommitContext, ctx: RequestContext, input: { repositoryName?: unknown; branchName?: unknown }): { row: RepositoryRow; branchName: string } {
  checkRepositoryName(input.repositoryName);
  const branchName = checkBranchName(input.branchName);
  const row = requireRepository(c, ctx, input.repositoryName);
  return { row, branchName };
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function contentOf(value: unknown): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
}

/** CreateCommit's putFiles/deleteFiles/setFileModes, checked entry by entry and against each other. */
function fileChanges(input: CC.CreateCommitInput): Pick<CommitRequest, 'putFiles' | 'deleteFiles' | 'setFileModes'> {
  const puts = list<CC.PutFileEntry>(input.putFiles);
  const deletes = list<CC.DeleteFileEntry>(input.deleteFiles);
  const modes = list<CC.SetFileModeEntry>(input.setFileModes);
  if (puts.length + deletes.length + modes.length === 0)
    throw new AwsError('FileEntryRequiredException', 'The commit cannot be created because no files have been specified as added, updated, or changed (PutFile or DeleteFile) for the commit.');
  if (puts.length + deletes.length + modes.length > MAX_FILE_ENTRIES)
    throw new AwsError(
      'MaximumFileEntriesExceededException',
      `The number of specified files to change as part of this commit exceeds the maximum number of files that can be changed in a single commit (${MAX_FILE_ENTRIES}). Consider using a Git client for these changes.`,
    );

  const claimed = new Set<string>();
  const claim = (path: string) => {
    if (claimed.has(path)) throw new AwsError('SamePathRequestException', `The commit cannot be created because more than one change in this commit applies to the same file path: ${path}`);
    claimed.add(path);
  };
  const putFiles: PutChange[] = [];
  const folderBytes = new Map<string, number>();
  for (const entry of puts) {
    const path = normalizePath(entry?.filePath);
    claim(path);
    const mode = checkFileMode(entry.fileMode);
    const content = contentOf(entry.fileContent);
    const change: PutChange = { path, mode: mode && MODE_BY_NAME[mode] };
    if (content !== undefined && entry.sourceFile)
      throw new AwsError('FileContentAndSourceFileSpecifiedException', `The commit cannot be created because both a source file and file content have been specified for the same file: ${path}`);
    if (entry.sourceFile) {
      const source = normalizePath(entry.sourceFile.filePath);
      if (source.split('/').pop() === GITKEEP)
        throw new AwsError('RestrictedSourceFileException', `The commit cannot be created because one of the changes specifies copying or moving a ${GITKEEP} file: ${source}`);
      if (source === path) throw new AwsError('SamePathRequestException', `The commit cannot be created because the source and destination of a copy or move are the same path: ${path}`);
      change.source = { path: source, isMove: entry.sourceFile.isMove === true };
      if (change.source.isMove) claim(source);
    } else if (content !== undefined) {
      if (content.length > FILE_CONTENT_LIMIT) throw new AwsError('FileContentSizeLimitExceededException', `The file ${path} cannot be added because it is too large. The maximum file size is 6 MB.`);
      const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      const total = (folderBytes.get(folder) ?? 0) + content.length;
      if (total > FILE_CONTENT_LIMIT)
        throw new AwsError(
          'FolderContentSizeLimitExceededException',
          `The commit cannot be created because the changes to the folder ${folder || '/'} exceed the limit of 6 MB. Either reduce the number and size of your changes, or split the changes across multiple folders.`,
        );
      folderBytes.set(folder, total);
      change.content = content;
    } else {
      throw new AwsError('SourceFileOrContentRequiredException', `The commit cannot be created because no source files or file content have been specified for the commit: ${path}`);
    }
    putFiles.push(change);
  }
  // One put naming a folder another put writes into is a contradiction within the request itself.
  for (const a of putFiles) {
    for (const b of putFiles) {
      if (b.path.startsWith(`${a.path}/`)) throw new AwsError('PutFileEntryConflictException', `The commit cannot be created because ${a.path} is specified both as a file and as a folder.`);
    }
  }
  const deleteFiles: string[] = [];
  for (const entry of deletes) {
    const path = normalizePath(entry?.filePath);
    claim(path);
    deleteFiles.push(path);
  }
  const setFileModes: { path: string; mode: string }[] = [];
  for (const entry of modes) {
    const path = normalizePath(entry?.filePath);
    claim(path);
    if (entry.fileMode === undefined || entry.fileMode === null) throw new AwsError('FileModeRequiredException', `The commit cannot be created because no file mode has been specified for ${path}.`);
    const mode = checkFileMode(entry.fileMode) as CC.FileModeTypeEnum;
    setFileModes.push({ path, mode: MODE_BY_NAME[mode] });
  }
  return { putFiles, deleteFiles, setFileModes };
}

function commitIdOf(value: unknown): string {
  if (value === undefined || value === null || value === '') throw commitIdRequired();
  if (typeof value !== 'string' || !OBJECT_ID.test(value)) throw new AwsError('InvalidCommitIdException', `The specified commit ID is not valid: ${String(value)}`);
  return value.toLowerCase();
}

export function commitsHandlers(c: CodeCommitContext): Handlers {
  return {
    ...filesHandlers(c),

    async GetCommit(input: CC.GetCommitInput, ctx: RequestContext): Promise<CC.GetCommitOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const commitId = commitIdOf(input.commitId);
      const commit = await gitRepository(c, row).commit(commitId);
      if (!commit) throw new AwsError('CommitIdDoesNotExistException', `Could not find commit ${commitId} in repository ${row.name}`);
      return { commit: commitShape(commit) };
    },

    async BatchGetCommits(input: CC.BatchGetCommitsInput, ctx: RequestContext): Promise<CC.BatchGetCommitsOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      if (!Array.isArray(input.commitIds) || input.commitIds.length === 0)
        throw new AwsError('CommitIdsListRequiredException', 'A list of commit IDs is required, but was either not specified or the list was empty.');
      if (input.commitIds.length > MAX_COMMIT_IDS) throw new AwsError('CommitIdsLimitExceededException', `The maximum number of allowed commit IDs in a batch request is ${MAX_COMMIT_IDS}.`);
      const valid = input.commitIds.filter((id): id is string => typeof id === 'string' && OBJECT_ID.test(id)).map((id) => id.toLowerCase());
      const objects = await readObjects(gitRepository(c, row), [...new Set(valid)]);
      const commits: CC.Commit[] = [];
      const errors: CC.BatchGetCommitsError[] = [];
      for (const id of input.commitIds) {
        if (typeof id !== 'string' || !OBJECT_ID.test(id)) {
          errors.push({ commitId: id, errorCode: 'InvalidCommitIdException', errorMessage: `The specified commit ID is not valid: ${String(id)}` });
          continue;
        }
        const object = objects.get(id.toLowerCase());
        if (object?.type !== 'commit') {
          errors.push({ commitId: id, errorCode: 'CommitIdDoesNotExistException', errorMessage: `Could not find commit ${id} in repository ${row.name}` });
          continue;
        }
        commits.push(commitShape(parseCommit(id.toLowerCase(), object.content.toString('utf8'))));
      }
      return { commits, errors };
    },

    async CreateCommit(input: CC.CreateCommitInput, ctx: RequestContext): Promise<CC.CreateCommitOutput> {
      const { row, branchName } = writeTarget(c, ctx, input);
      const author = identity(ctx.principal, input.authorName, input.email);
      const message = checkMessage(input.commitMessage);
      const changes = fileChanges(input);
      const result = await commitAndPublish(c, ctx, row, {
        branchName,
        parentCommitId: input.parentCommitId,
        author,
        message,
        keepEmptyFolders: input.keepEmptyFolders === true,
        ...changes,
      });
      return { commitId: result.commitId, treeId: result.treeId, filesAdded: result.filesAdded, filesUpdated: result.filesUpdated, filesDeleted: result.filesDeleted };
    },

    async PutFile(input: CC.PutFileInput, ctx: RequestContext): Promise<CC.PutFileOutput> {
      const { row, branchName } = writeTarget(c, ctx, input);
      const content = contentOf(input.fileContent);
      if (content === undefined || content.length === 0)
        throw new AwsError('FileContentRequiredException', 'The file cannot be added because it is empty. Empty files cannot be added to the repository with this API.');
      if (content.length > FILE_CONTENT_LIMIT)
        throw new AwsError('FileContentSizeLimitExceededException', 'The file cannot be added because it is too large. The maximum file size is 6 MB. Consider making this change using a Git client.');
      const path = normalizePath(input.filePath);
      const mode = checkFileMode(input.fileMode);
      const author = identity(ctx.principal, input.name, input.email);
      const message = checkMessage(input.commitMessage);
      const result = await commitAndPublish(c, ctx, row, {
        branchName,
        parentCommitId: input.parentCommitId,
        author,
        message,
        keepEmptyFolders: false,
        putFile: true,
        putFiles: [{ path, content, mode: mode && MODE_BY_NAME[mode] }],
        deleteFiles: [],
        setFileModes: [],
      });
      return { commitId: result.commitId, blobId: result.blobs.get(path) ?? '', treeId: result.treeId };
    },

    async DeleteFile(input: CC.DeleteFileInput, ctx: RequestContext): Promise<CC.DeleteFileOutput> {
      const { row, branchName } = writeTarget(c, ctx, input);
      const path = normalizePath(input.filePath);
      if (input.parentCommitId === undefined || input.parentCommitId === null || input.parentCommitId === '') {
        throw new AwsError(
          'ParentCommitIdRequiredException',
          'A parent commit ID is required. To view the full commit ID of a branch in a repository, use GetBranch or a Git command (for example, git pull or git log).',
        );
      }
      const author = identity(ctx.principal, input.name, input.email);
      const message = checkMessage(input.commitMessage);
      const result = await commitAndPublish(c, ctx, row, {
        branchName,
        parentCommitId: input.parentCommitId,
        author,
        message,
        keepEmptyFolders: input.keepEmptyFolders === true,
        putFiles: [],
        deleteFiles: [path],
        setFileModes: [],
      });
      return { commitId: result.commitId, blobId: result.deletedBlobs.get(path) ?? '', treeId: result.treeId, filePath: path };
    },
  };
}
