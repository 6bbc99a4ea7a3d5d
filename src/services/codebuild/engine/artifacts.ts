/**
 * UPLOAD_ARTIFACTS: the buildspec's `artifacts` (and `secondary-artifacts`) uploaded where the
 * project's ProjectArtifacts say, with AWS's layout:
 *
 * - S3, packaging ZIP: one object `<path>/<build-id if BUILD_ID>/<name>`; packaging NONE: every file
 *   below the folder `<path>/<build-id if BUILD_ID>/<name>/`. `name` "/" drops the name segment;
 *   with namespaceType BUILD_ID the buildspec's `s3-prefix` replaces `path`. The build id in the key
 *   is the build's UUID (the part after `<project>:`).
 * - overrideArtifactName: the buildspec `name`, expanded by the build's shell (run.expand) or, when
 *   the runner gives none, `$VAR`/`${VAR}` from run.env.
 * - files: globs relative to `base-directory` (default CODEBUILD_SRC_DIR), minus `exclude-paths`;
 *   `discard-paths` keeps only file names; symbolic links are followed unless `enable-symlinks` and
 *   packaging ZIP, which store them as links.
 * - CODEPIPELINE: a zip at the run's `project.artifacts.location` (`bucket/key`), the output artifact
 *   location CodePipeline passes to the build; none when the action has no output artifact.
 *
 * A build record's artifacts give the object's ARN and, for ZIP packaging only (as AWS documents),
 * its SHA-256 and MD5. Artifacts never encrypt (encryptionDisabled is only reported back).
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve, sep } from 'node:path';
import type { BuildArtifacts, ProjectArtifacts } from '@aws-sdk/client-codebuild';
import { partitionOf } from '../../../core/arn.js';
import { AwsError } from '../../../core/errors.js';
import { type ArtifactsResult, BuildPhaseError, type BuildRun, type Buildspec, type BuildspecArtifactSet, type CodeBuildContext } from '../common.js';
import { globToRegExp, matchFiles } from '../glob.js';
import { createZip, entryFromFile, type ZipEntry } from './zip.js';

export async function uploadArtifacts(c: CodeBuildContext, run: BuildRun, spec: Buildspec['artifacts'] | undefined): Promise<ArtifactsResult> {
  const primary = run.project.artifacts ?? { type: 'NO_ARTIFACTS' };
  // The primary artifact takes the buildspec's top-level files, or the secondary-artifacts entry its identifier names.
  const primarySet = spec?.files.length ? spec : primary.artifactIdentifier ? (spec?.secondaryArtifacts[primary.artifactIdentifier] ?? spec) : spec;
  const artifacts = await uploadOne(c, run, primary, primarySet, 'primary artifact');
  const secondaryArtifacts: BuildArtifacts[] = [];
  for (const artifact of run.project.secondaryArtifacts ?? []) {
    const id = artifact.artifactIdentifier!;
    const set = spec?.secondaryArtifacts[id];
    if (!set && artifact.type !== 'NO_ARTIFACTS') {
      throw new BuildPhaseError('CLIENT_ERROR', `no definition for secondary artifact ${id} in buildspec`);
    }
    secondaryArtifacts.push(await uploadOne(c, run, artifact, set, `secondary artifact ${id}`));
  }
  return { artifacts, secondaryArtifacts };
}

async function uploadOne(c: CodeBuildContext, run: BuildRun, artifact: ProjectArtifacts, set: BuildspecArtifactSet | undefined, label: string): Promise<BuildArtifacts> {
  const identity = {
    ...(artifact.overrideArtifactName !== undefined ? { overrideArtifactName: artifact.overrideArtifactName } : {}),
    ...(artifact.encryptionDisabled !== undefined ? { encryptionDisabled: artifact.encryptionDisabled } : {}),
    ...(artifact.artifactIdentifier !== undefined ? { artifactIdentifier: artifact.artifactIdentifier } : {}),
    ...(artifact.bucketOwnerAccess !== undefined ? { bucketOwnerAccess: artifact.bucketOwnerAccess } : {}),
  };
  // AWS's build record for a build without output: an empty location.
  if (artifact.type === 'NO_ARTIFACTS') return { location: '', ...identity };
  // A pipeline action without output artifacts passes no location: the build uploads nothing, as on AWS.
  if (artifact.type === 'CODEPIPELINE' && !artifact.location) return { location: '', ...identity };

  const zip = artifact.type === 'CODEPIPELINE' || artifact.packaging === 'ZIP';
  const entries = await collect(run, set, zip);
  const s3 = c.rt.api('s3');
  const put = async (bucket: string, key: string, body: Buffer) => {
    try {
      await s3.putObject(run.scope, bucket, key, body, zip ? { contentType: 'application/zip' } : {});
    } catch (err) {
      if (err instanceof AwsError) throw new BuildPhaseError('CLIENT_ERROR', `error while uploading ${label} to s3://${bucket}/${key}: ${err.code}: ${err.message}`);
      throw err;
    }
  };

  let bucket: string;
  let key: string;
  if (artifact.type === 'CODEPIPELINE') {
    const location = artifact.location ?? '';
    const slash = location.indexOf('/');
    if (slash <= 0 || slash === location.length - 1) throw new BuildPhaseError('CLIENT_ERROR', `no output artifact location was given for CODEPIPELINE ${label}`);
    bucket = location.slice(0, slash);
    key = location.slice(slash + 1);
  } else {
    bucket = artifact.location!;
    const name = await artifactName(run, artifact, set);
    const prefix = artifact.namespaceType === 'BUILD_ID' && set?.s3Prefix ? set.s3Prefix : artifact.path;
    const segments = [prefix, artifact.namespaceType === 'BUILD_ID' ? buildUuid(run) : undefined, name === '/' ? undefined : name];
    key = segments
      .filter((s): s is string => !!s)
      .map((s) => s.replace(/^\/+|\/+$/g, ''))
      .filter(Boolean)
      .join('/');
  }

  if (zip) {
    if (!key) throw new BuildPhaseError('CLIENT_ERROR', `${label} has no object name: a ZIP artifact needs a name or path`);
    const body = createZip(entries);
    await put(bucket, key, body);
    run.log(`[Container] Uploading ${label} (${entries.length} files, ZIP) to s3://${bucket}/${key}`);
    return {
      location: `arn:${partitionOf(run.scope.region)}:s3:::${bucket}/${key}`,
      sha256sum: createHash('sha256').update(body).digest('hex'),
      md5sum: createHash('md5').update(body).digest('hex'),
      ...identity,
    };
  }
  for (const entry of entries) await put(bucket, key ? `${key}/${entry.name}` : entry.name, Buffer.from(entry.data));
  run.log(`[Container] Uploading ${label} (${entries.length} files) to s3://${bucket}/${key}`);
  const partition = partitionOf(run.scope.region);
  return { location: key ? `arn:${partition}:s3:::${bucket}/${key}` : `arn:${partition}:s3:::${bucket}`, ...identity };
}

/** The files an artifact set names, as archive entries; CLIENT_ERROR when nothing matches. */
async function collect(run: BuildRun, set: BuildspecArtifactSet | undefined, zip: boolean): Promise<ZipEntry[]> {
  const noMatch = () => new BuildPhaseError('CLIENT_ERROR', 'no matching artifact paths found');
  if (!set || set.files.length === 0) throw noMatch();
  const entries = new Map<string, ZipEntry>();
  for (const base of await baseDirectories(run, set.baseDirectory)) {
    for (const file of await matchFiles(base, set.files, set.excludePaths)) {
      const name = set.discardPaths ? basename(file) : file;
      // Only a zip can hold a link; uploaded one by one, a link's target content is uploaded.
      const entry = await entryFromFile(join(base, file), name, set.enableSymlinks && zip);
      // Several base directories or discard-paths: a later file of the same name replaces an earlier one.
      if (entry) entries.set(name, entry);
    }
  }
  if (entries.size === 0) throw noMatch();
  return [...entries.values()];
}

