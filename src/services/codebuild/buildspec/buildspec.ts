/**
 * The buildspec language (versions 0.1 and 0.2): YAML text → a checked Buildspec, or a
 * BuildspecError worded as CodeBuild's YAML_FILE_ERROR phase context.
 *
 * AWS's agent reads buildspecs with a Go YAML 1.1 decoder, and Drydock reads them the same way:
 * `yes`/`no`/`on`/`off` are booleans where a flag is expected; where a string is expected (commands,
 * variable values, versions of runtimes) the scalar's text is taken as written, so `1.10` stays
 * `1.10` and `yes` stays `yes`. Keys the language does not know are ignored, as AWS's decoder
 * ignores them, and reported in `warnings` with their position.
 */
import { createRequire } from 'node:module';
import type { LineCounter, Node, Pair, YAMLMap } from 'yaml';
import { type Buildspec, type BuildspecArtifactSet, BuildspecError, type BuildspecPhase, type BuildspecReport, type BuildspecWarning, type PhaseName } from '../common.js';

/** yaml is loaded with the first buildspec: importing it costs ~60 ms of server start-up. */
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

export const PHASE_NAMES: PhaseName[] = ['install', 'pre_build', 'build', 'post_build'];

/** Runtimes of CodeBuild's current standard Linux images (runtime-versions keys). */
export const RUNTIMES = ['dotnet', 'golang', 'java', 'nodejs', 'php', 'python', 'ruby'];

export const REPORT_FORMATS = ['JUNITXML', 'CUCUMBERJSON', 'NUNITXML', 'NUNIT3XML', 'TESTNGXML', 'VISUALSTUDIOTRX', 'CLOVERXML', 'COBERTURAXML', 'JACOCOXML', 'SIMPLECOV'];

const SHELLS = ['bash', '/bin/sh', 'powershell.exe', 'cmd.exe'];

/** The go-yaml wording AWS shows for the syntax errors the `yaml` package reports by code. */
const SYNTAX_MESSAGES: Record<string, string> = {
  TAB_AS_INDENT: 'found character that cannot start any token',
  BLOCK_AS_IMPLICIT_KEY: 'mapping values are not allowed in this context',
  MULTILINE_IMPLICIT_KEY: 'mapping values are not allowed in this context',
  UNEXPECTED_TOKEN: 'did not find expected key',
  BAD_INDENT: 'did not find expected key',
  MISSING_CHAR: "did not find expected ',' or ']'",
  BAD_SCALAR_START: 'found character that cannot start any token',
  MULTIPLE_DOCS: 'expected a single document in the stream',
};

type Kind = 'map' | 'sequence' | 'string' | 'bool';

class Reader {
  readonly warnings: BuildspecWarning[] = [];
  constructor(private readonly lines: LineCounter) {}

  position(node: Node | null | undefined): { line?: number; column?: number } {
    if (!node?.range) return {};
    const { line, col } = this.lines.linePos(node.range[0]);
    return { line, column: col };
  }

  fail(message: string, node?: Node | null): never {
    const { line, column } = this.position(node);
    throw new BuildspecError(line !== undefined ? `${message} at line ${line}, columnNumber ${column}` : message, line, column);
  }

  /** AWS's type error: `Expected Commands[0] to be of string type: found subkeys instead at line …`. */
  typeError(path: string, expected: Kind, node: Node | null | undefined): never {
    let found: string;
    if (yaml().isMap(node)) found = 'subkeys';
    else if (yaml().isSeq(node)) found = 'sequence';
    else if (!yaml().isScalar(node) || node.value === null) found = 'null';
    else found = typeof node.value === 'number' ? (Number.isInteger(node.value) ? 'int' : 'float') : typeof node.value === 'boolean' ? 'bool' : 'string';
    this.fail(`Expected ${path} to be of ${expected} type: found ${found} instead`, node);
  }

  isNull(node: Node | null | undefined): boolean {
    return node == null || (yaml().isScalar(node) && node.value === null);
  }

  map(node: Node | null | undefined, path: string): YAMLMap<unknown, unknown> | undefined {
    if (this.isNull(node)) return undefined;
    if (!yaml().isMap(node)) this.typeError(path, 'map', node);
    return node;
  }

