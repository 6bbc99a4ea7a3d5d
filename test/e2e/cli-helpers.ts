/** Running the built `drydock` command as a user does: from a script (pipes), or on a terminal. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

export const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a user with no AWS or Drydock configuration of their own, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('DRYDOCK_')) env[k] = v;
  return { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...extra };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

/** Runs the CLI to completion with stdin, stdout and stderr on pipes (as from a script or CI): `stdin` is all it reads. */
export function drydock(args: string[], env: Record<string, string> = {}, stdin = ''): Promise<CliResult> {
  return run(process.execPath, [CLI, ...args], cleanEnv(env), stdin);
}

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * Runs the CLI on a terminal (a pseudo-terminal from util-linux's `script`), typing `typed` into
 * it. stdout and stderr both arrive in `output`, with the terminal's line endings and readline's
 * escape sequences taken out; what was typed is echoed at its start.
 */
export async function onTerminal(args: string[], env: Record<string, string> = {}, typed = ''): Promise<{ code: number; output: string }> {
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  const { code, stdout } = await run('script', ['--quiet', '--return', '--command', command, '/dev/null'], cleanEnv(env), typed);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what starts a terminal control sequence.
  return { code, output: stdout.replaceAll('\r\n', '\n').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '') };
}

/** A free TCP port on 127.0.0.1 (free when asked: the caller binds it next). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * The built CLI started in its own process on a free port and `dataDir`, once it prints its ready
 * line: what the kill -9 tests start, SIGKILL mid-work and start again on the same directory.
 */
export async function startBuiltDrydock(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'start', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], {
    env: { ...process.env, DRYDOCK_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((ready, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready on')) ready();
    });
    child.once('exit', (code) => fail(new Error(`drydock exited with ${code} before it was ready: ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}
