/**
 * The servers under test as real processes: Drydock's `drydock` binary (whatever package.json's
 * `bin` points at), moto's `moto_server`, and a do-nothing node:http server as the floor of the
 * measurement. Measures time from spawn to the first answered AWS request and the resident memory
 * of the process tree (moto's included children, should it fork any).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/paths.js';
import { CALLER_IDENTITY, HOST, type SignedRequest, send, sign } from './client.js';

export interface RunningTarget {
  name: 'Drydock' | 'moto' | 'floor';
  version: string;
  port: number;
  pid: number;
  /** Milliseconds from spawn() to the first answer to a signed STS GetCallerIdentity. */
  firstAnswerMs: number;
  stop(): Promise<number | null>;
}

const FIRST_ANSWER_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 2;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Resident set size in bytes of `pid` and all its descendants, from /proc: `VmRSS` (now) or
 * `VmHWM` (each process's peak so far, summed). Reading the peak once after a run replaces sampling
 * during it: a sample walks all of /proc, CPU time the servers under measurement would lose.
 */
export function treeRss(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name (field 2) may hold spaces, so parse after its ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const pending = [pid];
  while (pending.length) {
    const current = pending.pop()!;
    try {
      const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${current}/status`, 'utf8'))?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      continue;
    }
    pending.push(...(children.get(current) ?? []));
  }
  return total;
}

async function waitForFirstAnswer(child: ChildProcess, port: number, identity: SignedRequest, spawnedAt: number, output: () => string): Promise<number> {
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const agent = new Agent({ keepAlive: false });
  try {
    for (;;) {
      if (spawnError) throw new Error(`cannot run ${child.spawnfile}: ${spawnError.message}`);
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before answering: ${output()}`);
      if (performance.now() - spawnedAt > FIRST_ANSWER_TIMEOUT_MS) throw new Error(`no answer within ${FIRST_ANSWER_TIMEOUT_MS} ms: ${output()}`);
      try {
        const answer = await send(port, agent, identity);
        const elapsed = performance.now() - spawnedAt;
        if (answer.status !== 200) throw new Error(`GetCallerIdentity answered ${answer.status} ${answer.error}`);
        return elapsed;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED' && (err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
      }
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
  } finally {
    agent.destroy();
  }
}

export interface Launch {
  name: RunningTarget['name'];
  version: string;
  command: string;
  args: string[];
  port: number;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** The command starts the server in a child of its own (npx): it gets a process group, stopped whole. */
  processGroup?: boolean;
}

/** How to kill each server still running, for a bench interrupted half-way. */
const live = new Set<() => void>();

/** Kills every server the bench started that still runs. */
export function killServers(): void {
  for (const kill of live) kill();
}

/** Spawns the server and waits for its first answer. */
export async function launch({ name, version, command, args, port, env, cwd, processGroup = false }: Launch): Promise<RunningTarget> {
  const identity = await sign(port, CALLER_IDENTITY);
  const spawnedAt = performance.now();
  const child = spawn(command, args, { env, cwd, detached: processGroup, stdio: ['ignore', 'ignore', 'pipe'] });
  const signal = (name: NodeJS.Signals) => (processGroup ? process.kill(-child.pid!, name) : child.kill(name));
  // Only the tail of stderr is kept: enough to explain a failed start, bounded however chatty the server is.
  let stderrTail = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const kill = () => child.exitCode === null && signal('SIGKILL');
  live.add(kill);
  void exited.then(() => live.delete(kill));
  try {
    const firstAnswerMs = await waitForFirstAnswer(child, port, identity, spawnedAt, () => stderrTail);
    return {
      name,
      version,
      port,
      pid: child.pid!,
      firstAnswerMs,
      async stop() {
        if (child.exitCode === null) signal('SIGTERM');
        return exited;
      },
    };
  } catch (err) {
    if (child.exitCode === null) signal('SIGKILL');
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

interface PackageJson {
  name: string;
  version: string;
  bin: string | Record<string, string>;
}

/**
 * The installed `drydock` command: package.json's `bin` read at run time, so a bin pointed at a
 * bundle is what gets measured. `bin` may be a path (the command is then the package's name).
 */
export function drydockBin(): { packageName: string; command: string; path: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as PackageJson;
  const bins = typeof pkg.bin === 'string' ? { [pkg.name.replace(/^@[^/]+\//, '')]: pkg.bin } : pkg.bin;
  const command = 'drydock' in bins ? 'drydock' : Object.keys(bins)[0];
  if (!command) throw new Error('package.json has no bin');
  return { packageName: pkg.name, command, path: join(PACKAGE_ROOT, bins[command]), version: pkg.version };
}

/** Drydock with its logs quiet (a log line per request would be part of every figure). */
export const DRYDOCK_ENV = { ...process.env, DRYDOCK_LOG_LEVEL: 'warn' };

export async function startDrydock(port: number): Promise<RunningTarget> {
  const bin = drydockBin();
  const args = [bin.path, 'start', '--port', String(port), '--ephemeral'];
  return launch({ name: 'Drydock', version: bin.version, command: process.execPath, args, port, env: DRYDOCK_ENV });
}

/** The do-nothing server that calibrates the client (see floor-server.ts). */
export async function startFloor(port: number): Promise<RunningTarget> {
  const script = join(PACKAGE_ROOT, 'dist', 'bench', 'floor-server.js');
  return launch({ name: 'floor', version: process.version, command: process.execPath, args: [script, String(port)], port, env: process.env });
}

/**
 * moto_server behind a pyenv shim is a shell script that execs pyenv then Python: resolve the real
 * script so its start-up is not charged for the shim.
 */
function motoCommand(): { command: string; python?: string } {
  const resolved = spawnSync('pyenv', ['which', 'moto_server'], { encoding: 'utf8' });
  const command = resolved.status === 0 ? resolved.stdout.trim() : 'moto_server';
  try {
    const shebang = /^#!(\S+)/.exec(readFileSync(command, 'utf8'))?.[1];
    return { command, python: shebang };
  } catch {
    return { command };
  }
}

export async function startMoto(port: number): Promise<RunningTarget> {
  const { command, python } = motoCommand();
  const version = python ? spawnSync(python, ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' }).stdout.trim() : 'unknown';
  return launch({ name: 'moto', version, command, args: ['-H', HOST, '-p', String(port)], port, env: process.env });
}
