/**
 * CodeCommit operations that read files out of commits: GetFile, GetFolder, GetBlob,
 * GetDifferences and ListFileCommitHistory, all straight from the bare repository's objects.
 */
import type * as CC from '@aws-sdk/client-codecommit';
import { AwsError } from '../../core/errors.js';
import type { Handlers, RequestContext } from '../../protocol/types.js';
import { type CodeCommitContext, gitRepository, requireRepository, resolveCommit } from './common.js';
import { type GitRepository, parseCommit } from './git.js';
import { offsetToken, pageSize, readOffsetToken } from './paging.js';
import type { RepositoryRow } from './store.js';
import { commitShape, EMPTY_TREE, entryAt, FILE_CONTENT_LIMIT, fileModeName, LITERAL, normalizePath, OBJECT_ID, parseLsTree, readObjects, type TreeEntry } from './trees.js';

const DEFAULT_PAGE = 100;

/**
 * A commit specifier (branch, tag, full reference, `HEAD` or commit id) to a commit id. Text that
 * could only be read as a git option or revision expression is InvalidCommitException.
 */
export async function commitOf(c: CodeCommitContext, row: RepositoryRow, specifier: unknown, required?: () => AwsError): Promise<string> {
  if (specifier === undefined || specifier === null || specifier === '') {
    if (required) throw required();
    specifier = 'HEAD';
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a specifier with control characters is refused, not passed to git.
  if (typeof specifier !== 'string' || specifier.length > 1024 || specifier.startsWith('-') || /[\x00-\x20\x7f:]/.test(specifier)) {
    throw new AwsError('InvalidCommitException', `The specified commit is not valid: ${String(specifier)}`);
  }
  return resolveCommit(c, row, specifier);
}

function tooLarge(size: number): AwsError {
  return new AwsError(
    'FileTooLargeException',
    `The specified file exceeds the file size limit for CodeCommit (${size} bytes; the limit is ${FILE_CONTENT_LIMIT} bytes). For more information about limits in CodeCommit, see Quotas in the AWS CodeCommit User Guide.`,
  );
}

/** The entry a path names in a commit; the root folder is the commit's tree. */
async function pathEntry(git: GitRepository, commitId: string, path: string): Promise<TreeEntry | undefined> {
  if (path === '') {
    const commit = await git.commit(commitId);
    return commit && { mode: '040000', type: 'tree', id: commit.treeId };
  }
  return entryAt(git, commitId, path);
}

interface RawDifference {
  before?: { mode: string; id: string; path: string };
  after?: { mode: string; id: string; path: string };
  status: string;
}

/** Parses `diff-tree -r -z` raw output, prefixing each side's paths. */
function parseDiff(output: Buffer, beforePrefix: string, afterPrefix: string): RawDifference[] {
  const fields = output.toString('utf8').split('\0');
  const out: RawDifference[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i];
    if (!meta.startsWith(':')) break;
    const [srcMode, dstMode, srcId, dstId, status] = meta.slice(1).split(' ');
    const path = fields[i + 1];
    const diff: RawDifference = { status: status[0] };
    if (status[0] !== 'A') diff.before = { mode: srcMode, id: srcId, path: beforePrefix + path };
    if (status[0] !== 'D') diff.after = { mode: dstMode, id: dstId, path: afterPrefix + path };
    out.push(diff);
  }
  return out;
}

function blobMetadata(side: { mode: string; id: string; path: string } | undefined): CC.BlobMetadata | undefined {
  return side && { blobId: side.id, path: side.path, mode: side.mode };
}

