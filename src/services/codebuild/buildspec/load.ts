/**
 * Where a build's buildspec comes from and reading it: StartBuild's override or the project's,
 * inline text, an S3 object ARN, or a path relative to the checked-out source (default
 * buildspec.yml). The build runner and the batch orchestrator both read buildspecs here, and
 * parseBuildspec is the only YAML reader of buildspecs.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { Project } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../../core/accounts.js';
import { AwsError } from '../../../core/errors.js';
import { type Buildspec, BuildspecError, type CodeBuildContext } from '../common.js';
import { parseBuildspec } from './buildspec.js';

export type BuildspecLocation = { kind: 's3'; arn: string } | { kind: 'inline'; text: string } | { kind: 'file'; relative: string };

/** Inline buildspec text rather than a file path: YAML has a line break or a `key: ` on its first line. */
export function isInline(value: string): boolean {
  return /\n/.test(value.trim()) || /^\s*[\w-]+\s*:(\s|$)/.test(value);
}

/** Where the project (overrides applied) keeps its buildspec. */
/** An S3 object ARN in any partition (`arn:aws:s3:::`, `arn:aws-cn:s3:::` …), up to the bucket. */
const S3_OBJECT_ARN = /^arn:aws[a-z-]*:s3:::/;

export function buildspecLocation(project: Project): BuildspecLocation {
  const value = project.source?.buildspec?.trim() ? project.source.buildspec : undefined;
  if (value !== undefined && S3_OBJECT_ARN.test(value)) return { kind: 's3', arn: value };
  if (value !== undefined && isInline(value)) return { kind: 'inline', text: value };
  return { kind: 'file', relative: value ?? 'buildspec.yml' };
}

/**
 * Reads and parses the buildspec at `location`; a file is read from `srcDir` (never outside it).
 * `missing` words the error for a file that does not exist (the build's and the batch's differ, as AWS's do).
 */
export async function readBuildspec(
  c: CodeBuildContext,
  scope: Scope,
  location: BuildspecLocation,
  srcDir: string,
  missing: (path: string, relative: string) => string = (path) => `stat ${path}: no such file or directory`,
): Promise<Buildspec> {
  if (location.kind === 'inline') return parseBuildspec(location.text);
  if (location.kind === 's3') {
    const objectPath = location.arn.replace(S3_OBJECT_ARN, '');
    const slash = objectPath.indexOf('/');
    try {
      const object = c.rt.api('s3').getObject(scope, objectPath.slice(0, slash), objectPath.slice(slash + 1));
      const chunks: Buffer[] = [];
      for await (const chunk of object.body) chunks.push(Buffer.from(chunk as Buffer));
      return parseBuildspec(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      if (err instanceof AwsError) throw new BuildspecError(`Unable to get buildspec file ${location.arn}: ${err.code}: ${err.message}`);
      throw err;
    }
  }
  const relative = location.relative;
  const path = resolve(srcDir, relative);
  if (isAbsolute(relative) || (path !== srcDir && !path.startsWith(srcDir + sep))) {
    throw new BuildspecError(`YAML file does not exist: buildspec path ${relative} is outside the source directory`);
  }
  if (!existsSync(path)) throw new BuildspecError(missing(path, relative));
  return parseBuildspec(await readFile(path, 'utf8'));
}
