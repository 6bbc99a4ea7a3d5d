/**
 * CodeCommit commits and files end to end: the SDK and the aws CLI write commits, real git reads
 * them back from the bare repository, and every bad input gets CodeCommit's own exception with
 * nothing written.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetCommitsCommand,
  CodeCommitClient,
  CreateCommitCommand,
  type CreateCommitCommandInput,
  CreateRepositoryCommand,
  DeleteFileCommand,
  GetBlobCommand,
  GetCommitCommand,
  GetDifferencesCommand,
  GetFileCommand,
  GetFolderCommand,
  GetRepositoryCommand,
  ListFileCommitHistoryCommand,
  PutFileCommand,
} from '@aws-sdk/client-codecommit';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsEvent } from '../../src/core/events.js';
import { expectAwsError, useServer } from '../helpers.js';
import { bareGit, GitRunner, rootUrl } from './codecommit-git-helpers.js';

const text = (s: string) => Buffer.from(s, 'utf8');

describe('CodeCommit commits and files', () => {
  const server = useServer();
  let cc: CodeCommitClient;
  const events: AwsEvent[] = [];

  async function createRepository(name: string): Promise<string> {
    const created = await cc.send(new CreateRepositoryCommand({ repositoryName: name }));
    return created.repositoryMetadata!.repositoryId!;
  }

  /** Real git on the bare repository the API wrote. */
  function git(repositoryId: string, ...args: string[]): string {
    return bareGit(server, repositoryId, args);
  }

  beforeAll(async () => {
    cc = new CodeCommitClient(server.clientConfig);
    server.runtime.events.subscribe((event) => {
      if (event.source === 'aws.codecommit') events.push(event);
    });
  });

  describe('PutFile, GetFile and real git', () => {
    let repositoryId: string;
    let first: string;

    beforeAll(async () => {
      repositoryId = await createRepository('put-file');
    });

    it('makes the first commit of an empty repository, creates the branch and makes it the default', async () => {
      events.length = 0;
      const put = await cc.send(
        new PutFileCommand({
          repositoryName: 'put-file',
          branchName: 'main',
          filePath: '/docs/README.md',
          fileContent: text('# hello\n'),
          commitMessage: 'Add README',
          name: 'Mary Major',
          email: 'mary@example.com',
        }),
      );
      first = put.commitId!;
      expect(put.blobId).toBe(git(repositoryId, 'rev-parse', 'main:docs/README.md').trim());
      expect(put.treeId).toBe(git(repositoryId, 'rev-parse', 'main^{tree}').trim());

      // A real git commit on refs/heads/main with the given identity and message.
      expect(git(repositoryId, 'rev-parse', 'refs/heads/main').trim()).toBe(first);
      expect(git(repositoryId, 'log', '-1', '--format=%an|%ae|%cn|%s', 'main')).toBe('Mary Major|mary@example.com|Mary Major|Add README\n');
      expect(git(repositoryId, 'show', 'main:docs/README.md')).toBe('# hello\n');
      expect(git(repositoryId, 'fsck', '--no-progress', '--strict')).toBe('');

      const repo = await cc.send(new GetRepositoryCommand({ repositoryName: 'put-file' }));
      expect(repo.repositoryMetadata?.defaultBranch).toBe('main');

      expect(events).toHaveLength(1);
      expect(events[0]['detail-type']).toBe('CodeCommit Repository State Change');
      expect(events[0].detail).toMatchObject({
        event: 'referenceCreated',
        referenceType: 'branch',
        referenceName: 'main',
        referenceFullName: 'refs/heads/main',
        commitId: first,
        repositoryName: 'put-file',
        repositoryId,
      });

      const commit = await cc.send(new GetCommitCommand({ repositoryName: 'put-file', commitId: first }));
      expect(commit.commit).toMatchObject({
        commitId: first,
        treeId: put.treeId,
        parents: [],
        message: 'Add README',
        author: { name: 'Mary Major', email: 'mary@example.com' },
        committer: { name: 'Mary Major', email: 'mary@example.com' },
      });
      expect(commit.commit?.author?.date).toMatch(/^\d{10} \+0000$/);
    });

    it('reads the file back at HEAD, by branch and by commit id', async () => {
      for (const commitSpecifier of [undefined, 'main', 'refs/heads/main', 'HEAD', first]) {
        const got = await cc.send(new GetFileCommand({ repositoryName: 'put-file', filePath: 'docs/README.md', commitSpecifier }));
        expect(got).toMatchObject({ commitId: first, filePath: 'docs/README.md', fileMode: 'NORMAL', fileSize: 8 });
        expect(Buffer.from(got.fileContent!).toString()).toBe('# hello\n');
      }
    });

    it('updates with the tip as parent, defaults the author to the caller, publishes referenceUpdated', async () => {
      events.length = 0;
      const put = await cc.send(
        new PutFileCommand({
          repositoryName: 'put-file',
          branchName: 'main',
          filePath: 'docs/README.md',
          fileContent: text('# hello again\n'),
          parentCommitId: first,
          fileMode: 'EXECUTABLE',
        }),
      );
      expect(git(repositoryId, 'rev-parse', 'main^').trim()).toBe(first);
      expect(git(repositoryId, 'ls-tree', 'main', 'docs/README.md')).toMatch(/^100755 blob /);
      const commit = await cc.send(new GetCommitCommand({ repositoryName: 'put-file', commitId: put.commitId }));
      expect(commit.commit?.parents).toEqual([first]);
      expect(commit.commit?.author?.name).toBe('root');
      expect(events[0].detail).toMatchObject({ event: 'referenceUpdated', commitId: put.commitId, oldCommitId: first });
      first = put.commitId!;
    });

    it('refuses bad writes with CodeCommit exceptions and leaves the branch where it was', async () => {
      const base = { repositoryName: 'put-file', branchName: 'main', filePath: 'a.txt', fileContent: text('a') };
      await expectAwsError(cc.send(new PutFileCommand(base)), { code: 'ParentCommitIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: 'not-a-commit' })), { code: 'InvalidParentCommitIdException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: 'f'.repeat(40) })), { code: 'ParentCommitDoesNotExistException', status: 400 });
      const older = git(repositoryId, 'rev-parse', 'main^').trim();
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: older })), { code: 'ParentCommitIdOutdatedException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, branchName: 'nope' })), { code: 'BranchDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, branchName: 'bad..name' })), { code: 'InvalidBranchNameException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, branchName: '' })), { code: 'BranchNameRequiredException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, repositoryName: 'no-such-repo' })), { code: 'RepositoryDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, fileContent: new Uint8Array(0) })), { code: 'FileContentRequiredException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, fileContent: Buffer.alloc(6 * 1024 * 1024 + 1) })), {
        code: 'FileContentSizeLimitExceededException',
        status: 400,
      });
      for (const filePath of ['../escape.txt', 'a/../../b', '.git/config', 'x/.GIT/hooks/pre-receive', 'a//b', './a', 'dir/']) {
        await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, filePath })), { code: 'InvalidPathException', status: 400 });
      }
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, filePath: '' })), { code: 'PathRequiredException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, fileMode: 'WRITABLE' as 'NORMAL' })), { code: 'InvalidFileModeException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, email: 'not an email' })), { code: 'InvalidEmailException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, name: 'n'.repeat(2000) })), { code: 'NameLengthExceededException', status: 400 });
      // Same content and mode as the tip: nothing to commit.
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, filePath: 'docs/README.md', fileContent: text('# hello again\n') })), {
        code: 'SameFileContentException',
        status: 400,
      });
      // A file where a folder is, and a folder where a file is.
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, filePath: 'docs' })), { code: 'FileNameConflictsWithDirectoryNameException', status: 400 });
      await expectAwsError(cc.send(new PutFileCommand({ ...base, parentCommitId: first, filePath: 'docs/README.md/x' })), { code: 'DirectoryNameConflictsWithFileNameException', status: 400 });
      expect(git(repositoryId, 'rev-parse', 'main').trim()).toBe(first);
      expect(git(repositoryId, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main\n');
    });

    it('lets exactly one of two writers with the same parent win', async () => {
      const results = await Promise.allSettled(
        ['x', 'y'].map((name) =>
          cc.send(
            new PutFileCommand({
              repositoryName: 'put-file',
              branchName: 'main',
              filePath: `${name}.txt`,
              fileContent: text(name),
              parentCommitId: first,
            }),
          ),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.map((r) => (r.reason as Error).name)).toEqual(['ParentCommitIdOutdatedException']);
      first = git(repositoryId, 'rev-parse', 'main').trim();
      expect(git(repositoryId, 'rev-parse', 'main^').trim()).not.toBe(first);
    });

    it('works from the aws CLI with fileb:// content', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cc-cli-'));
      const binary = Buffer.from([0, 1, 2, 255, 254, 10]);
      writeFileSync(join(dir, 'blob.bin'), binary);
      const { stdout } = await server.aws([
        'codecommit',
        'put-file',
        '--repository-name',
        'put-file',
        '--branch-name',
        'main',
        '--file-path',
        'bin/blob.bin',
        '--file-content',
        `fileb://${join(dir, 'blob.bin')}`,
        '--parent-commit-id',
        first,
        '--commit-message',
        'binary from the CLI',
        '--name',
        'CLI',
      ]);
      const put = JSON.parse(stdout) as { commitId: string; blobId: string };
      expect(git(repositoryId, 'cat-file', 'blob', put.blobId)).toBe(binary.toString('utf8'));
      const got = JSON.parse((await server.aws(['codecommit', 'get-file', '--repository-name', 'put-file', '--file-path', 'bin/blob.bin'])).stdout) as { fileContent: string; commitId: string };
      expect(Buffer.from(got.fileContent, 'base64')).toEqual(binary);
      expect(got.commitId).toBe(put.commitId);
      first = put.commitId;
      rmSync(dir, { recursive: true, force: true });
    });
  });

  describe('API commits and git push are one history', () => {
    it('clones what the API committed, and the API reads and builds on what git pushed', async () => {
      await createRepository('interop');
      const api1 = await cc.send(new PutFileCommand({ repositoryName: 'interop', branchName: 'main', filePath: 'app/config.json', fileContent: text('{"v":1}\n'), commitMessage: 'api one' }));
      const runner = new GitRunner();
      const work = runner.dir('interop');
      await runner.ok(['clone', '--quiet', rootUrl(server, 'interop'), work]);
      expect(await runner.ok(['log', '--format=%H %s'], { cwd: work })).toBe(`${api1.commitId} api one\n`);
      expect(await runner.ok(['show', 'HEAD:app/config.json'], { cwd: work })).toBe('{"v":1}\n');

      writeFileSync(join(work, 'app', 'config.json'), '{"v":2}\n');
      await runner.ok(['commit', '--quiet', '-am', 'pushed two'], { cwd: work });
      await runner.ok(['push', '--quiet', 'origin', 'main'], { cwd: work });
      const pushed = (await runner.ok(['rev-parse', 'HEAD'], { cwd: work })).trim();

      const got = await cc.send(new GetFileCommand({ repositoryName: 'interop', filePath: 'app/config.json' }));
      expect(got.commitId).toBe(pushed);
      expect(Buffer.from(got.fileContent!).toString()).toBe('{"v":2}\n');
      await expectAwsError(cc.send(new PutFileCommand({ repositoryName: 'interop', branchName: 'main', filePath: 'x', fileContent: text('x'), parentCommitId: api1.commitId })), {
        code: 'ParentCommitIdOutdatedException',
        status: 400,
      });
      const api3 = await cc.send(
        new PutFileCommand({ repositoryName: 'interop', branchName: 'main', filePath: 'app/config.json', fileContent: text('{"v":3}\n'), parentCommitId: pushed, commitMessage: 'api three' }),
      );

      await runner.ok(['pull', '--quiet', '--ff-only'], { cwd: work });
      expect((await runner.ok(['rev-parse', 'HEAD'], { cwd: work })).trim()).toBe(api3.commitId);
      expect(await runner.ok(['log', '--format=%s'], { cwd: work })).toBe('api three\npushed two\napi one\n');
      const history = await cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'interop', filePath: 'app/config.json' }));
      expect(history.revisionDag?.map((v) => v.commit?.message)).toEqual(['api three', 'pushed two\n', 'api one']);
    });
  });

  describe('CreateCommit', () => {
    let repositoryId: string;
    let tip: string;
    const input = (extra: Partial<CreateCommitCommandInput>): CreateCommitCommandInput => ({ repositoryName: 'create-commit', branchName: 'dev', parentCommitId: tip, ...extra });

    beforeAll(async () => {
      repositoryId = await createRepository('create-commit');
    });

    it('makes a first commit with many files, modes and a symlink', async () => {
      const made = await cc.send(
        new CreateCommitCommand({
          repositoryName: 'create-commit',
          branchName: 'dev',
          authorName: 'Builder',
          email: 'b@example.com',
          commitMessage: 'initial\n',
          putFiles: [
            { filePath: 'src/app.js', fileContent: text('console.log(1)\n') },
            { filePath: 'src/lib/util.js', fileContent: text('export {}\n') },
            { filePath: 'run.sh', fileContent: text('#!/bin/sh\n'), fileMode: 'EXECUTABLE' },
            { filePath: 'link', fileContent: text('src/app.js'), fileMode: 'SYMLINK' },
          ],
        }),
      );
      tip = made.commitId!;
      expect(made.filesAdded?.map((f) => f.absolutePath).sort()).toEqual(['link', 'run.sh', 'src/app.js', 'src/lib/util.js']);
      expect(made.filesUpdated).toEqual([]);
      expect(made.filesDeleted).toEqual([]);
      expect(git(repositoryId, 'ls-tree', '-r', '--format=%(objectmode) %(path)', 'dev').split('\n').filter(Boolean).sort()).toEqual([
        '100644 src/app.js',
        '100644 src/lib/util.js',
        '100755 run.sh',
        '120000 link',
      ]);
      expect(git(repositoryId, 'log', '-1', '--format=%B', 'dev')).toBe('initial\n\n');
    });

    it('moves, copies, deletes, changes modes and keeps emptied folders only when asked', async () => {
      const made = await cc.send(
        new CreateCommitCommand(
          input({
            putFiles: [
              { filePath: 'main.js', sourceFile: { filePath: 'src/app.js', isMove: true } },
              { filePath: 'copy.js', sourceFile: { filePath: 'src/lib/util.js' } },
            ],
            deleteFiles: [{ filePath: 'src/lib/util.js' }],
            setFileModes: [{ filePath: 'run.sh', fileMode: 'NORMAL' }],
            keepEmptyFolders: true,
          }),
        ),
      );
      expect(made.filesAdded?.map((f) => f.absolutePath).sort()).toEqual(['copy.js', 'main.js', 'src/lib/.gitkeep']);
      expect(made.filesUpdated).toEqual([expect.objectContaining({ absolutePath: 'run.sh', fileMode: 'NORMAL' })]);
      expect(made.filesDeleted?.map((f) => f.absolutePath).sort()).toEqual(['src/app.js', 'src/lib/util.js']);
      expect(git(repositoryId, 'ls-tree', '-r', '--name-only', 'dev').split('\n').filter(Boolean).sort()).toEqual(['copy.js', 'link', 'main.js', 'run.sh', 'src/lib/.gitkeep']);
      tip = made.commitId!;

      const dropped = await cc.send(new CreateCommitCommand(input({ deleteFiles: [{ filePath: 'src/lib/.gitkeep' }] })));
      expect(git(repositoryId, 'ls-tree', '--name-only', 'dev')).not.toContain('src');
      expect(dropped.filesDeleted?.[0]).toMatchObject({ absolutePath: 'src/lib/.gitkeep', blobId: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391' });
      tip = dropped.commitId!;
    });

    it('refuses contradictory or empty change sets and writes nothing', async () => {
      const cases: [Partial<CreateCommitCommandInput>, string][] = [
        [{}, 'FileEntryRequiredException'],
        [
          {
            putFiles: [
              { filePath: 'a', fileContent: text('1') },
              { filePath: 'a', fileContent: text('2') },
            ],
          },
          'SamePathRequestException',
        ],
        [{ putFiles: [{ filePath: 'a', fileContent: text('1') }], deleteFiles: [{ filePath: 'a' }] }, 'SamePathRequestException'],
        [
          {
            putFiles: [
              { filePath: 'd', fileContent: text('1') },
              { filePath: 'd/e', fileContent: text('2') },
            ],
          },
          'PutFileEntryConflictException',
        ],
        [{ putFiles: [{ filePath: 'main.js/x', fileContent: text('1') }] }, 'DirectoryNameConflictsWithFileNameException'],
        [{ deleteFiles: [{ filePath: 'missing.txt' }] }, 'FileDoesNotExistException'],
        [{ putFiles: [{ filePath: 'n', sourceFile: { filePath: 'missing.txt' } }] }, 'FileDoesNotExistException'],
        [{ putFiles: [{ filePath: 'n' }] }, 'SourceFileOrContentRequiredException'],
        [{ putFiles: [{ filePath: 'n', fileContent: text('1'), sourceFile: { filePath: 'main.js' } }] }, 'FileContentAndSourceFileSpecifiedException'],
        [{ putFiles: [{ filePath: 'n', sourceFile: { filePath: 'x/.gitkeep' } }] }, 'RestrictedSourceFileException'],
        [{ setFileModes: [{ filePath: 'main.js' } as { filePath: string; fileMode: 'NORMAL' }] }, 'FileModeRequiredException'],
        [{ setFileModes: [{ filePath: 'main.js', fileMode: 'ROOT' as 'NORMAL' }] }, 'InvalidFileModeException'],
        [{ setFileModes: [{ filePath: 'main.js', fileMode: 'NORMAL' }] }, 'NoChangeException'],
        [{ putFiles: [{ filePath: 'main.js', sourceFile: { filePath: 'main.js' } }] }, 'SamePathRequestException'],
        [{ putFiles: [{ filePath: '../main.js', fileContent: text('1') }] }, 'InvalidPathException'],
        [{ putFiles: [{ fileContent: text('1') } as unknown as { filePath: string }] }, 'PathRequiredException'],
        [{ putFiles: Array.from({ length: 101 }, (_, i) => ({ filePath: `f${i}`, fileContent: text('x') })) }, 'MaximumFileEntriesExceededException'],
        [{ putFiles: [{ filePath: 'big', fileContent: Buffer.alloc(6 * 1024 * 1024 + 1) }] }, 'FileContentSizeLimitExceededException'],
        [
          {
            putFiles: [
              { filePath: 'f/a', fileContent: Buffer.alloc(4 * 1024 * 1024) },
              { filePath: 'f/b', fileContent: Buffer.alloc(3 * 1024 * 1024) },
            ],
          },
          'FolderContentSizeLimitExceededException',
        ],
        [{ putFiles: [{ filePath: 'main.js', fileContent: Buffer.from(git(repositoryId, 'show', 'dev:main.js')) }] }, 'NoChangeException'],
        [{ parentCommitId: undefined, putFiles: [{ filePath: 'a', fileContent: text('1') }] }, 'ParentCommitIdRequiredException'],
        [{ commitMessage: 'm'.repeat(256 * 1024 + 1), putFiles: [{ filePath: 'a', fileContent: text('1') }] }, 'CommitMessageLengthExceededException'],
      ];
      for (const [extra, name] of cases) await expectAwsError(cc.send(new CreateCommitCommand(input(extra))), { code: name, status: 400 });
      await expectAwsError(cc.send(new CreateCommitCommand({ repositoryName: 'create-commit', branchName: 'other', putFiles: [{ filePath: 'a', fileContent: text('1') }] })), {
        code: 'BranchDoesNotExistException',
        status: 400,
      });
      expect(git(repositoryId, 'rev-parse', 'dev').trim()).toBe(tip);
      expect(git(repositoryId, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/dev\n');
    });

    it('replaces a folder it empties with a file of the same name, and the reverse', async () => {
      const swapped = await cc.send(
        new CreateCommitCommand(
          input({
            deleteFiles: [{ filePath: 'link' }, { filePath: 'copy.js' }],
            putFiles: [{ filePath: 'link/inside.txt', fileContent: text('now a folder') }],
          }),
        ),
      );
      tip = swapped.commitId!;
      expect(git(repositoryId, 'show', 'dev:link/inside.txt')).toBe('now a folder');
      const back = await cc.send(new CreateCommitCommand(input({ deleteFiles: [{ filePath: 'link/inside.txt' }], putFiles: [{ filePath: 'link', fileContent: text('a file again') }] })));
      tip = back.commitId!;
      expect(git(repositoryId, 'cat-file', '-t', 'dev:link').trim()).toBe('blob');
      expect(git(repositoryId, 'fsck', '--no-progress', '--strict')).toBe('');
    });

    it('lists a submodule in GetFolder and refuses files inside or over it', async () => {
      // A gitlink made with git plumbing, as a push of a repository with a submodule would bring it.
      const treeLines = `${git(repositoryId, 'ls-tree', 'dev')}160000 commit ${tip}\tvendor\n`;
      const tree = bareGit(server, repositoryId, ['mktree'], { input: treeLines }).trim();
      const commit = bareGit(server, repositoryId, ['commit-tree', tree, '-p', tip, '-m', 'submodule'], {
        env: { GIT_AUTHOR_NAME: 'g', GIT_AUTHOR_EMAIL: 'g@x', GIT_COMMITTER_NAME: 'g', GIT_COMMITTER_EMAIL: 'g@x' },
      }).trim();
      git(repositoryId, 'update-ref', 'refs/heads/dev', commit, tip);
      tip = commit;
      const root = await cc.send(new GetFolderCommand({ repositoryName: 'create-commit', folderPath: '/', commitSpecifier: 'dev' }));
      expect(root.subModules).toEqual([{ commitId: git(repositoryId, 'rev-parse', 'dev^').trim(), absolutePath: 'vendor', relativePath: 'vendor' }]);
      await expectAwsError(cc.send(new CreateCommitCommand(input({ putFiles: [{ filePath: 'vendor/x.txt', fileContent: text('1') }] }))), {
        code: 'FilePathConflictsWithSubmodulePathException',
        status: 400,
      });
      await expectAwsError(cc.send(new CreateCommitCommand(input({ putFiles: [{ filePath: 'vendor', fileContent: text('1') }] }))), {
        code: 'FilePathConflictsWithSubmodulePathException',
        status: 400,
      });
      await expectAwsError(cc.send(new GetFileCommand({ repositoryName: 'create-commit', filePath: 'vendor', commitSpecifier: 'dev' })), { code: 'FileDoesNotExistException', status: 400 });
      expect(git(repositoryId, 'rev-parse', 'dev').trim()).toBe(tip);
    });

    it('refuses to read a blob over 6 MB that a git push brought in', async () => {
      const big = bareGit(server, repositoryId, ['hash-object', '-w', '--stdin'], { input: Buffer.alloc(6 * 1024 * 1024 + 1, 97) }).trim();
      await expectAwsError(cc.send(new GetBlobCommand({ repositoryName: 'create-commit', blobId: big })), { code: 'FileTooLargeException', status: 400 });
    });

    it('takes up to 100 file changes in one commit', async () => {
      const made = await cc.send(new CreateCommitCommand(input({ putFiles: Array.from({ length: 100 }, (_, i) => ({ filePath: `many/f${i}.txt`, fileContent: text(`file ${i}`) })) })));
      expect(made.filesAdded).toHaveLength(100);
      expect(git(repositoryId, 'show', 'dev:many/f42.txt')).toBe('file 42');
      tip = made.commitId!;
    });

    it('refuses a branch name that is a tag when the branch does not exist', async () => {
      git(repositoryId, 'update-ref', 'refs/tags/v1', tip);
      await expectAwsError(cc.send(new CreateCommitCommand(input({ branchName: 'v1', putFiles: [{ filePath: 'a', fileContent: text('1') }] }))), { code: 'BranchNameIsTagNameException', status: 400 });
      git(repositoryId, 'update-ref', '-d', 'refs/tags/v1');
    });
  });

  describe('DeleteFile', () => {
    let repositoryId: string;
    let tip: string;

    beforeAll(async () => {
      repositoryId = await createRepository('delete-file');
      tip = (
        await cc.send(
          new CreateCommitCommand({
            repositoryName: 'delete-file',
            branchName: 'main',
            putFiles: [
              { filePath: 'keep/a.txt', fileContent: text('a') },
              { filePath: 'gone/b.txt', fileContent: text('b') },
              { filePath: 'top.txt', fileContent: text('t') },
            ],
          }),
        )
      ).commitId!;
    });

    it('deletes a file, removing its emptied folder, and answers with the deleted blob', async () => {
      const blob = git(repositoryId, 'rev-parse', 'main:gone/b.txt').trim();
      const deleted = await cc.send(new DeleteFileCommand({ repositoryName: 'delete-file', branchName: 'main', filePath: 'gone/b.txt', parentCommitId: tip, commitMessage: 'drop b' }));
      expect(deleted).toMatchObject({ blobId: blob, filePath: 'gone/b.txt' });
      expect(git(repositoryId, 'ls-tree', '-r', '--name-only', 'main').split('\n').filter(Boolean)).toEqual(['keep/a.txt', 'top.txt']);
      expect(git(repositoryId, 'log', '-1', '--format=%s', 'main').trim()).toBe('drop b');
      tip = deleted.commitId!;
    });

    it('keeps the emptied folder with a .gitkeep when asked', async () => {
      const deleted = await cc.send(new DeleteFileCommand({ repositoryName: 'delete-file', branchName: 'main', filePath: 'keep/a.txt', parentCommitId: tip, keepEmptyFolders: true }));
      expect(git(repositoryId, 'ls-tree', '-r', '--name-only', 'main').split('\n').filter(Boolean)).toEqual(['keep/.gitkeep', 'top.txt']);
      tip = deleted.commitId!;
    });

    it('refuses bad deletes', async () => {
      const base = { repositoryName: 'delete-file', branchName: 'main', filePath: 'top.txt', parentCommitId: tip };
      await expectAwsError(cc.send(new DeleteFileCommand({ ...base, filePath: 'nope.txt' })), { code: 'FileDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new DeleteFileCommand({ ...base, filePath: 'keep' })), { code: 'FileDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new DeleteFileCommand({ ...base, parentCommitId: undefined as unknown as string })), { code: 'ParentCommitIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new DeleteFileCommand({ ...base, parentCommitId: git(repositoryId, 'rev-parse', 'main^').trim() })), { code: 'ParentCommitIdOutdatedException', status: 400 });
      await expectAwsError(cc.send(new DeleteFileCommand({ ...base, filePath: '/../top.txt' })), { code: 'InvalidPathException', status: 400 });
      await expectAwsError(cc.send(new DeleteFileCommand({ ...base, branchName: 'nope' })), { code: 'BranchDoesNotExistException', status: 400 });
      expect(git(repositoryId, 'rev-parse', 'main').trim()).toBe(tip);
    });
  });

  describe('reading commits, folders, blobs, differences and history', () => {
    let c1: string;
    let c2: string;
    let c3: string;
    let readerId: string;

    beforeAll(async () => {
      readerId = await createRepository('reader');
      c1 = (
        await cc.send(
          new CreateCommitCommand({
            repositoryName: 'reader',
            branchName: 'main',
            commitMessage: 'one',
            putFiles: [
              { filePath: 'README.md', fileContent: text('v1') },
              { filePath: 'src/a.txt', fileContent: text('a1') },
              { filePath: 'src/b.txt', fileContent: text('b1') },
              { filePath: 'src/deep/c.txt', fileContent: text('c1') },
              { filePath: 'src/run', fileContent: text('#!'), fileMode: 'EXECUTABLE' },
              { filePath: 'src/link', fileContent: text('a.txt'), fileMode: 'SYMLINK' },
            ],
          }),
        )
      ).commitId!;
      c2 = (
        await cc.send(
          new CreateCommitCommand({
            repositoryName: 'reader',
            branchName: 'main',
            parentCommitId: c1,
            commitMessage: 'two',
            putFiles: [
              { filePath: 'README.md', fileContent: text('v2') },
              { filePath: 'src/new.txt', fileContent: text('n') },
            ],
            deleteFiles: [{ filePath: 'src/b.txt' }],
          }),
        )
      ).commitId!;
      c3 = (await cc.send(new PutFileCommand({ repositoryName: 'reader', branchName: 'main', parentCommitId: c2, filePath: 'other.txt', fileContent: text('o') }))).commitId!;
    });

    it('BatchGetCommits answers found commits and per-id errors', async () => {
      const got = await cc.send(new BatchGetCommitsCommand({ repositoryName: 'reader', commitIds: [c1, c2, 'f'.repeat(40), 'abc123'] }));
      expect(got.commits?.map((c) => [c.commitId, c.message])).toEqual([
        [c1, 'one'],
        [c2, 'two'],
      ]);
      expect(got.commits?.[1].parents).toEqual([c1]);
      expect(got.errors).toEqual([
        expect.objectContaining({ commitId: 'f'.repeat(40), errorCode: 'CommitIdDoesNotExistException' }),
        expect.objectContaining({ commitId: 'abc123', errorCode: 'InvalidCommitIdException' }),
      ]);
      await expectAwsError(cc.send(new BatchGetCommitsCommand({ repositoryName: 'reader', commitIds: [] })), { code: 'CommitIdsListRequiredException', status: 400 });
      await expectAwsError(cc.send(new BatchGetCommitsCommand({ repositoryName: 'reader', commitIds: Array(101).fill(c1) })), { code: 'CommitIdsLimitExceededException', status: 400 });
      await expectAwsError(cc.send(new BatchGetCommitsCommand({ repositoryName: 'nope', commitIds: [c1] })), { code: 'RepositoryDoesNotExistException', status: 400 });
    });

    it('GetCommit refuses missing, malformed and unknown ids', async () => {
      await expectAwsError(cc.send(new GetCommitCommand({ repositoryName: 'reader', commitId: '' })), { code: 'CommitIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetCommitCommand({ repositoryName: 'reader', commitId: 'main' })), { code: 'InvalidCommitIdException', status: 400 });
      await expectAwsError(cc.send(new GetCommitCommand({ repositoryName: 'reader', commitId: 'f'.repeat(40) })), { code: 'CommitIdDoesNotExistException', status: 400 });
      const tree = (await cc.send(new GetCommitCommand({ repositoryName: 'reader', commitId: c1 }))).commit!.treeId!;
      await expectAwsError(cc.send(new GetCommitCommand({ repositoryName: 'reader', commitId: tree })), { code: 'CommitIdDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetCommitCommand({ repositoryName: 'bad name!', commitId: c1 })), { code: 'InvalidRepositoryNameException', status: 400 });
    });

    it('GetFolder lists files, folders and symbolic links of the root and of sub-folders', async () => {
      const root = await cc.send(new GetFolderCommand({ repositoryName: 'reader', folderPath: '/' }));
      expect(root).toMatchObject({ commitId: c3, folderPath: '' });
      expect(root.files?.map((f) => f.absolutePath)).toEqual(['README.md', 'other.txt']);
      expect(root.subFolders).toEqual([expect.objectContaining({ absolutePath: 'src', relativePath: 'src' })]);
      const src = await cc.send(new GetFolderCommand({ repositoryName: 'reader', folderPath: 'src', commitSpecifier: c1 }));
      expect(src.treeId).toBe(git(readerId, 'rev-parse', `${c1}:src`).trim());
      expect(src.files?.map((f) => [f.absolutePath, f.relativePath, f.fileMode])).toEqual([
        ['src/a.txt', 'a.txt', 'NORMAL'],
        ['src/b.txt', 'b.txt', 'NORMAL'],
        ['src/run', 'run', 'EXECUTABLE'],
      ]);
      expect(src.symbolicLinks).toEqual([expect.objectContaining({ absolutePath: 'src/link', relativePath: 'link', fileMode: 'SYMLINK' })]);
      expect(src.subFolders?.map((f) => f.absolutePath)).toEqual(['src/deep']);
      expect(src.subModules).toEqual([]);
      await expectAwsError(cc.send(new GetFolderCommand({ repositoryName: 'reader', folderPath: 'nope' })), { code: 'FolderDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetFolderCommand({ repositoryName: 'reader', folderPath: 'README.md' })), { code: 'FolderDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetFolderCommand({ repositoryName: 'reader', folderPath: '' })), { code: 'PathRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetFolderCommand({ repositoryName: 'reader', folderPath: 'src/../..' })), { code: 'InvalidPathException', status: 400 });
      await expectAwsError(cc.send(new GetFolderCommand({ repositoryName: 'reader', folderPath: 'src', commitSpecifier: 'no-such-branch' })), { code: 'CommitDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetFolderCommand({ repositoryName: 'reader', folderPath: 'src', commitSpecifier: '--output=/tmp/x' })), { code: 'InvalidCommitException', status: 400 });
    });

    it('GetFile and GetBlob read content and refuse what is not a file', async () => {
      const file = await cc.send(new GetFileCommand({ repositoryName: 'reader', filePath: 'src/link', commitSpecifier: c1 }));
      expect(file).toMatchObject({ fileMode: 'SYMLINK', fileSize: 5 });
      const blob = await cc.send(new GetBlobCommand({ repositoryName: 'reader', blobId: file.blobId }));
      expect(Buffer.from(blob.content!).toString()).toBe('a.txt');
      await expectAwsError(cc.send(new GetFileCommand({ repositoryName: 'reader', filePath: 'src/b.txt' })), { code: 'FileDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetFileCommand({ repositoryName: 'reader', filePath: 'src' })), { code: 'FileDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetFileCommand({ repositoryName: 'reader', filePath: '' })), { code: 'PathRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetFileCommand({ repositoryName: 'reader', filePath: '.git/config' })), { code: 'InvalidPathException', status: 400 });
      await expectAwsError(cc.send(new GetFileCommand({ repositoryName: 'reader', filePath: 'README.md', commitSpecifier: 'e'.repeat(40) })), { code: 'CommitDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetBlobCommand({ repositoryName: 'reader', blobId: '' })), { code: 'BlobIdRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetBlobCommand({ repositoryName: 'reader', blobId: 'xyz' })), { code: 'InvalidBlobIdException', status: 400 });
      await expectAwsError(cc.send(new GetBlobCommand({ repositoryName: 'reader', blobId: 'e'.repeat(40) })), { code: 'BlobIdDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetBlobCommand({ repositoryName: 'reader', blobId: c1 })), { code: 'BlobIdDoesNotExistException', status: 400 });
    });

    it('GetDifferences compares commits, limits to a path and pages', async () => {
      const diff = await cc.send(new GetDifferencesCommand({ repositoryName: 'reader', beforeCommitSpecifier: c1, afterCommitSpecifier: c2 }));
      expect(diff.differences?.map((d) => [d.changeType, d.beforeBlob?.path, d.afterBlob?.path])).toEqual([
        ['M', 'README.md', 'README.md'],
        ['D', 'src/b.txt', undefined],
        ['A', undefined, 'src/new.txt'],
      ]);
      expect(diff.differences?.[0].afterBlob?.mode).toBe('100644');
      expect(diff.NextToken).toBeUndefined();

      const all = await cc.send(new GetDifferencesCommand({ repositoryName: 'reader', afterCommitSpecifier: c1 }));
      expect(all.differences?.every((d) => d.changeType === 'A')).toBe(true);
      expect(all.differences).toHaveLength(6);

      const paged: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await cc.send(new GetDifferencesCommand({ repositoryName: 'reader', afterCommitSpecifier: 'main', MaxResults: 2, NextToken }));
        expect(page.differences!.length).toBeLessThanOrEqual(2);
        paged.push(...page.differences!.map((d) => d.afterBlob!.path!));
        NextToken = page.NextToken;
      } while (NextToken);
      expect(paged).toEqual(['README.md', 'other.txt', 'src/a.txt', 'src/deep/c.txt', 'src/link', 'src/new.txt', 'src/run']);

      const src = await cc.send(new GetDifferencesCommand({ repositoryName: 'reader', beforeCommitSpecifier: c1, afterCommitSpecifier: 'main', afterPath: 'src' }));
      expect(src.differences?.map((d) => d.changeType)).toEqual(['D', 'A']);

      await expectAwsError(cc.send(new GetDifferencesCommand({ repositoryName: 'reader', afterCommitSpecifier: '' })), { code: 'CommitRequiredException', status: 400 });
      await expectAwsError(cc.send(new GetDifferencesCommand({ repositoryName: 'reader', afterCommitSpecifier: 'nope' })), { code: 'CommitDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetDifferencesCommand({ repositoryName: 'reader', afterCommitSpecifier: 'main', afterPath: 'nope' })), { code: 'PathDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetDifferencesCommand({ repositoryName: 'reader', afterCommitSpecifier: 'main', MaxResults: 0 })), { code: 'InvalidMaxResultsException', status: 400 });
      await expectAwsError(cc.send(new GetDifferencesCommand({ repositoryName: 'reader', afterCommitSpecifier: 'main', NextToken: 'garbage' })), {
        code: 'InvalidContinuationTokenException',
        status: 400,
      });
      await expectAwsError(cc.send(new GetDifferencesCommand({ repositoryName: 'reader', afterCommitSpecifier: 'main', afterPath: '../etc' })), { code: 'InvalidPathException', status: 400 });
    });

    it('ListFileCommitHistory lists the commits that changed a file, newest first, with their children', async () => {
      const history = await cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: 'README.md' }));
      expect(history.revisionDag?.map((v) => [v.commit?.commitId, v.path])).toEqual([
        [c2, 'README.md'],
        [c1, 'README.md'],
      ]);
      expect(history.revisionDag?.[1].revisionChildren).toEqual([c2]);
      expect(history.revisionDag?.[0].revisionChildren).toEqual([]);
      expect(history.revisionDag?.[0].blobId).toBe((await cc.send(new GetFileCommand({ repositoryName: 'reader', filePath: 'README.md' }))).blobId);
      const first = await cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: 'README.md', maxResults: 1 }));
      expect(first.revisionDag).toHaveLength(1);
      const second = await cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: 'README.md', maxResults: 1, nextToken: first.nextToken }));
      expect(second.revisionDag?.[0].commit?.commitId).toBe(c1);
      expect(second.nextToken).toBeUndefined();
      await expectAwsError(cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: 'README.md', maxResults: -1 })), { code: 'InvalidMaxResultsException', status: 400 });
      await expectAwsError(cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: 'README.md', nextToken: 'bad' })), {
        code: 'InvalidContinuationTokenException',
        status: 400,
      });
      await expectAwsError(cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: 'README.md', commitSpecifier: 'nope' })), {
        code: 'CommitDoesNotExistException',
        status: 400,
      });
      await expectAwsError(cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: '' })), { code: 'PathRequiredException', status: 400 });
      await expectAwsError(cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: 'a/../../b' })), { code: 'InvalidPathException', status: 400 });
      const never = await cc.send(new ListFileCommitHistoryCommand({ repositoryName: 'reader', filePath: 'never/existed.txt' }));
      expect(never.revisionDag).toEqual([]);
    });

    it('reads nothing from an empty repository', async () => {
      await createRepository('empty');
      await expectAwsError(cc.send(new GetFileCommand({ repositoryName: 'empty', filePath: 'README.md' })), { code: 'CommitDoesNotExistException', status: 400 });
      await expectAwsError(cc.send(new GetFolderCommand({ repositoryName: 'empty', folderPath: '/' })), { code: 'CommitDoesNotExistException', status: 400 });
    });
  });
});