  /** The pairs of a mapping by key text, warning about (and dropping) the keys not in `known`. */
  entries(node: YAMLMap<unknown, unknown> | undefined, where: string, known?: string[]): Map<string, Pair<unknown, unknown>> {
    const out = new Map<string, Pair<unknown, unknown>>();
    for (const pair of node?.items ?? []) {
      const keyNode = pair.key as Node | null;
      if (!yaml().isScalar(keyNode) || keyNode.value === null) this.fail(`Expected ${where} keys to be of string type`, keyNode ?? undefined);
      const key = keyNode.source ?? String(keyNode.value);
      if (known && !known.includes(key)) {
        const { line, column } = this.position(keyNode);
        this.warnings.push({ message: `Unknown key '${key}' in ${where} is ignored`, line, column });
        continue;
      }
      // Later duplicates win, as in AWS's decoder.
      out.set(key, pair);
    }
    return out;
  }

  /** A scalar as the text it was written as (quoted scalars: their value). */
  string(node: Node | null | undefined, path: string): string {
    if (!yaml().isScalar(node) || node.value === null) this.typeError(path, 'string', node);
    if (typeof node.value === 'string') return node.value;
    return node.source ?? String(node.value);
  }

  optionalString(node: Node | null | undefined, path: string): string | undefined {
    return this.isNull(node) ? undefined : this.string(node, path);
  }

  bool(node: Node | null | undefined, path: string): boolean {
    if (this.isNull(node)) return false;
    if (yaml().isScalar(node)) {
      if (typeof node.value === 'boolean') return node.value;
      // Quoted "yes"/"true" are accepted as AWS's string-typed flags accept them.
      const text = String(node.value).toLowerCase();
      if (['yes', 'true', 'on', 'y'].includes(text)) return true;
      if (['no', 'false', 'off', 'n'].includes(text)) return false;
    }
    this.typeError(path, 'bool', node);
  }

  /** A sequence of strings; a lone scalar counts as a one-item list, as AWS accepts for file lists. */
  strings(node: Node | null | undefined, path: string, loneScalar = false): string[] {
    if (this.isNull(node)) return [];
    if (loneScalar && yaml().isScalar(node)) return [this.string(node, path)];
    if (!yaml().isSeq(node)) this.typeError(path, 'sequence', node);
    return node.items.map((item, i) => this.string(item as Node, `${path}[${i}]`));
  }

  stringMap(node: Node | null | undefined, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    // An empty value is the empty string, as Go's decoder leaves a string it finds null.
    for (const [key, pair] of this.entries(this.map(node, path), path)) out[key] = this.isNull(pair.value as Node) ? '' : this.string(pair.value as Node, `${path}[${key}]`);
    return out;
  }
}

function value(entries: Map<string, Pair<unknown, unknown>>, key: string): Node | null | undefined {
  return entries.get(key)?.value as Node | null | undefined;
}

const ON_FAILURE = /^RETRY(?:-(\d+))?(?:-(.+))?$/is;

function parseOnFailure(r: Reader, node: Node): Pick<BuildspecPhase, 'onFailure' | 'retry'> {
  const text = r.string(node, 'OnFailure');
  const upper = text.toUpperCase();
  if (upper === 'ABORT' || upper === 'CONTINUE') return { onFailure: upper };
  const retry = ON_FAILURE.exec(text);
  if (retry) {
    const limit = retry[1] === undefined ? 3 : Number(retry[1]);
    if (limit > 100) r.fail(`Invalid on-failure value ${text}: the retry count must be between 0 and 100`, node);
    const pattern = retry[2];
    if (pattern !== undefined) {
      try {
        new RegExp(pattern);
      } catch {
        r.fail(`Invalid on-failure value ${text}: invalid regular expression`, node);
      }
    }
    return { onFailure: 'RETRY', retry: { limit, pattern } };
  }
  r.fail(`Invalid on-failure value ${text}: expected ABORT, CONTINUE, RETRY, RETRY-count, RETRY-regex or RETRY-count-regex`, node);
}

