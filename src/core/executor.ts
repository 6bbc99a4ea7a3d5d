/**
 * Runs commands for builds and deployment hooks. Inside a bubblewrap sandbox when `bwrap` is
 * installed (own mount view with the work directory bound read-write, own /tmp, own PID
 * namespace); as a plain child process otherwise, with a one-time warning, because refusing to run
 * would make Drydock useless on machines without it.
 */
import { spawn, spawnSync } from 'node:child_process';
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

export class Executor {
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
      if (!this.warned) {
        this.log.warn('bubblewrap (bwrap) is not installed: commands run as plain child processes without a sandbox');
        this.warned = true;
      }
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
