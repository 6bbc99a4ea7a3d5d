/**
 * Lambda's runtimes on this host. The managed nodejs*.x and python3.x runtimes run on the host's
 * interpreters through Drydock's own bootstraps (node-bootstrap.ts, python-bootstrap.ts); the
 * custom runtimes (provided, provided.al2, provided.al2023) run the function's own `bootstrap`.
 * A runtime needs the host's interpreter of its version (`node22` or a `node` that is v22 for
 * nodejs22.x, `python3.12` for python3.12), probed once; DRYDOCK_RUNTIME_VERSIONS=host runs it on
 * whatever `node` or `python3` the host has instead, as CodeBuild's runtime-versions do. Other
 * languages (Java, .NET, Ruby) are not run: their functions fail to activate with InvalidRuntime.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_BOOTSTRAP } from './node-bootstrap.js';
import { PYTHON_BOOTSTRAP } from './python-bootstrap.js';

/** Where an environment finds things: /var/task, /opt and /var/runtime in a sandbox, host directories without one. */
export interface RuntimePaths {
  taskRoot: string;
  optRoot: string;
  runtimeDir: string;
}

/** How to start a runtime: its program, the file Drydock writes into /var/runtime, the variables it adds. */
export interface RuntimeLaunch {
  family: 'nodejs' | 'python' | 'provided';
  /** The host's interpreter and its version, for the log and errors. */
  interpreter?: { path: string; version: string };
  bootstrap?: { file: string; source: string };
  argv(paths: RuntimePaths, memoryMb: number, customBootstrap: string): string[];
  env(paths: RuntimePaths): Record<string, string>;
}

/** Runtimes AWS no longer lets functions be created or updated with, and what it recommends instead. */
const DEPRECATED: Record<string, string> = {
  nodejs: 'nodejs22.x',
  'nodejs4.3': 'nodejs22.x',
  'nodejs4.3-edge': 'nodejs22.x',
  'nodejs6.10': 'nodejs22.x',
  'nodejs8.10': 'nodejs22.x',
  'nodejs10.x': 'nodejs22.x',
  'nodejs12.x': 'nodejs22.x',
  'nodejs14.x': 'nodejs22.x',
  'nodejs16.x': 'nodejs22.x',
  'python2.7': 'python3.13',
  'python3.6': 'python3.13',
  'python3.7': 'python3.13',
  'python3.8': 'python3.13',
  java8: 'java21',
  'dotnetcore1.0': 'dotnet8',
  'dotnetcore2.0': 'dotnet8',
  'dotnetcore2.1': 'dotnet8',
  'dotnetcore3.1': 'dotnet8',
  dotnet6: 'dotnet8',
  'ruby2.5': 'ruby3.3',
  'ruby2.7': 'ruby3.3',
  'go1.x': 'provided.al2023',
  provided: 'provided.al2023',
};

/** AWS's refusal of a deprecated runtime at create or update, or undefined for one it still takes. */
export function deprecatedRuntimeMessage(runtime: string): string | undefined {
  const replacement = DEPRECATED[runtime];
  if (!replacement) return undefined;
  return `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (${replacement}) while creating or updating functions.`;
}

const CUSTOM_RUNTIMES = new Set(['provided', 'provided.al2', 'provided.al2023']);

/** What a probe found: the interpreter's absolute path and version. */
interface Interpreter {
  path: string;
  version: string;
}

const probes = new Map<string, Promise<Interpreter | undefined>>();

/** Runs `command args` once per process (cached) and reads the path and version it prints. */
function probe(command: string, args: string[], parse: (output: string) => Interpreter | undefined): Promise<Interpreter | undefined> {
  const key = [command, ...args].join('\0');
  let found = probes.get(key);
  if (!found) {
    found = new Promise((resolve) => {
      execFile(command, args, { timeout: 15_000 }, (err, stdout) => resolve(err ? undefined : parse(stdout)));
    });
    probes.set(key, found);
  }
  return found;
}

/** The absolute path of `program` on the host's PATH, if there is one. */
function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, program))) return join(dir, program);
  return undefined;
}

