/**
 * Runs long-lived sessions (a build's shell, later deployment hooks) in a sandbox: the host's file
 * system read-only, Drydock's data directory hidden, a private /tmp, the session's own PID, IPC and
 * UTS namespaces, and only the working directory and the paths asked for writable. Two ways to get
 * there, the first that works on this machine:
 * - bubblewrap (`bwrap`) when installed;
 * - util-linux's `unshare` (always on Debian): new mount and PID namespaces, set up by a small shell
 *   script (SANDBOX_SETUP), as root, or in a user namespace where the kernel allows one.
 * Without either, a plain child process with a one-time warning: refusing to run would make Drydock
 * useless on such machines.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from './logger.js';

export type SandboxMode = 'bubblewrap' | 'namespaces' | 'process';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Capabilities a sandboxed root must not keep: with them it could undo the sandbox (remount the
 * host writable, trace or load code into the kernel) or change the host's network and clock, which
 * it shares. Builds keep what AWS's root builds use on their own files: chown, setuid/setgid (run-as),
 * kill, binding low ports.
 */
const DROPPED_CAPABILITIES = [
  'sys_admin',
  'sys_module',
  'sys_rawio',
  'sys_ptrace',
  'sys_boot',
  'sys_time',
  'sys_resource',
  'sys_pacct',
  'sys_tty_config',
  'net_admin',
  'mknod',
  'mac_admin',
  'mac_override',
  'syslog',
  'audit_control',
  'bpf',
  'perfmon',
  'linux_immutable',
  'ipc_owner',
  'lease',
  'block_suspend',
  'wake_alarm',
  'checkpoint_restore',
];