/**
 * The directories `base-directory` names, inside CODEBUILD_SRC_DIR: one directory, or with a
 * pattern (`'my-build*'`) every matching directory, whose contents are merged as AWS documents.
 * Symbolic links are resolved, and whatever resolves outside the build's work directory is refused.
 */
async function baseDirectories(run: BuildRun, dir: string | undefined): Promise<string[]> {
  if (!dir) return [run.srcDir];
  const root = await realpath(run.workRoot);
  const inside = async (path: string): Promise<string | undefined> => {
    let real: string;
    try {
      real = await realpath(path);
      if (!(await lstat(real)).isDirectory()) return undefined;
    } catch {
      return undefined;
    }
    if (real !== root && !real.startsWith(root + sep)) throw new BuildPhaseError('CLIENT_ERROR', `base directory ${dir} is outside the build's work directory`);
    return real;
  };
  let candidates: string[];
  if (/[*?[{]/.test(dir) && !isAbsolute(dir)) {
    candidates = [run.srcDir];
    for (const segment of dir
      .replace(/^(\.\/)+/, '')
      .replace(/\/+$/, '')
      .split('/')) {
      const pattern = globToRegExp(segment);
      const next: string[] = [];
      for (const parent of candidates) {
        let names: string[];
        try {
          names = (await readdir(parent, { withFileTypes: true }))
            .filter((e) => e.isDirectory() || e.isSymbolicLink())
            .map((e) => e.name)
            .sort();
        } catch {
          names = [];
        }
        next.push(...names.filter((name) => pattern.test(name)).map((name) => join(parent, name)));
      }
      candidates = next;
    }
  } else {
    candidates = [isAbsolute(dir) ? dir : resolve(run.srcDir, dir)];
  }
  const found: string[] = [];
  for (const candidate of candidates) {
    const real = await inside(candidate);
    if (real) found.push(real);
  }
  if (found.length === 0) throw new BuildPhaseError('CLIENT_ERROR', `no matching base directory path found for ${dir}`);
  return found;
}

/** The object name: the buildspec's computed name when overrideArtifactName is set, else the project's. */
async function artifactName(run: BuildRun, artifact: ProjectArtifacts, set: BuildspecArtifactSet | undefined): Promise<string | undefined> {
  if (set?.name && (artifact.overrideArtifactName || artifact.name === undefined)) {
    const name = run.expand ? await run.expand(set.name) : expandVariables(set.name, run.env ?? {});
    if (name.trim()) return name.trim();
  }
  return artifact.name ?? artifact.artifactIdentifier;
}

/** `$VAR` and `${VAR}` from the build's environment (unset variables expand to nothing, as in sh). */
export function expandVariables(text: string, env: Record<string, string>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_, braced: string | undefined, bare: string | undefined) => env[(braced ?? bare)!] ?? '');
}

/** The UUID part of `<project>:<uuid>`: what AWS puts in keys for namespaceType BUILD_ID. */
function buildUuid(run: BuildRun): string {
  const id = run.build.id ?? '';
  return id.slice(id.lastIndexOf(':') + 1);
}
