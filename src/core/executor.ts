/**
 * Runs commands for builds and deployment hooks. Inside a bubblewrap sandbox when `bwrap` is
 * installed (own mount view with the work directory bound read-write, own /tmp, own PID
 * namespace); as a plain child process otherwise, with a one-time warning, because refusing to run
 * would make Drydock useless on machines without it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Logger } from './logger.js';

export interface ExecRequest {
  command: string;
  /** Host directory the command works in; the only writable path besides the sandbox /tmp. */
  cwd: string;
  env: Record<string, string>;
  /** Milliseconds before the process group is killed. */
  timeoutMs?: number;
  /** Called with each chunk of combined stdout/stderr, in order. */
  onOutput?: (chunk: string) => void;
  shell?: string;
}

export interface ExecResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export type SandboxMode = 'bubblewrap' | 'process';

export function detectSandbox(): SandboxMode {
  const probe = spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-pid', 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? 'bubblewrap' : 'process';
}

export class Executor implements SessionExecutor {
  private warned = false;
  private detected?: SandboxMode;

  /** Without an explicit mode, the sandbox is probed on first use rather than at server start-up. */
  constructor(private readonly log: Logger, mode?: SandboxMode) {
    this.detected = mode;
  }

  get mode(): SandboxMode {
    this.detected ??= detectSandbox();
    return this.detected;
  }

  /**
   * Starts a long-lived process (a build's shell session) in the sandbox. Unlike run(), the root
   * file system is visible read-only except the hidden paths, and only the working directory and
   * the writable paths can be written; /tmp is private to the session. The caller owns the pipes.
   */
  spawn(req: SessionRequest): Session {
    let file: string;
    let args: string[];
    if (this.mode === 'bubblewrap') {
      file = 'bwrap';
      args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
      for (const path of req.hidden ?? []) if (existsSync(path)) args.push('--tmpfs', path);
      for (const path of new Set([req.cwd, ...(req.writable ?? [])])) args.push('--bind', path, path);
      args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--chdir', req.cwd, ...req.argv);
    } else {
      this.warnUnsandboxed();
      [file, ...args] = req.argv;
    }
    // detached: the session leads its own process group, so one signal reaches every command it started.
    const child = spawn(file, args, { cwd: req.cwd, env: req.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('error', () => resolve({ exitCode: null, signal: null }));
      child.on('close', (exitCode, signal) => resolve({ exitCode, signal }));
    });
    return {
      child,
      exited,
      kill() {
        if (child.pid !== undefined) killTree(child.pid);
      },
    };
  }

  private warnUnsandboxed(): void {
    if (!this.warned) {
      this.log.warn('bubblewrap (bwrap) is not installed: commands run as plain child processes without a sandbox');
      this.warned = true;
    }
  }

  run(req: ExecRequest): Promise<ExecResult> {
    const shell = req.shell ?? '/bin/sh';
    let file: string;
    let args: string[];
    if (this.mode === 'bubblewrap') {
      file = 'bwrap';
      args = [
        '--ro-bind', '/', '/',
        '--dev', '/dev',
        '--proc', '/proc',
        '--tmpfs', '/tmp',
        '--bind', req.cwd, req.cwd,
        '--unshare-pid', '--unshare-ipc', '--unshare-uts',
        '--die-with-parent',
        '--chdir', req.cwd,
        shell, '-c', req.command,
      ];
    } else {
      this.warnUnsandboxed();
      file = shell;
      args = ['-c', req.command];
    }
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { cwd: req.cwd, env: req.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let timedOut = false;
      const timer = req.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // already gone
            }
          }, req.timeoutMs)
        : undefined;
      const forward = (chunk: Buffer) => req.onOutput?.(chunk.toString('utf8'));
      child.stdout.on('data', forward);
      child.stderr.on('data', forward);
      child.on('error', (err) => {
        if (timer) clearTimeout(timer);
        reject(err);
      });
      child.on('close', (exitCode, signal) => {
        if (timer) clearTimeout(timer);
        resolve({ exitCode, signal, timedOut });
      });
    });
  }
}

export interface SessionRequest {
  /** Program and arguments, resolved inside the sandbox. */
  argv: string[];
  /** Host directory the session starts in; bound read-write. */
  cwd: string;
  env: Record<string, string>;
  /** Further host paths bound read-write at the same path (the build's work root, its state directory). */
  writable?: string[];
  /**
   * Host paths the session must not see (Drydock's data directory): covered by an empty tmpfs
   * before the writable paths are bound, so a writable path inside one stays visible. Without
   * bubblewrap nothing is hidden (and nothing is read-only): the plain process sees the host.
   */
  hidden?: string[];
}

/** A long-lived sandboxed process (a build's shell session) and the means to end all of it. */
export interface Session {
  readonly child: ChildProcess;
  /** Settles when the session's main process has exited and its pipes have closed. */
  readonly exited: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the whole process tree at once (the process group, every descendant found in /proc). */
  kill(): void;
}

/** Every descendant of `root` visible in /proc, found through parent links (Linux only). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name is in parentheses and may contain spaces: the parent pid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** SIGKILLs a process group and every descendant of its leader, including those that left the group (setsid). */
export function killTree(pid: number): void {
  // Collect first: once the leader dies its children are re-parented and can no longer be traced to it.
  const tree = descendants(pid);
  for (const target of [-pid, pid, ...tree]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface SessionExecutor {
  readonly mode: SandboxMode;
  spawn(req: SessionRequest): Session;
}
