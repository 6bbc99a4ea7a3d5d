/**
 * The file globs of buildspecs (`artifacts.files`, `exclude-paths`, `reports.*.files`):
 * `*` and `?` stay inside one path segment, `**` spans any number of segments (`**\/*` is every
 * file below the base directory), `{a,b}` alternates, `[abc]` / `[!abc]` are character classes.
 * A leading `*` matches dot files too, as CodeBuild's `**\/*` collects `.env` and `.github/…`.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The RegExp matching a relative, `/`-separated path against one glob. */
export function globToRegExp(pattern: string): RegExp {
  const glob = pattern
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        const atSegmentStart = i === 0 || glob[i - 1] === '/';
        i++;
        while (glob[i + 1] === '*') i++;
        if (atSegmentStart && glob[i + 1] === '/') {
          // `**/` is zero or more whole directories.
          out += '(?:[^/]*/)*';
          i++;
        } else if (atSegmentStart && i + 1 === glob.length) {
          out += '.*';
        } else {
          // `a**b` inside a segment behaves as `*`, as in most shells.
          out += '[^/]*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) {
      out += '|';
    } else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
      } else {
        let body = glob.slice(i + 1, close);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
        i = close;
      }
    } else {
      out += ch.replace(/[.+^$()|\\\]}]/g, '\\$&');
    }
  }
  // An unbalanced `{` is taken literally rather than producing an invalid RegExp.
  if (braces > 0) return new RegExp(`^${escapeLiteral(glob)}$`);
  // A pattern naming a directory (`dist/`) means everything below it.
  if (glob.endsWith('/')) out += '.*';
  return new RegExp(`^${out}$`);
}

function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every file (and symbolic link, not followed) below `baseDir` whose path relative to it matches
 * one of `patterns` and none of `excludes`: sorted, `/`-separated relative paths. A missing base
 * directory matches nothing. Symbolic links are returned as entries so callers decide what
 * `enable-symlinks` means; walking never follows them, so a link cannot lead outside `baseDir`.
 */
export async function matchFiles(baseDir: string, patterns: string[], excludes: string[] = []): Promise<string[]> {
  const include = patterns.map(globToRegExp);
  const exclude = excludes.map(globToRegExp);
  const matched: string[] = [];
  try {
    if (!(await lstat(baseDir)).isDirectory()) return [];
  } catch {
    return [];
  }
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const rel = prefix + entry.name;
      if (entry.isDirectory()) {
        await walk(join(dir, entry.name), `${rel}/`);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && include.some((re) => re.test(rel)) && !exclude.some((re) => re.test(rel))) {
        matched.push(rel);
      }
    }
  };
  await walk(baseDir, '');
  return matched.sort();
}