function parsePhase(r: Reader, name: PhaseName, node: Node | null | undefined): BuildspecPhase {
  const known = ['run-as', 'on-failure', 'commands', 'finally', ...(name === 'install' ? ['runtime-versions'] : [])];
  const e = r.entries(r.map(node, name), `phases/${name}`, known);
  const phase: BuildspecPhase = {
    runAs: r.optionalString(value(e, 'run-as'), 'RunAs'),
    runtimeVersions: {},
    commands: r.strings(value(e, 'commands'), 'Commands'),
    finally: r.strings(value(e, 'finally'), 'Finally'),
  };
  const onFailure = value(e, 'on-failure');
  if (!r.isNull(onFailure)) Object.assign(phase, parseOnFailure(r, onFailure!));
  const runtimes = value(e, 'runtime-versions');
  if (e.has('runtime-versions')) {
    const entries = r.entries(r.map(runtimes, 'RuntimeVersions'), 'runtime-versions');
    if (entries.size === 0) r.fail('At least one runtime version must be specified in runtime-versions', runtimes ?? (e.get('runtime-versions')!.key as Node));
    for (const [runtime, pair] of entries) {
      if (!RUNTIMES.includes(runtime)) r.fail(`Unknown runtime named '${runtime}'. This build image has the following runtimes: ${RUNTIMES.join(', ')}`, pair.key as Node);
      phase.runtimeVersions[runtime] = r.string(pair.value as Node, `RuntimeVersions[${runtime}]`);
    }
  }
  return phase;
}

function parseArtifactSet(r: Reader, node: Node | null | undefined, where: string, secondary: boolean): BuildspecArtifactSet & { secondaryArtifacts: Record<string, BuildspecArtifactSet> } {
  const known = ['files', 'name', 'discard-paths', 'base-directory', 'exclude-paths', 'enable-symlinks', 's3-prefix', ...(secondary ? [] : ['secondary-artifacts'])];
  const e = r.entries(r.map(node, 'Artifacts'), where, known);
  if (r.isNull(value(e, 'files')) && !(secondary === false && e.has('secondary-artifacts'))) r.fail(`Expected Files to be specified in ${where}`, node ?? undefined);
  const set = {
    files: r.strings(value(e, 'files'), 'Files', true),
    name: r.optionalString(value(e, 'name'), 'Name'),
    discardPaths: r.bool(value(e, 'discard-paths'), 'DiscardPaths'),
    baseDirectory: r.optionalString(value(e, 'base-directory'), 'BaseDirectory'),
    excludePaths: r.strings(value(e, 'exclude-paths'), 'ExcludePaths', true),
    enableSymlinks: r.bool(value(e, 'enable-symlinks'), 'EnableSymlinks'),
    s3Prefix: r.optionalString(value(e, 's3-prefix'), 'S3Prefix'),
    secondaryArtifacts: {} as Record<string, BuildspecArtifactSet>,
  };
  if (!secondary) {
    for (const [id, pair] of r.entries(r.map(value(e, 'secondary-artifacts'), 'SecondaryArtifacts'), 'secondary-artifacts')) {
      const { secondaryArtifacts: _nested, ...rest } = parseArtifactSet(r, pair.value as Node, `secondary-artifacts/${id}`, true);
      set.secondaryArtifacts[id] = rest;
    }
  }
  return set;
}

function parseReport(r: Reader, name: string, node: Node | null | undefined): BuildspecReport {
  const e = r.entries(r.map(node, 'Reports'), `reports/${name}`, ['files', 'base-directory', 'discard-paths', 'file-format']);
  if (r.isNull(value(e, 'files'))) r.fail(`Expected Files to be specified in reports/${name}`, node ?? undefined);
  const format = r.optionalString(value(e, 'file-format'), 'FileFormat')?.toUpperCase() ?? 'JUNITXML';
  if (!REPORT_FORMATS.includes(format)) r.fail(`Invalid report file format ${format} in reports/${name}. Valid formats are: ${REPORT_FORMATS.join(', ')}`, value(e, 'file-format'));
  return {
    files: r.strings(value(e, 'files'), 'Files', true),
    baseDirectory: r.optionalString(value(e, 'base-directory'), 'BaseDirectory'),
    discardPaths: r.bool(value(e, 'discard-paths'), 'DiscardPaths'),
    fileFormat: format,
  };
}

function parseVersion(r: Reader, node: Node | null | undefined): '0.1' | '0.2' {
  if (!yaml().isScalar(node) || node.value === null) r.fail('invalid buildspec version', node);
  const text = typeof node.value === 'string' ? node.value : (node.source ?? String(node.value));
  if (text !== '0.1' && text !== '0.2') r.fail('invalid buildspec version', node);
  return text;
}

