import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globToRegExp, matchFiles } from './glob.js';

describe('buildspec globs', () => {
  it('keeps * and ? inside one segment and lets ** span directories', () => {
    const m = (glob: string, path: string) => globToRegExp(glob).test(path);
    expect(m('*.xml', 'a.xml')).toBe(true);
    expect(m('*.xml', 'dir/a.xml')).toBe(false);
    expect(m('**/*.xml', 'a.xml')).toBe(true);
    expect(m('**/*.xml', 'x/y/a.xml')).toBe(true);
    expect(m('**/*', '.hidden/file')).toBe(true);
    expect(m('reports/**/*', 'reports/a/b.xml')).toBe(true);
    expect(m('reports/**/*', 'other/a.xml')).toBe(false);
    expect(m('target/**', 'target/x/y')).toBe(true);
    expect(m('test-?.xml', 'test-1.xml')).toBe(true);
    expect(m('test-?.xml', 'test-12.xml')).toBe(false);
    expect(m('*.{xml,json}', 'a.json')).toBe(true);
    expect(m('*.{xml,json}', 'a.trx')).toBe(false);
    expect(m('[ab].txt', 'b.txt')).toBe(true);
    expect(m('[!ab].txt', 'b.txt')).toBe(false);
    expect(m('./dist/app.js', 'dist/app.js')).toBe(true);
    expect(m('dist/', 'dist/a/b.js')).toBe(true);
    expect(m('a.b', 'axb')).toBe(false);
    expect(m('{unbalanced', '{unbalanced')).toBe(true);
  });

  describe('matchFiles', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'drydock-glob-'));
      mkdirSync(join(dir, 'a/b'), { recursive: true });
      writeFileSync(join(dir, 'top.xml'), '');
      writeFileSync(join(dir, 'a/one.xml'), '');
      writeFileSync(join(dir, 'a/b/two.xml'), '');
      writeFileSync(join(dir, 'a/b/skip.log'), '');
      symlinkSync('/etc', join(dir, 'a/link'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('returns sorted relative files, excludes applied, links not followed', async () => {
      expect(await matchFiles(dir, ['**/*'])).toEqual(['a/b/skip.log', 'a/b/two.xml', 'a/link', 'a/one.xml', 'top.xml']);
      expect(await matchFiles(dir, ['**/*.xml'], ['a/b/**'])).toEqual(['a/one.xml', 'top.xml']);
      expect(await matchFiles(join(dir, 'a'), ['*.xml'])).toEqual(['one.xml']);
      expect(await matchFiles(join(dir, 'missing'), ['**/*'])).toEqual([]);
    });
  });
});
