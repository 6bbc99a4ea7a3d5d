/** What every drydock command shares: its two kinds of error, option parsing, and the choice between text and JSON lines. */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A mistake in how drydock was invoked (unknown command or option, bad value): one line, a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help the message points to ('' for drydock's own); the command that threw it, when not given. */
    public helpFor?: string,
  ) {
    super(message);
  }
}

/** The command was understood but could not be done (nothing listening, port in use, unknown build): one line, exit code 1. */
export class CommandFailed extends Error {}

/** node:util's parseArgs (strict: unknown options are errors), with its errors turned into UsageErrors that read like the rest of drydock's. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${/'([^']+)'/.exec(message)?.[1] ?? message}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(message.split('. ')[0]);
    throw err;
  }
}

/** `--json`, or stdout is not a terminal (a pipe, a file, a test): one JSON object per line. Text otherwise. */
export function wantsJson(jsonFlag: boolean | undefined): boolean {
  return jsonFlag === true || !process.stdout.isTTY;
}

export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
