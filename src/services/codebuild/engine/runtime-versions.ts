/**
 * A buildspec's runtime-versions against this host. An AWS image carries a fixed set of versions
 * per runtime (its runtimes.yml: nodejs 18 and 20, python 3.11 and 3.12, java corretto17 …), and
 * the agent fails DOWNLOAD_SOURCE with YAML_FILE_ERROR "Unknown runtime version named '15' of
 * nodejs. This build image has the following versions: 10, 12" when the buildspec asks for another.
 * Drydock's image is the host: each runtime has the one version its tool on the build's PATH
 * reports, or none, probed once per PATH and cached.
 *
 * A version is asked for as AWS documents it: the image's version name (`20`, `3.12`,
 * `corretto17`, `8.0`), a major version and its latest minor (`20.x`, `3.x`, `corretto17.x`), or
 * `latest`; `$VAR` and `${VAR}` come from the build's environment.
 *
 * DRYDOCK_RUNTIME_VERSIONS chooses what happens when the host lacks the version: `aws` (the
 * default) fails the build as AWS fails it; `host` runs it on the host's version anyway and says
 * so in the log.
 */
import { execFile } from 'node:child_process';
import { RUNTIMES } from '../buildspec/buildspec.js';
import { BuildPhaseError, type RuntimeVersionsMode } from '../common.js';
import { expandVariables } from './artifacts.js';

/** One runtime as this host has it. */
export interface HostRuntime {
  /** The version as an image's runtimes.yml names it: nodejs `20`, python `3.12`, java `corretto17`, dotnet `8.0`. */
  name: string;
  /** What `<major>.x` names: nodejs `20`, python `3`, java `corretto17`, golang `1`. */
  major: string;
  /** The version the tool reports: `20.20.2`, `3.11.7`, `17.0.15`. */
  exact: string;
}

interface Probe {
  command: string;
  args: string[];
  /** Reads [exact version, major, minor] from the tool's output (standard output and error). */
  parse(output: string): [string, number, number] | undefined;
  /** The image's version name and `.x` prefix for a major and minor. */
  names(major: number, minor: number): { name: string; major: string };
}

/** `<prefix>1.2.3` (the patch optional): the exact version and its major and minor. */
function semver(prefix: string): Probe['parse'] {
  const pattern = new RegExp(`${prefix}((\\d+)\\.(\\d+)(?:\\.\\d+)?)`);
  return (output) => {
    const m = pattern.exec(output);
    return m ? [m[1], Number(m[2]), Number(m[3])] : undefined;
  };
}

const minorNames = (major: number, minor: number) => ({ name: `${major}.${minor}`, major: String(major) });

/** How each runtime CodeBuild's images know is found on the host (the buildspec parser allows these names only). */
const PROBES: Record<string, Probe> = {
  nodejs: { command: 'node', args: ['--version'], parse: semver('v'), names: (major) => ({ name: String(major), major: String(major) }) },
  python: { command: 'python3', args: ['--version'], parse: semver('Python '), names: minorNames },
  ruby: { command: 'ruby', args: ['--version'], parse: semver('ruby '), names: minorNames },
  php: { command: 'php', args: ['--version'], parse: semver('PHP '), names: minorNames },
  golang: { command: 'go', args: ['version'], parse: semver('go'), names: minorNames },
  dotnet: { command: 'dotnet', args: ['--version'], parse: semver(''), names: minorNames },
  java: {
    command: 'java',
    args: ['-version'],
    // `openjdk version "17.0.15" 2025-04-15`; Java 8 calls itself `1.8.0_452`.
    parse(output) {
      const m = /version "((\d+)(?:\.(\d+))?[^"]*)"/.exec(output);
      if (!m) return undefined;
      const [first, second] = [Number(m[2]), Number(m[3] ?? 0)];
      return first === 1 ? [m[1], second, 0] : [m[1], first, second];
    },
    names: (major) => ({ name: `corretto${major}`, major: `corretto${major}` }),
  },
};

/** Probes already run or running, by PATH and runtime. */
const probed = new Map<string, Promise<HostRuntime | undefined>>();

/** The host's version of `runtime` as the build's PATH finds it; undefined when the tool is missing or says no version. */
export function hostRuntime(runtime: string, path: string): Promise<HostRuntime | undefined> {
  const key = `${path}\0${runtime}`;
  let found = probed.get(key);
  if (!found) {
    found = probe(PROBES[runtime], path);
    probed.set(key, found);
  }
  return found;
}

function probe(spec: Probe | undefined, path: string): Promise<HostRuntime | undefined> {
  if (!spec) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile(spec.command, spec.args, { env: { ...process.env, PATH: path }, timeout: 15_000 }, (err, stdout, stderr) => {
      const parsed = err ? undefined : spec.parse(`${stdout}\n${stderr}`);
      resolve(parsed && { exact: parsed[0], ...spec.names(parsed[1], parsed[2]) });
    });
  });
}

/** Whether the host's runtime is what `asked` names, by AWS's rules. */
export function satisfies(asked: string, host: HostRuntime): boolean {
  return asked === 'latest' || asked === host.name || asked === `${host.major}.x`;
}

/**
 * What DOWNLOAD_SOURCE does with the buildspec's runtime-versions: answers the log lines (AWS's
 * selection line, then what actually runs), or throws the YAML_FILE_ERROR AWS fails the build with
 * when the host lacks a runtime or version (mode `aws`), after a line of Drydock's saying why.
 */
export async function selectRuntimes(asked: Record<string, string>, env: Record<string, string>, mode: RuntimeVersionsMode, log: (text: string) => void): Promise<void> {
  const path = env.PATH ?? process.env.PATH ?? '';
  for (const [runtime, written] of Object.entries(asked)) {
    const version = expandVariables(written, env);
    log(`Selecting '${runtime}' runtime version '${version}' based on manual selections...`);
    const host = await hostRuntime(runtime, path);
    if (host && satisfies(version, host)) {
      log(`Using this host's ${runtime} ${host.exact} for ${runtime} '${version}'`);
      continue;
    }
    const actual = host ? `this host runs ${runtime} ${host.exact}` : `this host has no ${runtime}`;
    if (mode === 'host') {
      log(`Asked for ${runtime} ${version}; ${actual}: ${host ? "running on the host's version" : 'running without it'} (DRYDOCK_RUNTIME_VERSIONS=host)`);
      continue;
    }
    log(`Asked for ${runtime} ${version}; ${actual}. Drydock runs builds on the host's runtimes: set DRYDOCK_RUNTIME_VERSIONS=host to run such builds on them anyway`);
    if (!host) throw new BuildPhaseError('YAML_FILE_ERROR', `Unknown runtime named '${runtime}'. This build image has the following runtimes: ${(await hostRuntimeNames(path)).join(', ')}`);
    throw new BuildPhaseError('YAML_FILE_ERROR', `Unknown runtime version named '${version}' of ${runtime}. This build image has the following versions: ${host.name}`);
  }
}

/** The runtimes this host has, in the buildspec reader's (alphabetical) order. */
async function hostRuntimeNames(path: string): Promise<string[]> {
  const found = await Promise.all(RUNTIMES.map((name) => hostRuntime(name, path)));
  return RUNTIMES.filter((_, i) => found[i] !== undefined);
}