async function hostNode(major: number, anyVersion: boolean): Promise<Interpreter | undefined> {
  for (const name of [`node${major}`, 'node']) {
    const path = onPath(name);
    if (!path) continue;
    const found = await probe(path, ['--version'], (out) => (/^v\d+\.\d+\.\d+/.test(out.trim()) ? { path, version: out.trim().slice(1) } : undefined));
    if (found && (anyVersion || Number(found.version.split('.')[0]) === major)) return found;
  }
  return undefined;
}

async function hostPython(minor: number, anyVersion: boolean): Promise<Interpreter | undefined> {
  for (const name of [`python3.${minor}`, 'python3']) {
    if (!onPath(name)) continue;
    // sys.executable: a version manager's shim resolves to the interpreter it runs.
    const found = await probe(name, ['-c', 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])'], (out) => {
      const [path, version] = out.trim().split('\n');
      return path && version ? { path, version } : undefined;
    });
    if (found && (anyVersion || Number(found.version.split('.')[1]) === minor)) return found;
  }
  return undefined;
}

function nodeLaunch(interpreter: Interpreter, major: number): RuntimeLaunch {
  return {
    family: 'nodejs',
    interpreter,
    bootstrap: { file: 'bootstrap.mjs', source: NODE_BOOTSTRAP },
    // AWS's node bootstrap gives the heap most of the function's memory.
    argv: (paths, memoryMb) => [interpreter.path, `--max-old-space-size=${Math.floor(memoryMb * 0.9)}`, join(paths.runtimeDir, 'bootstrap.mjs')],
    env: (paths) => ({
      NODE_PATH: [`${paths.optRoot}/nodejs/node${major}/node_modules`, `${paths.optRoot}/nodejs/node_modules`, `${paths.runtimeDir}/node_modules`, paths.runtimeDir, paths.taskRoot].join(':'),
    }),
  };
}

function pythonLaunch(interpreter: Interpreter, minor: number): RuntimeLaunch {
  return {
    family: 'python',
    interpreter,
    bootstrap: { file: 'bootstrap.py', source: PYTHON_BOOTSTRAP },
    argv: (paths) => [interpreter.path, join(paths.runtimeDir, 'bootstrap.py')],
    env: (paths) => ({
      PYTHONPATH: [paths.taskRoot, `${paths.optRoot}/python/lib/python3.${minor}/site-packages`, `${paths.optRoot}/python`, paths.runtimeDir].join(':'),
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
    }),
  };
}

const CUSTOM_LAUNCH: RuntimeLaunch = {
  family: 'provided',
  argv: (_paths, _memory, customBootstrap) => [customBootstrap],
  env: () => ({}),
};

/**
 * How this host runs `runtime`, or why it cannot (the reason a function's activation fails with,
 * StateReasonCode InvalidRuntime). `anyVersion` is DRYDOCK_RUNTIME_VERSIONS=host.
 */
export async function hostRuntime(runtime: string, anyVersion: boolean): Promise<RuntimeLaunch | { problem: string }> {
  if (CUSTOM_RUNTIMES.has(runtime)) return CUSTOM_LAUNCH;
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  if (node) {
    const major = Number(node[1]);
    const found = await hostNode(major, anyVersion);
    if (found) return nodeLaunch(found, major);
    return {
      problem: `Drydock runs ${runtime} on this host's Node.js ${major}, and found neither node${major} nor a node of version ${major} on the PATH (set DRYDOCK_RUNTIME_VERSIONS=host to use the host's node whatever its version).`,
    };
  }
  const python = /^python3\.(\d+)$/.exec(runtime);
  if (python) {
    const minor = Number(python[1]);
    const found = await hostPython(minor, anyVersion);
    if (found) return pythonLaunch(found, minor);
    return {
      problem: `Drydock runs ${runtime} on this host's Python 3.${minor}, and found no python3.${minor} on the PATH (set DRYDOCK_RUNTIME_VERSIONS=host to use the host's python3 whatever its version).`,
    };
  }
  return { problem: `Drydock runs Node.js, Python and custom (provided) runtimes on this host; it cannot run ${runtime}.` };
}
