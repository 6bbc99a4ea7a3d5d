import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/temp-dirs.js';
import { type Bind, Executor, type SandboxMode, type Session, sandboxWorks } from './executor.js';
import { createLogger } from './logger.js';

const log = createLogger('silent');
const tempDir = tempDirs('drydock-executor-');
const sessions: Session[] = [];

afterEach(() => {
  for (const session of sessions.splice(0)) session.kill();
});

/** Starts `command` in a session of `mode`; `done` settles with its exit and everything it printed. */
function start(mode: SandboxMode, command: string, req: { cwd: string; env?: Record<string, string>; writable?: string[]; hidden?: string[]; binds?: Bind[] }) {
  const session = new Executor(log, mode).spawn({ argv: ['/bin/sh', '-c', command], env: { PATH: process.env.PATH! }, ...req });
  sessions.push(session);
  session.child.stdin!.end();
  let output = '';
  session.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  session.child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { session, done: session.exited.then((exit) => ({ ...exit, output })) };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for the session's background loop to write `tick`, kills the session, and checks the loop
 * stopped writing (a killed process may linger as a zombie under a non-reaping init, so its pid is
 * no proof).
 */
async function stillTicking(cwd: string, session: Session, done: Promise<unknown>): Promise<void> {
  while (!existsSync(join(cwd, 'tick'))) await tick(20);
  session.kill();
  await done;
  await tick(200);
  const after = readFileSync(join(cwd, 'tick'), 'utf8');
  await tick(500);
  expect(readFileSync(join(cwd, 'tick'), 'utf8')).toBe(after);
}

describe('Executor', () => {
  it('runs a plain process in its working directory with its environment', async () => {
    const cwd = tempDir();
    const { done } = start('process', 'echo "$GREETING" > out.txt; cat out.txt; exit 3', { cwd, env: { PATH: process.env.PATH!, GREETING: 'hi' } });
    expect(await done).toMatchObject({ exitCode: 3, output: 'hi\n' });
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('hi\n');
  });

  it('refuses binds for a plain process, which cannot be given another view of the file system', () => {
    expect(() => new Executor(log, 'process').spawn({ argv: ['true'], cwd: tempDir(), env: {}, binds: [{ source: tempDir(), target: '/var/task' }] })).toThrow(/binds need a sandbox/);
  });

  it('kill() ends a plain process and the children it started in the background', async () => {
    const cwd = tempDir();
    const { session, done } = start('process', 'while :; do date +%s%N > tick; sleep 0.05; done & sleep 30', { cwd });
    await stillTicking(cwd, session, done);
  });

  it('detect() finds in the background the sandbox the synchronous probe finds, and knownMode has it from then on', async () => {
    const executor = new Executor(log);
    expect(executor.knownMode).toBeUndefined();
    const probing = executor.detect();
    expect(executor.detect()).toBe(probing);
    const expected = (['bubblewrap', 'namespaces'] as const).find(sandboxWorks) ?? 'process';
    expect(await probing).toBe(expected);
    expect(executor.knownMode).toBe(expected);
    expect(executor.mode).toBe(expected);
  });
});

describe.each(['bubblewrap', 'namespaces'] as const)('the %s sandbox', (mode) => {
  const available = sandboxWorks(mode);

  it('shows the host read-only, a private /tmp, hidden paths empty, and only the asked paths writable', async (ctx) => {
    if (!available) ctx.skip(`${mode} does not work on this machine`);
    const cwd = tempDir();
    const extra = tempDir();
    const data = tempDir();
    writeFileSync(join(data, 'secret'), 'do not show');
    const insideHidden = join(data, 'work');
    mkdirSync(insideHidden);
    const marker = join(tmpdir(), `drydock-marker-${process.pid}-${mode}`);
    // Outside /tmp (whose private copy is writable): the project's own directory.
    const outside = join(process.cwd(), `drydock-escape-${process.pid}`);
    writeFileSync(marker, 'host');
    try {
      const script = [
        'echo "cwd=$(pwd)"',
        `test -e ${marker} && echo marker-visible || echo marker-hidden`,
        `test -e ${data}/secret && echo secret-visible || echo secret-hidden`,
        'touch /etc/drydock-escape 2>/dev/null && echo etc-written || echo etc-readonly',
        `touch ${outside} 2>/dev/null && echo outside-written || echo outside-readonly`,
        'echo own > own.txt',
        `echo extra > ${extra}/extra.txt`,
        `echo inside > ${insideHidden}/inside.txt`,
        'echo private > /tmp/private.txt',
        `test -e /proc/${process.pid} && echo host-pid-visible || echo host-pid-hidden`,
        'echo "path=$PATH"',
      ].join('; ');
      const { done } = start(mode, script, { cwd, writable: [extra, insideHidden], hidden: [data] });
      const { exitCode, output } = await done;
      expect(exitCode).toBe(0);
      expect(output.trim().split('\n')).toEqual([`cwd=${cwd}`, 'marker-hidden', 'secret-hidden', 'etc-readonly', 'outside-readonly', `host-pid-hidden`, `path=${process.env.PATH}`]);
      expect(readFileSync(join(cwd, 'own.txt'), 'utf8')).toBe('own\n');
      expect(readFileSync(join(extra, 'extra.txt'), 'utf8')).toBe('extra\n');
      expect(readFileSync(join(insideHidden, 'inside.txt'), 'utf8')).toBe('inside\n');
      expect(existsSync('/tmp/private.txt')).toBe(false);
      expect(existsSync('/etc/drydock-escape')).toBe(false);
      expect(existsSync(outside)).toBe(false);
    } finally {
      rmSync(marker, { force: true });
    }
  });

  it('binds host directories read-only at other paths, making missing targets without touching the host', async (ctx) => {
    if (!available) ctx.skip(`${mode} does not work on this machine`);
    const code = tempDir();
    writeFileSync(join(code, 'handler.txt'), 'code');
    const layers = tempDir();
    writeFileSync(join(layers, 'layer.txt'), 'layer');
    // Neither exists on the host: each is made on an overlay of /var, which the host never sees.
    const [task, runtime] = [`/var/drydock-task-${process.pid}`, `/var/drydock-runtime-${process.pid}`];
    const script = [
      `cat ${task}/handler.txt; echo`,
      `cat ${runtime}/layer.txt; echo`,
      `touch ${task}/new 2>/dev/null && echo task-written || echo task-readonly`,
      'touch /var/drydock-escape 2>/dev/null && echo var-written || echo var-readonly',
      'ls -d /var/lib >/dev/null && echo var-lib-visible',
    ].join('; ');
    const binds = [
      { source: code, target: task },
      { source: layers, target: runtime },
    ];
    const { exitCode, output } = await start(mode, script, { cwd: tempDir(), binds }).done;
    expect(exitCode).toBe(0);
    expect(output.trim().split('\n')).toEqual(['code', 'layer', 'task-readonly', 'var-readonly', 'var-lib-visible']);
    expect(existsSync(task)).toBe(false);
    expect(existsSync(runtime)).toBe(false);
    expect(existsSync(join(code, 'new'))).toBe(false);
  });

  it('leaves root unable to undo the sandbox, yet able to switch users', async (ctx) => {
    if (!available) ctx.skip(`${mode} does not work on this machine`);
    if (process.getuid?.() !== 0) ctx.skip('runs as root only');
    const script = [
      'mount -o remount,rw / 2>/dev/null && echo remounted || echo remount-refused',
      'mount -t tmpfs tmpfs /etc 2>/dev/null && echo mounted || echo mount-refused',
      'setpriv --reuid=65534 --regid=65534 --clear-groups id -u',
    ].join('; ');
    const { exitCode, output } = await start(mode, script, { cwd: tempDir() }).done;
    expect(exitCode).toBe(0);
    expect(output.trim().split('\n')).toEqual(['remount-refused', 'mount-refused', '65534']);
  });

  it('kill() also ends a process that left the session with setsid', async (ctx) => {
    if (!available) ctx.skip(`${mode} does not work on this machine`);
    const cwd = tempDir();
    const { session, done } = start(mode, 'setsid sh -c "while :; do date +%s%N > tick; sleep 0.05; done" & sleep 30', { cwd });
    await stillTicking(cwd, session, done);
  });
});
