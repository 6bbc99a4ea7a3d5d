/**
 * One shell session per build, as buildspec 0.2 promises: `cd` and `export` in one command are
 * seen by every later command, across phases.
 *
 * How AWS does it: the agent writes each command into a script (`/codebuild/output/tmp/script.sh`,
 * which is why failures read `script.sh: line 4: foo: command not found`) and runs it in a fresh
 * shell process that first restores the exported variables and working directory the previous
 * command left, and saves them again when it ends. So `exit 3` ends only that command (which then
 * fails with "exit status 3"), and shell functions, aliases and unexported variables do not carry
 * over, while exported variables and the directory do.
 *
 * Drydock does the same inside one long-lived sandboxed process (one sandbox per build,
 * so /tmp and background processes persist between commands): a small control loop reads command
 * numbers on its stdin, runs `cmd-<n>.sh` in a fresh shell with an emptied environment rebuilt from
 * the saved state, with stdin from /dev/null (a command reading stdin gets end-of-file and can
 * never eat the control stream), stderr merged into stdout in order, and prints an unguessable
 * marker with the exit status after the command's output. Because the state lives in files, a
 * session that dies (a command killing its parent) is restarted transparently for the next command.
 *
 * buildspec `run-as`: the session runs as Drydock's user (root on AWS's images). A command to run
 * as another user has its state restored by the session's shell as usual, then runs in a shell
 * started through `setpriv` as that user; the state files stay private to the session's user, so
 * that shell saves its exported variables and directory through two descriptors the session's
 * shell opened for it (8 and 9), which then replace the state (unchanged when the command was
 * killed before saving, as for any command).
 */

import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Session, SessionExecutor } from '../../../core/executor.js';

export interface BuildShellOptions {
  executor: SessionExecutor;
  /** Directory the first command starts in (CODEBUILD_SRC_DIR). */
  cwd: string;
  /** The build's initial environment. */
  env: Record<string, string>;
  /** buildspec env/shell: `bash` (the default, as AWS's Linux images use) or `/bin/sh`, or a path. */
  shell?: string;
  /** Each line of the commands' combined stdout and stderr, without its line break. */
  onOutput(line: string): void;
  /** Host paths the commands may write besides `cwd` (the build's work root). */
  writable?: string[];
  /** Host paths hidden from the commands (Drydock's data directory). */
  hidden?: string[];
  /** Buildspec 0.1: every command starts from the initial environment and directory. */
  isolated?: boolean;
  /**
   * What a run-as user is granted read and execute permission on (as AWS grants it) before the
   * first command it runs: the trees, recursively, and the directories from `root` down to them.
   */
  runAsAccess?: { root: string; trees: string[] };
}

/** A run-as user the session switches to: numeric ids, as the session's `id` resolved them. */
interface SwitchUser {
  uid: string;
  gid: string;
  setpriv: string;
}

export interface CommandResult {
  exitCode: number;
  /** True when kill() ended the command (StopBuild, timeout). */
  killed: boolean;
}

/** Shell names AWS accepts in env/shell on Linux, and their programs. */
const SHELL_PROGRAMS: Record<string, string> = { bash: 'bash', '/bin/sh': '/bin/sh', sh: '/bin/sh', '/bin/bash': '/bin/bash' };