export function filesHandlers(c: CodeCommitContext): Handlers {
  return {
    async GetBlob(input: CC.GetBlobInput, ctx: RequestContext): Promise<CC.GetBlobOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      if (input.blobId === undefined || input.blobId === null || input.blobId === '') throw new AwsError('BlobIdRequiredException', 'A blob ID is required, but was not specified.');
      if (typeof input.blobId !== 'string' || !OBJECT_ID.test(input.blobId)) throw new AwsError('InvalidBlobIdException', `The specified blob is not valid: ${String(input.blobId)}`);
      const git = gitRepository(c, row);
      const id = input.blobId.toLowerCase();
      if ((await git.objectType(id)) !== 'blob') throw new AwsError('BlobIdDoesNotExistException', `Could not find blob ${id} in repository ${row.name}`);
      const size = Number((await git.run(['cat-file', '-s', id])).stdout.toString('utf8').trim());
      if (size > FILE_CONTENT_LIMIT) throw tooLarge(size);
      return { content: await git.blob(id) };
    },

    async GetFile(input: CC.GetFileInput, ctx: RequestContext): Promise<CC.GetFileOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const path = normalizePath(input.filePath);
      const commitId = await commitOf(c, row, input.commitSpecifier);
      const git = gitRepository(c, row);
      const entry = await entryAt(git, commitId, path);
      if (entry?.type !== 'blob') throw new AwsError('FileDoesNotExistException', `The file ${path} does not exist in commit ${commitId}.`);
      const size = entry.size ?? 0;
      if (size > FILE_CONTENT_LIMIT) throw tooLarge(size);
      return { commitId, blobId: entry.id, filePath: path, fileMode: fileModeName(entry.mode), fileSize: size, fileContent: await git.blob(entry.id) };
    },

    async GetFolder(input: CC.GetFolderInput, ctx: RequestContext): Promise<CC.GetFolderOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const path = normalizePath(input.folderPath, { folder: true });
      const commitId = await commitOf(c, row, input.commitSpecifier);
      const git = gitRepository(c, row);
      const folder = await pathEntry(git, commitId, path);
      if (folder?.type !== 'tree') throw new AwsError('FolderDoesNotExistException', `The folder ${path || '/'} does not exist in commit ${commitId}.`);
      const { stdout } = await git.run(['ls-tree', '-z', folder.id]);
      const out: CC.GetFolderOutput = { commitId, folderPath: path, treeId: folder.id, subFolders: [], files: [], symbolicLinks: [], subModules: [] };
      for (const [name, entry] of parseLsTree(stdout)) {
        const absolutePath = path ? `${path}/${name}` : name;
        if (entry.type === 'tree') out.subFolders!.push({ treeId: entry.id, absolutePath, relativePath: name });
        else if (entry.type === 'commit') out.subModules!.push({ commitId: entry.id, absolutePath, relativePath: name });
        else if (entry.mode === '120000') out.symbolicLinks!.push({ blobId: entry.id, absolutePath, relativePath: name, fileMode: 'SYMLINK' });
        else out.files!.push({ blobId: entry.id, absolutePath, relativePath: name, fileMode: fileModeName(entry.mode) });
      }
      return out;
    },

    async GetDifferences(input: CC.GetDifferencesInput, ctx: RequestContext): Promise<CC.GetDifferencesOutput> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const maxResults = pageSize(input.MaxResults, DEFAULT_PAGE, Number.POSITIVE_INFINITY);
      const after = await commitOf(c, row, input.afterCommitSpecifier, () => new AwsError('CommitRequiredException', 'A commit ID or commit specifier is required, but was not specified.'));
      const before =
        input.beforeCommitSpecifier === undefined || input.beforeCommitSpecifier === null || input.beforeCommitSpecifier === '' ? undefined : await commitOf(c, row, input.beforeCommitSpecifier);
      const hasBeforePath = input.beforePath !== undefined && input.beforePath !== null && input.beforePath !== '';
      const hasAfterPath = input.afterPath !== undefined && input.afterPath !== null && input.afterPath !== '';
      const beforePath = hasBeforePath ? normalizePath(input.beforePath, { folder: true }) : undefined;
      const afterPath = hasAfterPath ? normalizePath(input.afterPath, { folder: true }) : undefined;
      const scope = JSON.stringify([row.id, before, after, beforePath, afterPath]);
      const offset = readOffsetToken(input.NextToken, scope);
      const git = gitRepository(c, row);
      const missing = (path: string) => new AwsError('PathDoesNotExistException', `The specified path does not exist: ${path}`);

      let differences: RawDifference[];
      if (beforePath !== undefined && afterPath !== undefined && beforePath !== afterPath) {
        // A renamed folder or file: compare what each path names on its own side.
        const beforeEntry = before ? await pathEntry(git, before, beforePath) : undefined;
        const afterEntry = await pathEntry(git, after, afterPath);
        if (before && !beforeEntry) throw missing(beforePath);
        if (!afterEntry) throw missing(afterPath);
        if (afterEntry.type === 'tree' && (!beforeEntry || beforeEntry.type === 'tree')) {
          const { stdout } = await git.run(['diff-tree', '-r', '-z', '--no-renames', beforeEntry?.id ?? EMPTY_TREE, afterEntry.id]);
          differences = parseDiff(stdout, beforePath ? `${beforePath}/` : '', afterPath ? `${afterPath}/` : '');
        } else {
          const b = beforeEntry && beforeEntry.type !== 'tree' ? { mode: beforeEntry.mode, id: beforeEntry.id, path: beforePath } : undefined;
          const a = afterEntry.type !== 'tree' ? { mode: afterEntry.mode, id: afterEntry.id, path: afterPath } : undefined;
          differences = b && a && b.id === a.id && b.mode === a.mode ? [] : [{ before: b, after: a, status: !b ? 'A' : !a ? 'D' : 'M' }];
        }
      } else {
        const path = beforePath ?? afterPath;
        if (path) {
          const inAfter = await pathEntry(git, after, path);
          const inBefore = before ? await pathEntry(git, before, path) : undefined;
          if (!inAfter && !inBefore) throw missing(path);
        }
        const args = ['diff-tree', '-r', '-z', '--no-renames', before ?? EMPTY_TREE, after];
        if (path) args.push('--', path);
        const { stdout } = await git.run(args, { env: LITERAL });
        differences = parseDiff(stdout, '', '');
      }

      const page = differences.slice(offset, offset + maxResults);
      const out: CC.GetDifferencesOutput = {
        differences: page.map((d) => ({ beforeBlob: blobMetadata(d.before), afterBlob: blobMetadata(d.after), changeType: d.status === 'A' ? 'A' : d.status === 'D' ? 'D' : 'M' })),
      };
      if (offset + maxResults < differences.length) out.NextToken = offsetToken(offset + maxResults, scope);
      return out;
    },

    async ListFileCommitHistory(input: CC.ListFileCommitHistoryRequest, ctx: RequestContext): Promise<CC.ListFileCommitHistoryResponse> {
      const row = requireRepository(c, ctx, input.repositoryName);
      const path = normalizePath(input.filePath);
      const maxResults = pageSize(input.maxResults, DEFAULT_PAGE, Number.POSITIVE_INFINITY);
      const tip = await commitOf(c, row, input.commitSpecifier);
      const scope = JSON.stringify([row.id, tip, path]);
      const offset = readOffsetToken(input.nextToken, scope);
      const git = gitRepository(c, row);
      // rev-list with a path rewrites parents to the previous commits that changed the file: the revision DAG.
      const { stdout } = await git.run(['rev-list', '--parents', tip, '--', path], { env: LITERAL });
      const lines = stdout
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' '));
      const children = new Map<string, string[]>();
      for (const [commitId, ...parents] of lines) {
        for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), commitId]);
      }
      const page = lines.slice(offset, offset + maxResults);
      const objects = await readObjects(
        git,
        page.map(([id]) => id),
      );
      const revisionDag: CC.FileVersion[] = [];
      for (const [commitId] of page) {
        const object = objects.get(commitId);
        if (!object) continue;
        const entry = await entryAt(git, commitId, path);
        revisionDag.push({
          commit: commitShape(parseCommit(commitId, object.content.toString('utf8'))),
          blobId: entry?.type === 'blob' ? entry.id : undefined,
          path,
          revisionChildren: children.get(commitId) ?? [],
        });
      }
      const out: CC.ListFileCommitHistoryResponse = { revisionDag };
      if (offset + maxResults < lines.length) out.nextToken = offsetToken(offset + maxResults, scope);
      return out;
    },
  };
}
