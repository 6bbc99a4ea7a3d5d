/**
 * What the CodeBuild files share: the service context and the contracts between the build runner
 * and the libraries it drives (buildspec, shell session, environment, sources, artifacts, cache,
 * reports). Each contract names the file that implements it.
 */

import type { Build, Project } from '@aws-sdk/client-codebuild';
import type { Scope } from '../../core/accounts.js';
import type { Runtime } from '../contracts.js';
import { type CodeBuildStores, createStores } from './store/stores.js';

/** What every CodeBuild file works with: the runtime, the service's stores, built once, and its settings. */
export interface CodeBuildContext {
  rt: Runtime;
  stores: CodeBuildStores;
  /** What a build does when its buildspec asks for a runtime version this host lacks (engine/runtime-versions.ts). */
  runtimeVersions: RuntimeVersionsMode;
}

/** The context of one CodeBuild instance: each store constructed once, here. */
export function createContext(rt: Runtime): CodeBuildContext {
  return { rt, stores: createStores(rt.store), runtimeVersions: runtimeVersionsMode() };
}

/**
 * DRYDOCK_RUNTIME_VERSIONS: `aws` (the default) fails a build asking for a runtime version this
 * host lacks, as AWS fails one its image lacks; `host` runs it on the host's version and says so.
 */
export type RuntimeVersionsMode = 'aws' | 'host';

/** The setting, read when the service is created; any other value stops Drydock from starting. */
function runtimeVersionsMode(): RuntimeVersionsMode {
  const text = process.env.DRYDOCK_RUNTIME_VERSIONS;
  if (text === undefined || text === '' || text === 'aws') return 'aws';
  if (text === 'host') return 'host';
  throw new Error(`DRYDOCK_RUNTIME_VERSIONS must be "aws" (fail builds asking for a runtime version this host lacks, as AWS does) or "host" (run them on the host's version), got "${text}"`);
}

/** Everything the runner knows about one build while it runs (built by engine/build-lifecycle.ts). */
export interface BuildRun {
  scope: Scope;
  /** The build record as BatchGetBuilds returns it; the runner persists every change. */
  build: Build;
  /** The project as it was when the build started, with StartBuild's overrides applied. */
  project: Project;
  /** Host directory the build works in: `<workRoot>/src` is CODEBUILD_SRC_DIR. */
  workRoot: string;
  srcDir: string;
  /** Secondary sources: identifier → directory (CODEBUILD_SRC_DIR_<identifier>). */
  secondarySrcDirs: Record<string, string>;
  /** Appends a line to the build log (CloudWatch Logs / S3), after secret masking. */
  log(line: string): void;
  /** True once StopBuild or a timeout asked the build to end. */
  readonly stopping: boolean;
  /**
   * The build's environment as the commands left it (built-in, project and buildspec variables plus
   * what the commands exported), for artifact names computed after the build (uploadArtifacts).
   */
  env?: Record<string, string>;
  /**
   * Expands a buildspec artifact `name` as the Shell Command Language does (`$(date +%F)`,
   * `${VAR}`), in the build's shell session. Without it uploadArtifacts expands `$VAR` and `${VAR}`
   * from `env` only.
   */
  expand?(text: string): Promise<string>;
}

// ---- buildspec.ts ----------------------------------------------------------------------------

export type PhaseName = 'install' | 'pre_build' | 'build' | 'post_build';

export interface BuildspecPhase {
  runAs?: string;
  /**
   * on-failure. Absent: AWS's phase transitions decide what follows a failure (post_build still runs
   * after a failed build phase). ABORT ends the build after this phase; CONTINUE goes on to the next
   * phase (the build still ends FAILED); RETRY runs the phase again (see `retry`).
   */
  onFailure?: 'ABORT' | 'CONTINUE' | 'RETRY';
  /** RETRY, RETRY-count, RETRY-regex, RETRY-count-regex: extra attempts (0–100, default 3) and the error pattern. */
  retry?: { limit: number; pattern?: string };
  /** install only: runtime name → version as written (`nodejs: 20`, `python: 3.x`, `ruby: "$MY_VAR"`). */
  runtimeVersions: Record<string, string>;
  commands: string[];
  finally: string[];
}