/** Longest output line kept whole: longer output is cut into pieces (a CloudWatch event holds 256 KB). */
const MAX_LINE = 64 * 1024;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The text as one single-quoted shell word. */
export function quote(text: string): string {
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** The program for a shell name, as an absolute path (the commands' environment is rebuilt from scratch). */
export function resolveShell(name: string | undefined, path: string | undefined): string {
  const program = SHELL_PROGRAMS[name ?? 'bash'] ?? name!;
  if (isAbsolute(program)) return program;
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  throw new Error(`shell ${program} was not found on PATH`);
}

/**
 * The control loop: reads its marker token (first line: kept out of argv and the environment, where
 * `ps` in a build would show it), then a command number per line; runs it and prints
 * `<token> <n> <status>`.
 */
const CONTROL_LOOP = ['D=$1; SH=$2', 'IFS= read -r T', 'while IFS= read -r n; do', '  env -i "$SH" "$D/cmd-$n.sh" </dev/null 2>&1', '  s=$?', '  printf "%s %s %s\\n" "$T" "$n" "$s"', 'done'].join(
  '\n',
);

export class BuildShell {
  private session?: Session;
  private readonly stateDir: string;
  private readonly shellPath: string;
  private readonly token = randomBytes(16).toString('hex');
  private readonly markerPattern = new RegExp(`${this.token} (\\d+) (\\d+)$`);
  private decoder = new StringDecoder('utf8');
  private partial = '';
  private sequence = 0;
  private pending?: { n: number; resolve: (r: CommandResult) => void };
  /** Serializes commands: one runs at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private killed = false;
  /** run-as names already resolved: the user to switch to, none (the session's own user), or why not. */
  private readonly users = new Map<string, { user?: SwitchUser; problem?: string }>();
  private accessGranted = false;

  private constructor(private readonly opts: BuildShellOptions) {
    this.shellPath = resolveShell(opts.shell, opts.env.PATH);
    this.stateDir = mkdtempSync(join(tmpdir(), 'drydock-shell-'));
    this.resetState();
  }

  static start(opts: BuildShellOptions): BuildShell {
    const shell = new BuildShell(opts);
    shell.launch();
    return shell;
  }

  /**
   * Runs one buildspec command (may span lines) in the session; resolves once its output is
   * delivered. `runAs` must have passed checkUser() first.
   */
  run(command: string, runAs?: string): Promise<CommandResult> {
    const user = runAs === undefined ? undefined : this.users.get(runAs);
    if (user?.problem !== undefined) return Promise.reject(new Error(user.problem));
    if (runAs !== undefined && !user) return Promise.reject(new Error(`run-as user ${runAs} was not checked`));
    const next = this.queue.then(() => this.execute(`${command}\n`, true, user?.user));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Whether commands can run as the user `name` in this session: undefined when they can (the
   * session's own user, or any user when the session runs as root), else why not. The user is
   * looked up in the session (the build's environment), as AWS looks it up in the build container.
   */
  async checkUser(name: string): Promise<string | undefined> {
    const known = this.users.get(name);
    if (known) return known.problem;
    const out = join(this.stateDir, 'user.out');
    const script = `id -u > ${quote(out)} && { id -u -- ${quote(name)} && id -g -- ${quote(name)}; } >> ${quote(out)} 2>/dev/null\n`;
    const run = this.queue.then(() => this.execute(script, false));
    this.queue = run.catch(() => undefined);
    const result = await run;
    if (result.killed) return 'the build was stopped';
    const [self, uid, gid] = existsSync(out) ? readFileSync(out, 'utf8').split('\n') : [];
    let resolved: { user?: SwitchUser; problem?: string };
    if (!self) resolved = { problem: `could not determine the build's user (exit status ${result.exitCode})` };
    else if (!uid || !gid) resolved = { problem: `run-as user ${name} does not exist` };
    else if (uid === self) resolved = {};
    else if (self !== '0') resolved = { problem: `Drydock must run as root to honour run-as ${name}: it runs as uid ${self}, which cannot switch users` };
    else {
      const setpriv = this.setprivPath();
      resolved = setpriv ? { user: { uid, gid, setpriv } } : { problem: `run-as ${name} needs setpriv (util-linux), which was not found on the host` };
    }
    if (resolved.user && !this.accessGranted && this.opts.runAsAccess) {
      const granted = await this.grantAccess(this.opts.runAsAccess);
      if (granted) return granted;
      this.accessGranted = true;
    }
    this.users.set(name, resolved);
    return resolved.problem;
  }

  /** The session's exported environment as the next command would see it (for exported-variables). */
  async env(): Promise<Record<string, string>> {
    const dump = join(this.stateDir, 'env.dump');
    const run = this.queue.then(() => this.execute(`env -0 > ${quote(dump)}\n`, false));
    this.queue = run.catch(() => undefined);
    const result = await run;
    if (result.exitCode !== 0) throw new Error(`reading the build environment failed with exit status ${result.exitCode}`);
    const env: Record<string, string> = {};
    for (const entry of readFileSync(dump, 'utf8').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  }

  /**
   * Expands text as the Shell Command Language expands a double-quoted word (`$VAR`, `${VAR}`,
   * `$(date +%F)`), in the session's environment and directory: buildspec artifact names.
   */
  async expand(text: string): Promise<string> {
    const out = join(this.stateDir, 'expand.out');
    // An unquoted here-document expands like a double-quoted word, with no quoting of the text needed.
    const end = `DRYDOCK_EXPAND_${randomBytes(8).toString('hex')}`;
    const run = this.queue.then(() => this.execute(`cat > ${quote(out)} <<${end}\n${text}\n${end}\n`, false));
    this.queue = run.catch(() => undefined);
    const result = await run;
    if (result.exitCode !== 0) throw new Error(`expanding ${text} failed with exit status ${result.exitCode}`);
    return readFileSync(out, 'utf8').replace(/\n$/, '');
  }

  /** Sets exported variables for every later command (CODEBUILD_BUILD_SUCCEEDING=0 once a phase failed). */
  async setEnv(vars: Record<string, string>): Promise<void> {
    const set = this.queue.then(() => {
      const lines = Object.entries(vars)
        .filter(([name]) => IDENTIFIER.test(name))
        .map(([name, value]) => `export ${name}=${quote(value)}\n`);
      appendFileSync(join(this.stateDir, 'env'), lines.join(''));
      if (this.opts.isolated) appendFileSync(join(this.stateDir, 'env.initial'), lines.join(''));
    });
    this.queue = set.catch(() => undefined);
    await set;
  }

  /** Kills the session and everything it started, at once; a running command resolves as killed. */
  kill(): void {
    this.killed = true;
    const session = this.session;
    if (!session) return;
    session.kill();
    // Do not wait for the pipes to drain: a daemon that escaped the process tree may hold them open.
    for (const stream of [session.child.stdin, session.child.stdout, session.child.stderr]) stream?.destroy();
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ exitCode: 137, killed: true });
  }

  /** Ends the session (and anything left running in the background) and removes its state. */
  async close(): Promise<void> {
    this.kill();
    await this.session?.exited;
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** Read and execute permission for others on the trees and the directories leading to them from root. */
  private async grantAccess(access: { root: string; trees: string[] }): Promise<string | undefined> {
    const dirs = new Set<string>([access.root]);
    for (const tree of access.trees) {
      for (let dir = dirname(tree); dir.startsWith(`${access.root}/`); dir = dirname(dir)) dirs.add(dir);
    }
    const trees = access.trees.map(quote).join(' ');
    const script = `chmod go+rx -- ${[...dirs].map(quote).join(' ')} && ${trees ? `chmod -R go+rX -- ${trees}` : 'true'}\n`;
    const run = this.queue.then(() => this.execute(script, false));
    this.queue = run.catch(() => undefined);
    const result = await run;
    return result.exitCode === 0 ? undefined : `granting the run-as user read and execute permission on ${access.root} failed (exit status ${result.exitCode})`;
  }

  private setprivPath(): string | undefined {
    for (const dir of [...(this.opts.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
      if (dir && existsSync(join(dir, 'setpriv'))) return join(dir, 'setpriv');
    }
    return undefined;
  }

  private resetState(): void {
    const lines = Object.entries(this.opts.env)
      .filter(([name]) => IDENTIFIER.test(name))
      .map(([name, value]) => `export ${name}=${quote(value)}\n`)
      .join('');
    writeFileSync(join(this.stateDir, 'env'), lines);
    writeFileSync(join(this.stateDir, 'cwd'), `${this.opts.cwd}\n`);
    if (this.opts.isolated) writeFileSync(join(this.stateDir, 'env.initial'), lines);
  }

  private launch(): void {
    const session = this.opts.executor.spawn({
      argv: ['/bin/sh', '-c', CONTROL_LOOP, 'drydock-build-shell', this.stateDir, this.shellPath],
      cwd: this.opts.cwd,
      env: this.opts.env,
      writable: [this.stateDir, ...(this.opts.writable ?? [])],
      hidden: this.opts.hidden,
    });
    this.session = session;
    this.decoder = new StringDecoder('utf8');
    this.partial = '';
    // A session that died between commands fails the write (EPIPE); its exit settles the command.
    session.child.stdin!.on('error', () => undefined);
    session.child.stdin!.write(`${this.token}\n`);
    session.child.stdout!.on('data', (chunk: Buffer) => this.consume(this.decoder.write(chunk)));
    // The control loop's own errors (never the commands': theirs are merged into stdout).
    session.child.stderr!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.opts.onOutput(line);
    });
    void session.exited.then(({ exitCode, signal }) => {
      if (this.session !== session) return;
      this.consume(this.decoder.end());
      if (this.partial) this.emit(this.partial);
      this.partial = '';
      this.session = undefined;
      const pending = this.pending;
      this.pending = undefined;
      // A session that ended under a command: the command failed (killed, or it took its shell with it).
      pending?.resolve({ exitCode: exitCode ?? (signal === 'SIGKILL' ? 137 : 1), killed: this.killed });
    });
  }

  private execute(script: string, userCommand: boolean, user?: SwitchUser): Promise<CommandResult> {
    if (this.killed) return Promise.resolve({ exitCode: 137, killed: true });
    if (!this.session) this.launch();
    const n = ++this.sequence;
    const dir = this.stateDir;
    if (this.opts.isolated && userCommand) {
      writeFileSync(join(dir, 'env'), readFileSync(join(dir, 'env.initial')));
      writeFileSync(join(dir, 'cwd'), `${this.opts.cwd}\n`);
    }
    const restore = [`. ${quote(join(dir, 'env'))} 2>/dev/null`, `IFS= read -r __drydock_cwd < ${quote(join(dir, 'cwd'))} && cd -- "$__drydock_cwd" 2>/dev/null; unset __drydock_cwd`];
    const save = (env: string, cwd: string) => `trap '__drydock_status=$?; export -p >${env}; pwd >${cwd}; exit $__drydock_status' EXIT`;
    let body: string[];
    if (!user) body = userCommand ? [save(quote(join(dir, 'env')), quote(join(dir, 'cwd'))), script] : [script];
    else {
      const envNext = quote(join(dir, 'env.next'));
      const cwdNext = quote(join(dir, 'cwd.next'));
      // $0 names this script in the switched shell's error messages, as for any other command.
      const inner = `${save('&8', '&9')}\n${script}`;
      body = [
        `${quote(user.setpriv)} --reuid=${user.uid} --regid=${user.gid} --init-groups -- ${quote(this.shellPath)} -c ${quote(inner)} "$0" 8>${envNext} 9>${cwdNext}`,
        '__drydock_status=$?',
        `[ -s ${envNext} ] && mv -f ${envNext} ${quote(join(dir, 'env'))}`,
        `[ -s ${cwdNext} ] && mv -f ${cwdNext} ${quote(join(dir, 'cwd'))}`,
        'exit $__drydock_status',
      ];
    }
    writeFileSync(join(dir, `cmd-${n}.sh`), [...restore, ...body].join('\n'));
    return new Promise((resolve) => {
      this.pending = { n, resolve };
      this.session!.child.stdin!.write(`${n}\n`);
    });
  }

  private consume(text: string): void {
    const buffer = this.partial + text;
    let start = 0;
    for (let newline = buffer.indexOf('\n', start); newline >= 0; newline = buffer.indexOf('\n', start)) {
      const end = newline > start && buffer[newline - 1] === '\r' ? newline - 1 : newline;
      this.line(buffer.slice(start, end));
      start = newline + 1;
    }
    this.partial = buffer.slice(start);
    // An endless line is delivered in pieces rather than held back (a token never spans a cut: the
    // marker is printed whole, right after its command ended, and MAX_LINE is far longer).
    if (this.partial.length > MAX_LINE && !this.partial.includes(this.token)) {
      const keep = this.partial.length % MAX_LINE || MAX_LINE;
      this.emit(this.partial.slice(0, this.partial.length - keep));
      this.partial = this.partial.slice(this.partial.length - keep);
    }
  }

  private emit(text: string): void {
    for (let at = 0; at < text.length; at += MAX_LINE) this.opts.onOutput(text.slice(at, at + MAX_LINE));
    if (text.length === 0) this.opts.onOutput('');
  }

  private line(line: string): void {
    const marker = this.markerPattern.exec(line);
    if (!marker) {
      this.emit(line);
      return;
    }
    // Output without a final newline ends up in front of the marker: it is still the command's output.
    if (marker.index > 0) this.emit(line.slice(0, marker.index));
    const n = Number(marker[1]);
    const status = Number(marker[2]);
    const pending = this.pending;
    if (pending && pending.n === n) {
      this.pending = undefined;
      rmSync(join(this.stateDir, `cmd-${n}.sh`), { force: true });
      pending.resolve({ exitCode: status, killed: false });
    }
  }
}
