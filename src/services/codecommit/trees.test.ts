import { describe, expect, it } from 'vitest';
import { AwsError } from '../../core/errors.js';
import { offsetToken, pageSize, readOffsetToken } from './paging.js';
import { checkFileMode, normalizePath, parseLsTree } from './trees.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AwsError ? err.code : String(err);
  }
  return undefined;
}

describe('CodeCommit repository paths', () => {
  it('normalizes one leading slash away and keeps ordinary names', () => {
    expect(normalizePath('/docs/README.md')).toBe('docs/README.md');
    expect(normalizePath('a b/ümlaut.txt')).toBe('a b/ümlaut.txt');
    expect(normalizePath('.github/workflows/ci.yml')).toBe('.github/workflows/ci.yml');
    expect(normalizePath('/', { folder: true })).toBe('');
    expect(normalizePath('src/', { folder: true })).toBe('src');
  });

  it('refuses every way out of the repository or into .git', () => {
    for (const path of ['..', '../x', 'a/../../x', 'a/./b', '.git', '.GIT/config', 'x/.git/hooks/post-receive', '//etc/passwd', 'a//b', 'a/\u0000b', 'a\nb', 'dir/', '/']) {
      expect(
        code(() => normalizePath(path)),
        path,
      ).toBe('InvalidPathException');
    }
    expect(code(() => normalizePath(''))).toBe('PathRequiredException');
    expect(code(() => normalizePath(undefined))).toBe('PathRequiredException');
    expect(code(() => normalizePath(42))).toBe('InvalidPathException');
  });
});

describe('CodeCommit request values', () => {
  it('accepts the three file modes only', () => {
    expect(checkFileMode(undefined)).toBeUndefined();
    expect(checkFileMode('SYMLINK')).toBe('SYMLINK');
    expect(code(() => checkFileMode('normal'))).toBe('InvalidFileModeException');
  });

  it('binds continuation tokens to their listing', () => {
    const token = offsetToken(5, 'scope-a');
    expect(readOffsetToken(token, 'scope-a')).toBe(5);
    expect(readOffsetToken(undefined, 'scope-a')).toBe(0);
    expect(code(() => readOffsetToken(token, 'scope-b'))).toBe('InvalidContinuationTokenException');
    expect(code(() => readOffsetToken('%%%', 'scope-a'))).toBe('InvalidContinuationTokenException');
    expect(code(() => readOffsetToken(Buffer.from('{"offset":-1,"scope":"scope-a"}').toString('base64url'), 'scope-a'))).toBe('InvalidContinuationTokenException');
  });

  it('takes positive integers as page sizes', () => {
    expect(pageSize(undefined, 100)).toBe(100);
    expect(pageSize(3, 100)).toBe(3);
    expect(pageSize(300, 100, 200)).toBe(200);
    for (const bad of [0, -1, 1.5]) expect(code(() => pageSize(bad, 100))).toBe('InvalidMaxResultsException');
  });

  it('parses ls-tree -z output with sizes, tabs and spaces in names', () => {
    const raw = Buffer.from('100644 blob aaaa     12\tname with space\u0000040000 tree bbbb       -\tsrc\u0000160000 commit cccc       -\tvendor\u0000');
    const entries = parseLsTree(raw, 'p/');
    expect([...entries.keys()]).toEqual(['p/name with space', 'p/src', 'p/vendor']);
    expect(entries.get('p/name with space')).toEqual({ mode: '100644', type: 'blob', id: 'aaaa', size: 12 });
    expect(entries.get('p/src')).toEqual({ mode: '040000', type: 'tree', id: 'bbbb' });
  });
});
