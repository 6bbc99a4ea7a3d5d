/**
 * What the CodeBuild files share: the service context and the contracts between the build runner
 * and the libraries it drives (buildspec, shell session, environment, sources, artifacts, cache,
 * reports). Each contract names the file that implements it.
 */
import type { Runtime } from '../../protocol/types.js';
import type { Build, Project } from '@aws-sdk/client-codebuild';

export interface CodeBuildContext {
  rt: Runtime;
}

/** Account and region a project or build lives in. */
export interface Scope {
  account: string;
  region: string;
}

/** Everything the runner knows about one build while it runs (built by runner.ts). */
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
}

// ---- buildspec.ts ----------------------------------------------------------------------------

export type PhaseName = 'install' | 'pre_build' | 'build' | 'post_build';

export interface BuildspecPhase {
  runAs?: string;
  onFailure: 'ABORT' | 'CONTINUE';
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
  fileFormat: string;
}

export interface Buildspec {
  version: '0.1' | '0.2';
  runAs?: string;
  env: {
    shell?: string;
    variables: Record<string, string>;
    parameterStore: Record<string, string>;
    secretsManager: Record<string, string>;
    exportedVariables: string[];
    gitCredentialHelper: boolean;
  };
  proxy?: { uploadArtifacts: boolean; logs: boolean };
  batch?: unknown;
  phases: Partial<Record<PhaseName, BuildspecPhase>>;
  /** Report group name or ARN → what to collect. */
  reports: Record<string, BuildspecReport>;
  artifacts?: BuildspecArtifactSet & { secondaryArtifacts: Record<string, BuildspecArtifactSet> };
  cache?: { paths: string[] };
}

/** A buildspec that does not parse or break the 0.2 rules; line and column are 1-based when known. */
export class BuildspecError extends Error {
  constructor(message: string, readonly line?: number, readonly column?: number) {
    super(message);
    this.name = 'BuildspecError';
  }
}
