#!/usr/bin/env node
/**
 * The drydock command: finds the command (and subcommand) named on the command line, answers
 * --help for any of them, runs it, and turns its failure into one line and an exit code:
 * 1 when it failed, 2 when drydock was invoked wrongly. `drydock --help` tells the rest.
 */
import { VERSION } from '../version.js';
import { reset, status } from './admin.js';
import { aws } from './aws.js';
import { buildLogs, listBuilds } from './builds.js';
import { HELP } from './help.js';
import { approve } from './pipelines.js';
import { snsOutbox } from './sns.js';
import { start } from './start.js';
import { CommandFailed, UsageError } from './usage.js';

/** Commands by their path on the command line. */
const COMMANDS: Record<string, (args: string[]) => Promise<void> | void> = {
  start,
  status,
  reset,
  aws,
  builds() {
    throw new UsageError('builds needs a subcommand: list or logs');
  },
  'builds list': listBuilds,
  'builds logs': buildLogs,
  pipelines() {
    throw new UsageError('pipelines needs a subcommand: approve');
  },
  'pipelines approve': approve,
  sns() {
    throw new UsageError('sns needs a subcommand: outbox');
  },
  'sns outbox': snsOutbox,
};

const isHelpFlag = (arg: string | undefined) => arg === '--help' || arg === '-h';

/** --help anywhere before a `--` asks for the command's help; the aws CLI's arguments are its own, but right after `aws`. */
function asksForHelp(command: string, args: string[]): boolean {
  if (command === 'aws') return isHelpFlag(args[0]);
  const end = args.indexOf('--');
  return args.slice(0, end < 0 ? undefined : end).some(isHelpFlag);
}

/** The command path (['builds', 'logs']) and the arguments after it. */
function locate(argv: string[]): { path: string[]; args: string[] } {
  const [command, ...args] = argv;
  if (!['builds', 'pipelines', 'sns'].includes(command) || args.length === 0 || isHelpFlag(args[0])) return { path: [command], args };
  return { path: [command, args[0]], args: args.slice(1) };
}

function helpOf(words: string[]): string {
  const text = HELP[words.join(' ')];
  if (text === undefined) throw new UsageError(`no help for "${words.join(' ')}": there is no such command`, '');
  return text;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || isHelpFlag(first)) return void process.stdout.write(HELP['']);
  if (first === '--version' || first === '-v') return void process.stdout.write(`${VERSION}\n`);
  if (first === 'help') return void process.stdout.write(helpOf(rest.filter((arg) => !isHelpFlag(arg))));
  const { path, args } = locate(argv);
  const name = path.join(' ');
  const command = COMMANDS[name];
  if (!command) {
    if (path.length > 1) throw new UsageError(`unknown ${path[0]} command "${path[1]}"`, path[0]);
    throw new UsageError(first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}"`, '');
  }
  if (asksForHelp(name, args)) return void process.stdout.write(HELP[name]);
  try {
    await command(args);
  } catch (err) {
    if (err instanceof UsageError) err.helpFor ??= name;
    throw err;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`drydock: ${err.message} (see drydock ${err.helpFor ? `${err.helpFor} ` : ''}--help)\n`);
    process.exit(2);
  }
  // An expected failure is one line; anything else is a bug in Drydock, and keeps its stack.
  const text = err instanceof CommandFailed ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`drydock: ${text}\n`);
  process.exit(1);
});
