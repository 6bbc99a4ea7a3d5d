import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../../../test/temp-dirs.js';
import { Executor } from '../../../core/executor.js';
import { createLogger } from '../../../core/logger.js';
import { BuildShell, type BuildShellOptions } from './shell.js';

const executor = new Executor(createLogger('silent'));
const opened: BuildShell[] = [];
const workDir = tempDirs('drydock-shell-test-');

function start(extra: Partial<BuildShellOptions> = {}): { shell: BuildShell; lines: string[]; cwd: string } {
  const cwd = extra.cwd ?? workDir();
  const lines: string[] = [];
  const shell = BuildShell.start({ executor, cwd, env: { PATH: process.env.PATH!, HOME: cwd }, onOutput: (line) => lines.push(line), ...extra });
  opened.push(shell);
  return { shell, lines, cwd };
}

/** Whether a process still runs (a killed process re-parented to a non-reaping init lingers as a zombie). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe('BuildShell', () => {
  it('carries the directory and exported variables from one command to the next', async () => {
    const { shell, lines, cwd } = start();
    mkdirSync(join(cwd, 'sub'));
    expect(await shell.run('cd sub && export GREETING="hello world" && PLAIN=not-exported')).toEqual({ exitCode: 0, killed: false });
    expect((await shell.run('pwd; echo "$GREETING"; echo "plain=${PLAIN:-unset}"')).exitCode).toBe(0);
    expect(lines).toEqual([join(cwd, 'sub'), 'hello world', 'plain=unset']);
    const env = await shell.env();
    expect(env.GREETING).toBe('hello world');
    expect(env.PLAIN).toBeUndefined();
  });

  it('counts `exit 3` as that command failing and keeps the session usable', async () => {
    const { shell, lines } = start();
    await shell.run('export KEPT=yes');
    expect(await shell.run('echo before; exit 3; echo never')).toEqual({ exitCode: 3, killed: false });
    expect(await shell.run('echo "kept=$KEPT"')).toEqual({ exitCode: 0, killed: false });
    expect(lines).toEqual(['before', 'kept=yes']);
  });

  it('reports the status of a failing command and merges stderr with stdout in order', async () => {
    const { shell, lines } = start();
    const result = await shell.run('echo out; echo err >&2; echo out2; no-such-command-drydock');
    expect(result.exitCode).toBe(127);
    expect(lines.slice(0, 3)).toEqual(['out', 'err', 'out2']);
    expect(lines[3]).toMatch(/no-such-command-drydock: command not found/);
  });

  it('runs multi-line commands and gives commands that read stdin an empty input', async () => {
    const { shell, lines } = start();
    expect((await shell.run('if true; then\n  echo multi\nfi\ncat; read -r x || echo "stdin closed"')).exitCode).toBe(0);
    expect((await shell.run('echo still-in-control')).exitCode).toBe(0);
    expect(lines).toEqual(['multi', 'stdin closed', 'still-in-control']);
  });

  it('delivers output that does not end in a newline, and unset variables stay unset', async () => {
    const { shell, lines } = start({ env: { PATH: process.env.PATH!, DROP_ME: 'x' } });
    await shell.run('printf partial; unset DROP_ME');
    await shell.run('echo "drop=${DROP_ME:-gone}"');
    expect(lines).toEqual(['partial', 'drop=gone']);
  });

  it('streams large output line by line and cuts endless lines into pieces', async () => {
    const { shell, lines } = start();
    expect((await shell.run('seq 1 20000; head -c 150000 /dev/zero | tr "\\0" x')).exitCode).toBe(0);
    expect(lines.slice(0, 20000)).toEqual(Array.from({ length: 20000 }, (_, i) => String(i + 1)));
    expect(lines.slice(20000).map((l) => l.length)).toEqual([65536, 65536, 18928]);
  });

  it('keeps its control marker out of sight of the commands (ps, environment)', async () => {
    const { shell, lines } = start();
    // The command's own and its control loop's arguments, as ps shows them (not `ps -e`: other
    // processes on the machine, a concurrent test's git with a 40-hex commit id, say, show hex too).
    expect((await shell.run('for pid in $PPID $$; do tr "\\0" " " < /proc/$pid/cmdline; echo; done; env')).exitCode).toBe(0);
    expect(await shell.run('echo after')).toEqual({ exitCode: 0, killed: false });
    expect(lines.some((line) => line.includes('drydock-build-shell'))).toBe(true);
    // The token is 32 hex digits; nothing a command can list shows one.
    expect(lines.filter((line) => /[0-9a-f]{32}/.test(line))).toEqual([]);
    expect(lines.at(-1)).toBe('after');
  });

  it('expands artifact names as the shell would, in the session', async () => {
    const { shell } = start();
    await shell.run('export GREETING=hello; mkdir -p dist && cd dist');
    expect(await shell.expand('name-$GREETING-${GREETING}-$(basename "$PWD")-"quoted"-$(date +%Y | wc -c)')).toBe('name-hello-hello-dist-"quoted"-5');
    expect(await shell.expand('plain')).toBe('plain');
    await expect(shell.expand('$(exit 3)${UNSET?is unset}')).rejects.toThrow(/failed with exit status/);
  });

  it('applies setEnv to later commands', async () => {
    const { shell, lines } = start({ env: { PATH: process.env.PATH!, CODEBUILD_BUILD_SUCCEEDING: '1' } });
    await shell.setEnv({ CODEBUILD_BUILD_SUCCEEDING: '0', QUOTED: "it's" });
    await shell.run('echo "$CODEBUILD_BUILD_SUCCEEDING $QUOTED"');
    expect(lines).toEqual(["0 it's"]);
  });

  it('uses /bin/sh when the buildspec asks for it', async () => {
    const { shell, lines } = start({ shell: '/bin/sh' });
    await shell.run('cd / && export FROM_SH=1');
    await shell.run('echo "$(pwd) $FROM_SH"; echo "${BASH_VERSION:-no-bash}"');
    expect(lines).toEqual(['/ 1', 'no-bash']);
  });

  it('in isolated mode (buildspec 0.1) starts every command afresh', async () => {
    const { shell, lines, cwd } = start({ isolated: true });
    await shell.run('cd / && export GONE=1');
    await shell.run('pwd; echo "gone=${GONE:-unset}"');
    expect(lines).toEqual([cwd, 'gone=unset']);
  });

  it('kill() ends a running command and its background children at once', async () => {
    const { shell, cwd } = start();
    await shell.run('sleep 30 >/dev/null 2>&1 & echo $! > bg.pid');
    const running = shell.run('sleep 30');
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    shell.kill();
    expect(await running).toEqual({ exitCode: 137, killed: true });
    // Long before the sleep would end: the kill, not completion, ended it (latency is in the bench).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await shell.run('echo after')).toEqual({ exitCode: 137, killed: true });
    // The background sleep went with it (in a sandbox its pid is the sandbox's own, not checked here).
    if (executor.mode === 'process') {
      const pid = Number(readFileSync(join(cwd, 'bg.pid'), 'utf8'));
      // SIGKILL is delivered asynchronously: give the kernel a moment to end it.
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
      expect(alive(pid)).toBe(false);
    }
  });

  it('restarts the session when a command kills its own control loop', async () => {
    const { shell, lines } = start();
    await shell.run('export SURVIVES=yes');
    const result = await shell.run('kill -9 $PPID; sleep 1');
    expect(result.exitCode).not.toBe(0);
    expect((await shell.run('echo "survives=$SURVIVES"')).exitCode).toBe(0);
    expect(lines).toContain('survives=yes');
  });

  it('in a sandbox, hides the data directory and gives the build its own /tmp', async (ctx) => {
    if (executor.mode === 'process') ctx.skip('neither bubblewrap nor unshare namespaces work on this machine');
    const dataDir = workDir();
    writeFileSync(join(dataDir, 'secret.db'), 'data');
    const hostTmp = join(tmpdir(), `drydock-host-marker-${process.pid}`);
    writeFileSync(hostTmp, 'host');
    // The build's work directory lives inside the hidden data directory, as the runner lays it out.
    const cwd = join(dataDir, 'builds', 'b1', 'src');
    mkdirSync(cwd, { recursive: true });
    const { shell, lines } = start({ hidden: [dataDir], cwd });
    await shell.run(`test -e ${join(dataDir, 'secret.db')} && echo data-visible || echo data-hidden`);
    await shell.run(`test -e ${hostTmp} && echo tmp-shared || echo tmp-private; echo x > /tmp/own && cat /tmp/own`);
    await shell.run('touch /usr/drydock-escape 2>/dev/null && echo wrote || echo readonly; echo built > out.txt');
    rmSync(hostTmp, { force: true });
    expect(lines).toEqual(['data-hidden', 'tmp-private', 'x', 'readonly']);
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('built\n');
  });
});

describe('BuildShell run-as', () => {
  const isRoot = process.getuid?.() === 0;

  it('runs a command as another user with its exit status, state and error messages as any command', async (ctx) => {
    if (!isRoot) ctx.skip('switching users needs root');
    const root = workDir();
    const cwd = join(root, 'src');
    mkdirSync(cwd);
    const { shell, lines } = start({ cwd, runAsAccess: { root, trees: [cwd] } });
    expect(await shell.checkUser('nobody')).toBeUndefined();
    expect(await shell.checkUser('root')).toBeUndefined();
    expect(await shell.checkUser('drydock-no-such-user')).toBe('run-as user drydock-no-such-user does not exist');
    await expect(shell.run('true', 'drydock-no-such-user')).rejects.toThrow('run-as user drydock-no-such-user does not exist');
    await shell.run('export BEFORE=1');
    expect(await shell.run('echo "$(id -un) $BEFORE"; export AFTER=2; exit 3', 'nobody')).toEqual({ exitCode: 3, killed: false });
    expect((await shell.run('no-such-command-drydock', 'nobody')).exitCode).toBe(127);
    await shell.run('echo "$(id -un) $AFTER"', 'root');
    expect(lines[0]).toBe('nobody 1');
    expect(lines[1]).toMatch(/cmd-\d+\.sh: .*no-such-command-drydock/);
    expect(lines[2]).toBe('root 2');
  });

  it('kill() ends a command running as another user', async (ctx) => {
    if (!isRoot) ctx.skip('switching users needs root');
    const root = workDir();
    const { shell } = start({ cwd: root, runAsAccess: { root, trees: [] } });
    expect(await shell.checkUser('nobody')).toBeUndefined();
    const running = shell.run('sleep 30', 'nobody');
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    shell.kill();
    expect(await running).toEqual({ exitCode: 137, killed: true });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