export function parseBuildspec(text: string): Buildspec {
  const { LineCounter: Lines, parseDocument } = yaml();
  const lines = new Lines();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: false });
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const { line, col } = lines.linePos(err.pos[0]);
    const message = SYNTAX_MESSAGES[err.code] ?? err.message.split('\n')[0]!;
    throw new BuildspecError(`${message} at line ${line}`, line, col);
  }
  const r = new Reader(lines);
  const root = doc.contents as Node | null;
  if (r.isNull(root)) r.fail('invalid buildspec version');
  const rootMap = r.map(root, 'buildspec')!;
  const top = r.entries(rootMap, 'the buildspec', ['version', 'run-as', 'env', 'proxy', 'batch', 'phases', 'reports', 'artifacts', 'cache']);
  const version = parseVersion(r, value(top, 'version') ?? rootMap);

  const env = r.entries(r.map(value(top, 'env'), 'Env'), 'env', ['shell', 'variables', 'parameter-store', 'secrets-manager', 'exported-variables', 'git-credential-helper']);
  const shell = r.optionalString(value(env, 'shell'), 'Shell');
  if (shell !== undefined && !SHELLS.includes(shell)) r.fail(`Unsupported shell ${shell}: supported shells are bash and /bin/sh (Linux), powershell.exe and cmd.exe (Windows)`, value(env, 'shell'));

  const spec: Buildspec = {
    version,
    runAs: r.optionalString(value(top, 'run-as'), 'RunAs'),
    env: {
      shell,
      variables: r.stringMap(value(env, 'variables'), 'Variables'),
      parameterStore: r.stringMap(value(env, 'parameter-store'), 'ParameterStore'),
      secretsManager: r.stringMap(value(env, 'secrets-manager'), 'SecretsManager'),
      exportedVariables: r.strings(value(env, 'exported-variables'), 'ExportedVariables'),
      gitCredentialHelper: r.bool(value(env, 'git-credential-helper'), 'GitCredentialHelper'),
    },
    phases: {},
    reports: {},
    warnings: r.warnings,
  };

  if (top.has('proxy')) {
    const proxy = r.entries(r.map(value(top, 'proxy'), 'Proxy'), 'proxy', ['upload-artifacts', 'logs']);
    spec.proxy = { uploadArtifacts: r.bool(value(proxy, 'upload-artifacts'), 'UploadArtifacts'), logs: r.bool(value(proxy, 'logs'), 'Logs') };
  }
  const batch = value(top, 'batch');
  if (!r.isNull(batch)) spec.batch = r.map(batch, 'Batch')!.toJS(doc);

  for (const [name, pair] of r.entries(r.map(value(top, 'phases'), 'Phases'), 'phases', PHASE_NAMES)) {
    spec.phases[name as PhaseName] = parsePhase(r, name as PhaseName, pair.value as Node);
  }
  for (const [name, pair] of r.entries(r.map(value(top, 'reports'), 'Reports'), 'reports')) {
    spec.reports[name] = parseReport(r, name, pair.value as Node);
  }
  if (!r.isNull(value(top, 'artifacts'))) spec.artifacts = parseArtifactSet(r, value(top, 'artifacts'), 'artifacts', false);
  if (!r.isNull(value(top, 'cache'))) {
    const cache = r.entries(r.map(value(top, 'cache'), 'Cache'), 'cache', ['paths', 'key', 'fallback-keys', 'action']);
    const action = r.optionalString(value(cache, 'action'), 'Action');
    if (action !== undefined && action !== 'restore' && action !== 'save') r.fail(`Invalid cache action ${action}: expected restore or save`, value(cache, 'action'));
    spec.cache = {
      paths: r.strings(value(cache, 'paths'), 'Paths', true),
      key: r.optionalString(value(cache, 'key'), 'Key'),
      fallbackKeys: r.strings(value(cache, 'fallback-keys'), 'FallbackKeys', true),
      action: action as 'restore' | 'save' | undefined,
    };
  }
  return spec;
}

/**
 * The DOWNLOAD_SOURCE failure AWS's agent reports when the buildspec path (relative to
 * CODEBUILD_SRC_DIR) names no file: `YAML_FILE_ERROR: stat <path>: no such file or directory`.
 */
export function buildspecNotFound(path: string): BuildspecError {
  return new BuildspecError(`stat ${path}: no such file or directory`);
}
