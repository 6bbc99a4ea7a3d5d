/** `drydock status` and `drydock reset`: the internal API of a running Drydock. */
import { createInterface } from 'node:readline';
import { callInternal, endpointOf } from './endpoint.js';
import { CommandFailed, parseOptions, printJsonLine, UsageError, wantsJson } from './usage.js';

const CLIENT_OPTIONS = { endpoint: { type: 'string' }, json: { type: 'boolean' } } as const;

interface Health {
  status: string;
  version: string;
  services: Record<string, string>;
  sandbox: string;
  dataDir: string;
  time: string;
}

export async function status(args: string[]): Promise<void> {
  const { values } = parseOptions({ args, options: CLIENT_OPTIONS });
  const endpoint = endpointOf(values.endpoint);
  const { ok, body } = await callInternal(endpoint, 'GET', 'health');
  if (!ok) throw new CommandFailed(`${endpoint} answered the health check with ${JSON.stringify(body)}`);
  if (wantsJson(values.json)) return printJsonLine(body);
  const health = body as unknown as Health;
  process.stdout.write(
    [
      `Drydock ${health.version} ${health.status} at ${endpoint}`,
      `  data      ${health.dataDir}`,
      `  time      ${health.time}`,
      `  sandbox   ${health.sandbox}`,
      `  services  ${Object.keys(health.services).sort().join(', ')}`,
      '',
    ].join('\n'),
  );
}

/** Asks on the terminal (the question on stderr, so stdout keeps only the result); anything but y or yes is no. */
function confirm(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    // Ctrl-D or Ctrl-C closes the interface without an answer: that is a no.
    terminal.once('close', () => resolve(false));
    terminal.once('SIGINT', () => {
      process.stderr.write('\n');
      terminal.close();
    });
    terminal.question(question, (answer) => {
      resolve(/^y(es)?$/i.test(answer.trim()));
      terminal.close();
    });
  });
}

export async function reset(args: string[]): Promise<void> {
  const { values } = parseOptions({ args, options: { ...CLIENT_OPTIONS, yes: { type: 'boolean', short: 'y' } } });
  const endpoint = endpointOf(values.endpoint);
  if (!values.yes) {
    // Wiping is not undoable: a script or a pipe cannot answer the question, so it must say --yes.
    if (!process.stdin.isTTY) throw new UsageError(`reset deletes all state of the Drydock at ${endpoint} and stdin is not a terminal to confirm on: pass --yes`);
    const { body } = await callInternal(endpoint, 'GET', 'health');
    const question = `Delete every resource of every service of the Drydock at ${endpoint} (data: ${String(body.dataDir)}) and reset its clock? [y/N] `;
    if (!(await confirm(question))) throw new CommandFailed('reset cancelled: nothing was deleted');
  }
  const { ok, body } = await callInternal(endpoint, 'POST', 'reset');
  if (!ok) throw new CommandFailed(`reset failed: ${endpoint} answered ${JSON.stringify(body)}`);
  if (wantsJson(values.json)) return printJsonLine(body);
  process.stdout.write(`Drydock at ${endpoint} reset: every resource deleted, the clock back to the real time\n`);
}