function findProgram(name: string): string | undefined {
  for (const dir of SYSTEM_PATH.split(':')) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/**
 * Runs inside fresh mount and PID namespaces, before the session's program. Arguments:
 * `--cwd <dir>`, `--hide <path>`… `--write <path>`…, `--bind-source <dir> --bind-target <path>`…,
 * `--`, then the program and its arguments. Writable paths and bind sources are opened first (fds
 * 3-9) because the private /tmp and the hidden tmpfs cover them; each is then bound from its
 * descriptor (`--no-canonicalize`: resolving /proc/self/fd/N to its path would find the covering
 * tmpfs), writable paths at their own path made writable again, bind sources at their target
 * read-only (a target the host lacks is made on an overlay of its nearest existing directory,
 * upper layer in a tmpfs, made read-only once every target exists), every other
 * mount having been made read-only (a mount that cannot be, outside the kernel's own /proc and
 * /sys, fails the setup: the probe then finds this sandbox unusable rather than half-made). The
 * mounts stay in this mount namespace (unshare makes propagation private). The script stays as the namespace's PID 1 and waits for the program: the
 * kernel ignores signals a PID 1 has no handler for, so a program there could not be killed from
 * inside (a build's `kill -9 $PPID` must end its shell's control loop, as it does in bubblewrap).
 * The program gets the script's stdin through fd 9: a shell gives background jobs /dev/null. It
 * starts without DROPPED_CAPABILITIES (setpriv's bounding set), so it cannot remount anything.
 */
const SANDBOX_SETUP = `set -e
_dd_had_path=\${PATH+set}; _dd_path=\${PATH-}; _dd_write=; _dd_flag=; _dd_cwd=/; _dd_overlays=
PATH=${SYSTEM_PATH}
_dd_setpriv=$(command -v setpriv)
_dd_fd=3; for _dd_arg in "$@"; do
  [ "$_dd_arg" = -- ] && break
  if [ "$_dd_write" = 1 ]; then eval "exec $_dd_fd"'<"$_dd_arg"'; _dd_fd=$((_dd_fd + 1)); fi
  _dd_write=; if [ "$_dd_arg" = --write ] || [ "$_dd_arg" = --bind-source ]; then _dd_write=1; fi
done
while read -r _dd_x _dd_x _dd_x _dd_x _dd_mount _dd_x; do
  case $_dd_mount in
    /proc/*|/sys/*) mount -o remount,bind,ro "$(printf '%b' "$_dd_mount")" 2>/dev/null || : ;;
    *) mount -o remount,bind,ro "$(printf '%b' "$_dd_mount")" ;;
  esac
done </proc/self/mountinfo
mount -t tmpfs -o mode=1777 tmpfs /tmp
if [ -d /dev/shm ]; then mount -t tmpfs -o mode=1777 tmpfs /dev/shm; fi
_dd_fd=3; for _dd_arg in "$@"; do
  [ "$_dd_arg" = -- ] && break
  case $_dd_flag in
    --cwd) _dd_cwd=$_dd_arg ;;
    --hide) if [ -d "$_dd_arg" ]; then mount -t tmpfs tmpfs "$_dd_arg"; fi ;;
    --write)
      mkdir -p "$_dd_arg"
      mount --no-canonicalize --bind "/proc/self/fd/$_dd_fd" "$_dd_arg"
      mount -o remount,bind,rw "$_dd_arg"
      eval "exec $_dd_fd<&-"; _dd_fd=$((_dd_fd + 1)) ;;
    --bind-target)
      if ! mkdir -p "$_dd_arg" 2>/dev/null; then
        _dd_base=$(dirname "$_dd_arg"); while [ ! -e "$_dd_base" ]; do _dd_base=$(dirname "$_dd_base"); done
        _dd_scratch=/tmp/.drydock-overlay; mkdir "$_dd_scratch"; mount -t tmpfs tmpfs "$_dd_scratch"; mkdir "$_dd_scratch/upper" "$_dd_scratch/work"
        mount -t overlay overlay -o "lowerdir=$_dd_base,upperdir=$_dd_scratch/upper,workdir=$_dd_scratch/work" "$_dd_base"
        umount -l "$_dd_scratch"; rmdir "$_dd_scratch"; _dd_overlays="$_dd_overlays $_dd_base"
        mkdir -p "$_dd_arg"
      fi
      mount --no-canonicalize --bind "/proc/self/fd/$_dd_fd" "$_dd_arg"
      mount -o remount,bind,ro "$_dd_arg"
      eval "exec $_dd_fd<&-"; _dd_fd=$((_dd_fd + 1)) ;;
  esac
  _dd_flag=$_dd_arg
done
for _dd_base in $_dd_overlays; do mount -o remount,ro "$_dd_base"; done
while [ "$1" != -- ]; do shift; done; shift
cd "$_dd_cwd"
if [ "$_dd_had_path" = set ]; then PATH=$_dd_path; else unset PATH; fi
exec 9<&0
"$_dd_setpriv" --bounding-set ${DROPPED_CAPABILITIES.map((cap) => `-${cap}`).join(',')} "$@" <&9 9<&- &
exec 9<&-
wait $!`;

/** At most this many writable paths and binds together: the setup script holds each on a single-digit descriptor. */
const MAX_WRITABLE = 7;

/** The nearest existing directory at or above `path`: where a missing bind target is made, on an overlay. */
function existingAncestor(path: string): string {
  let current = dirname(path);
  while (!existsSync(current)) current = dirname(current);
  return current;
}

/** bubblewrap's arguments for read-only binds; a target the host lacks is made on a temporary overlay of its nearest existing parent, made read-only again after. */
function bubblewrapBinds(binds: Bind[]): string[] {
  const overlays = [...new Set(binds.filter((bind) => !existsSync(bind.target)).map((bind) => existingAncestor(bind.target)))];
  return [
    ...overlays.flatMap((base) => ['--overlay-src', base, '--tmp-overlay', base]),
    ...binds.flatMap((bind) => ['--ro-bind', bind.source, bind.target]),
    ...overlays.flatMap((base) => ['--remount-ro', base]),
  ];
}

/** The program and arguments that run `req.argv` in the sandbox `mode` (the argv itself for 'process'). */
function sandboxed(mode: SandboxMode, req: SessionRequest): string[] {
  const writable = [...new Set([req.cwd, ...(req.writable ?? [])])];
  const hidden = (req.hidden ?? []).filter((path) => existsSync(path));
  const binds = req.binds ?? [];
  if (binds.length && mode === 'process') throw new Error('binds need a sandbox: a plain process sees the host file system as it is');
  switch (mode) {
    case 'bubblewrap':
      return [
        findProgram('bwrap') ?? 'bwrap',
        '--ro-bind',
        '/',
        '/',
        '--dev',
        '/dev',
        '--proc',
        '/proc',
        '--tmpfs',
        '/tmp',
        ...hidden.flatMap((path) => ['--tmpfs', path]),
        ...writable.flatMap((path) => ['--bind', path, path]),
        ...bubblewrapBinds(binds),
        '--unshare-pid',
        '--unshare-ipc',
        '--unshare-uts',
        '--die-with-parent',
        '--chdir',
        req.cwd,
        // bwrap keeps a root caller's capabilities unless told otherwise (and refuses --cap-drop for others).
        ...(process.getuid?.() === 0 ? DROPPED_CAPABILITIES.flatMap((cap) => ['--cap-drop', `CAP_${cap.toUpperCase()}`]) : []),
        ...req.argv,
      ];
    case 'namespaces': {
      if (writable.length + binds.length > MAX_WRITABLE) {
        throw new Error(`the namespace sandbox binds at most ${MAX_WRITABLE} writable paths and binds, ${writable.length + binds.length} asked`);
      }
      const setpriv = findProgram('setpriv');
      return [
        // If Drydock dies, the kernel kills unshare, whose --kill-child takes the namespace with it.
        ...(setpriv ? [setpriv, '--pdeathsig', 'KILL'] : []),
        findProgram('unshare') ?? 'unshare',
        ...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user']),
        '--mount',
        '--pid',
        '--ipc',
        '--uts',
        '--fork',
        '--kill-child',
        '--mount-proc',
        '/bin/sh',
        '-c',
        SANDBOX_SETUP,
        'drydock-sandbox',
        '--cwd',
        req.cwd,
        ...hidden.flatMap((path) => ['--hide', path]),
        ...writable.flatMap((path) => ['--write', path]),
        ...binds.flatMap((bind) => ['--bind-source', bind.source, '--bind-target', bind.target]),
        '--',
        ...req.argv,
      ];
    }
    case 'process':
      return req.argv;
  }
}

/** How the probes run `true` in a sandbox: in a fresh scratch directory (the caller removes it), with nothing inherited. */
function probeCommand(mode: SandboxMode): { file: string; args: string[]; scratch: string } {
  const scratch = mkdtempSync(join(tmpdir(), 'drydock-sandbox-probe-'));
  const [file, ...args] = sandboxed(mode, { argv: ['true'], cwd: scratch, env: {} });
  return { file, args, scratch };
}
const PROBE_OPTIONS = { stdio: 'ignore', env: { PATH: SYSTEM_PATH } } as const;

/** Whether the sandbox `mode` really starts a process on this machine (`true` in a scratch directory). */
export function sandboxWorks(mode: SandboxMode): boolean {
  const { file, args, scratch } = probeCommand(mode);
  try {
    return spawnSync(file, args, PROBE_OPTIONS).status === 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** sandboxWorks without blocking: the probe's processes run while the event loop serves requests. */
async function sandboxWorksInBackground(mode: SandboxMode): Promise<boolean> {
  const { file, args, scratch } = probeCommand(mode);
  try {
    return await new Promise<boolean>((resolve) => {
      const child = spawn(file, args, PROBE_OPTIONS);
      child.on('error', () => resolve(false));
      child.on('close', (code) => resolve(code === 0));
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The first sandbox that works here, else a plain process. */
export function detectSandbox(): SandboxMode {
  return (['bubblewrap', 'namespaces'] as const).find(sandboxWorks) ?? 'process';
}

export class Executor implements SessionExecutor {
  private warned = false;
  private detected?: SandboxMode;
  private detecting?: Promise<SandboxMode>;

  /** Without an explicit mode, the sandbox is probed on first use (or by `detect()`) rather than at server start-up. */
  constructor(
    private readonly log: Logger,
    mode?: SandboxMode,
  ) {
    this.detected = mode;
  }

  get mode(): SandboxMode {
    this.detected ??= detectSandbox();
    return this.detected;
  }

  /** The sandbox mode once known, without probing for it now (undefined while `detect()` runs). */
  get knownMode(): SandboxMode | undefined {
    return this.detected;
  }

  /**
   * Probes for the sandbox in the background, once: the probe starts processes (tens of
   * milliseconds), which `mode` would otherwise do synchronously on first use.
   */
  detect(): Promise<SandboxMode> {
    this.detecting ??= (async () => {
      for (const mode of ['bubblewrap', 'namespaces'] as const) if (await sandboxWorksInBackground(mode).catch(() => false)) return mode;
      return 'process' as const;
    })().then((found) => (this.detected ??= found));
    return this.detecting;
  }

  /**
   * Starts a long-lived process (a build's shell session) in the sandbox: the root file system is
   * visible read-only except the hidden paths, and only the working directory and the writable
   * paths can be written; /tmp is private to the session. The caller owns the pipes.
   */
  spawn(req: SessionRequest): Session {
    if (this.mode === 'process') this.warnUnsandboxed();
    const [file, ...args] = sandboxed(this.mode, req);
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
      this.log.warn('neither bubblewrap (bwrap) nor unshare namespaces are available: commands run as plain child processes without a sandbox');
      this.warned = true;
    }
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
   * before the writable paths are bound, so a writable path inside one stays visible. Without a
   * sandbox nothing is hidden (and nothing is read-only): the plain process sees the host.
   */
  hidden?: string[];
  /**
   * Host directories shown read-only at another path (a function's code at /var/task, its layers
   * at /opt). A target the host lacks is made on a private overlay of its nearest existing parent,
   * so the host's tree never changes. Sandboxes only: spawn refuses binds for a plain process.
   */
  binds?: Bind[];
}

/** A read-only view of the host directory `source` at `target` inside the sandbox. */
export interface Bind {
  source: string;
  target: string;
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