export interface BuildspecArtifactSet {
  files: string[];
  name?: string;
  discardPaths: boolean;
  baseDirectory?: string;
  excludePaths: string[];
  enableSymlinks: boolean;
  s3Prefix?: string;
}

export interface BuildspecReport {
  files: string[];
  baseDirectory?: string;
  discardPaths: boolean;
  /** Upper-cased: JUNITXML (default), CUCUMBERJSON, NUNITXML, NUNIT3XML, TESTNGXML, VISUALSTUDIOTRX, CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV. */
  fileFormat: string;
}

/** A key the buildspec language does not know: AWS ignores it; the runner may tell the user. */
export interface BuildspecWarning {
  message: string;
  line?: number;
  column?: number;
}

export interface Buildspec {
  version: '0.1' | '0.2';
  runAs?: string;
  env: {
    /** `bash`, `/bin/sh` (Linux), `powershell.exe`, `cmd.exe` (Windows). */
    shell?: string;
    variables: Record<string, string>;
    parameterStore: Record<string, string>;
    secretsManager: Record<string, string>;
    exportedVariables: string[];
    gitCredentialHelper: boolean;
  };
  proxy?: { uploadArtifacts: boolean; logs: boolean };
  /** The batch section as plain data (YAML 1.1 scalars: yes/no are booleans), for the batch engine. */
  batch?: unknown;
  phases: Partial<Record<PhaseName, BuildspecPhase>>;
  /** Report group name or ARN → what to collect. */
  reports: Record<string, BuildspecReport>;
  artifacts?: BuildspecArtifactSet & { secondaryArtifacts: Record<string, BuildspecArtifactSet> };
  cache?: { paths: string[]; key?: string; fallbackKeys: string[]; action?: 'restore' | 'save' };
  warnings: BuildspecWarning[];
}

// ---- failures a build reports in its phase contexts ------------------------------------------

/**
 * A problem the build reports as its phase's context (`CLIENT_ERROR: repository not found …`,
 * `YAML_FILE_ERROR: …`) and that fails the build, as opposed to a Drydock fault. Thrown by the
 * source, environment, artifacts and cache libraries; the runner records it on the current phase.
 */
export class BuildPhaseError extends Error {
  constructor(
    readonly statusCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'BuildPhaseError';
  }
}

/**
 * A buildspec that does not parse or breaks the buildspec rules: the build fails in DOWNLOAD_SOURCE
 * with phase context `{statusCode: 'YAML_FILE_ERROR', message}`. The message is AWS's wording
 * (with "at line L, columnNumber C" where AWS gives a position); line and column are 1-based.
 * (Declared after BuildPhaseError, which it extends.)
 */
export class BuildspecError extends BuildPhaseError {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super('YAML_FILE_ERROR', message);
    this.name = 'BuildspecError';
  }
}

// ---- source.ts, artifacts.ts, cache.ts (the runner calls these) ---------------------------------
//
// fetchSources(c: CodeBuildContext, run: BuildRun): Promise<SourceResult>
//   Checks out the primary source into run.srcDir and secondary sources into run.secondarySrcDirs
//   (CODECOMMIT through rt.api('codecommit').checkout, S3 zip or folder,
//   NO_SOURCE, CODEPIPELINE input artifacts); throws BuildPhaseError('CLIENT_ERROR', …).
// uploadArtifacts(c, run, spec: Buildspec['artifacts'] | undefined): Promise<ArtifactsResult>
// restoreCache(c, run, paths: string[]): Promise<void>; saveCache(c, run, paths: string[]): Promise<void>

export interface SourceResult {
  resolvedSourceVersion?: string;
  secondarySourceVersions: { sourceIdentifier: string; sourceVersion: string }[];
}

export interface ArtifactsResult {
  /** The build record's `artifacts` (location ARN, sha256sum, md5sum, overrideArtifactName …). */
  artifacts?: import('@aws-sdk/client-codebuild').BuildArtifacts;
  secondaryArtifacts: import('@aws-sdk/client-codebuild').BuildArtifacts[];
}
