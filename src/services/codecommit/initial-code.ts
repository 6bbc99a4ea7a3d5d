/**
 * CreateRepository's initial code from a zip in S3, which CloudFormation's
 * AWS::CodeCommit::Repository `Code` property needs (the CodeCommit API itself has no such member,
 * so only `repositoriesApi` passes it): the archive is read through S3's api and written as the
 * repository's first commit with git plumbing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Scope } from '../../core/accounts.js';
import { AwsError } from '../../core/errors.js';
import { type CodeCommitContext, gitRepository } from './common.js';
import { ZERO_ID } from './git.js';
import type { RepositoryRow } from './store.js';

/** fflate is loaded on first use: importing it costs ~30 ms of server start-up. */
let fflateModule: typeof import('fflate') | undefined;
const fflate = (): typeof import('fflate') => (fflateModule ??= createRequire(import.meta.url)('fflate') as typeof import('fflate'));

/** Where CloudFormation's `Code` property finds a repository's first commit. */
export interface InitialCode {
  s3: { bucket: string; key: string; objectVersion?: string };
  /** Default `main`. */
  branchName?: string;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A zip entry's path as a repository path; anything that could leave the repository or reach `.git` is refused. */
function checkZipPath(name: string): string {
  const segments = name.split('/');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses in an entry's path.
  if (name.startsWith('/') || name.includes('\\') || /[\x00-\x1f\x7f]/.test(name) || segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git')) {
    throw new AwsError('InvalidPathException', `The zip archive entry ${JSON.stringify(name)} has a path that is not valid in a repository.`);
  }
  return name;
}

/** The files of the initial-code zip, by repository path; directory entries are implied by their files. */
export async function readInitialCode(c: CodeCommitContext, scope: Scope, code: InitialCode): Promise<Map<string, Buffer>> {
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
export async function commitInitialCode(c: CodeCommitContext, row: RepositoryRow, files: Map<string, Buffer>, branch: string, callerArn: string): Promise<string> {
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
