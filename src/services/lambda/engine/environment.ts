/**
 * One execution environment: a sandboxed process (the core executor) running a runtime that pulls
 * invocations from its own Runtime API (runtime-api.ts). It is initialized once (until the runtime
 * first asks for an invocation, or reports or dies of an init error), then runs one invocation at a
 * time. A timeout kills it, as AWS resets an environment whose invocation timed out; so does the
 * runtime exiting. Every line the process prints goes to `onLine`, whichever invocation it belongs to.
 */
import { readFileSync } from 'node:fs';
import type { Clock, ClockTimer } from '../../../core/clock.js';
import type { Bind, Executor, Session } from '../../../core/executor.js';
import { RuntimeApi, type RuntimeInvocation, type RuntimeOutcome } from './runtime-api.js';

/** Managed runtimes get this long to initialize (AWS's limit for on-demand functions). */
const INIT_TIMEOUT_MS = 10_000;

/**
 * A limit on a function's own work, as a clock timer: real seconds whatever the clock's scale (a
 * scaled clock must not cut a 3-second function to 50 milliseconds), and still fired by a clock
 * advance that goes past it (`POST /_drydock/time`), which is how tests reach it.
 */
function workTimer(clock: Clock, ms: number, fire: () => void): ClockTimer {
  return clock.after(ms * clock.scale, fire);
}

interface EnvironmentSpec {
  executor: Executor;
  clock: Clock;
  argv: string[];
  /** What the process starts with: the variables that do not depend on the function (paths), or all of them. */
  env: Record<string, string>;
  cwd: string;
  binds: Bind[];
  hidden: string[];
  /**
   * The runtime reads its function's variables from stdin once assigned (Drydock's bootstraps do):
   * the process can then start, as a spare, before its function is known.
   */
  assignedOnStdin: boolean;
}

/** How initialization ended. */
type InitResult = { ok: true; durationMs: number } | { ok: false; durationMs: number; errorType: string; payload: Buffer; reason: string };

/** How an invocation ended: the runtime's report, the deadline, or the runtime's death. */
export type InvocationOutcome = RuntimeOutcome | { kind: 'timeout'; durationMs: number } | { kind: 'exit'; detail: string };

export class ExecutionEnvironment {
  state: 'spare' | 'starting' | 'idle' | 'busy' | 'dead' = 'spare';
  /** Where every line the process prints goes. */
  onLine: (line: string) => void = () => {};
  private session?: Session;
  private api?: RuntimeApi;
  private exitListeners: ((detail: string) => void)[] = [];
  private exitDetail?: string;
  private runtimePid?: number;
  private markEnded!: () => void;
  /** Settles once the environment is dead (killed, or its runtime exited). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(private readonly spec: EnvironmentSpec) {}

  /** Starts the process; `assigned` joins its environment unless the runtime takes it from stdin later. An error leaves the environment dead. */
  spawn(assigned: Record<string, string> = {}): void {
    const env = this.spec.assignedOnStdin ? { ...this.spec.env, DRYDOCK_LAMBDA_ASSIGNMENT: 'stdin' } : { ...this.spec.env, ...assigned };
    try {
      this.session = this.spec.executor.spawn({ argv: this.spec.argv, cwd: this.spec.cwd, env, binds: this.spec.binds, hidden: this.spec.hidden });
    } catch (err) {
      this.exited(`spawn failed: ${(err as Error).message}`);
      return;
    }
    // A runtime that died before reading its assignment closes the pipe: writing then is no error of ours.
    this.session.child.stdin?.on('error', () => undefined);
    if (!this.spec.assignedOnStdin) this.session.child.stdin?.end();
    for (const stream of [this.session.child.stdout, this.session.child.stderr]) if (stream) this.readLines(stream);
    void this.session.exited.then(({ exitCode, signal }) => this.exited(signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${exitCode ?? 'unknown'}`));
  }

  /**
   * Gives the environment its function (its variables, with the Runtime API's address) and waits
   * for the runtime's initialization to end; a failed one leaves the environment dead.
   */
  async start(assigned: Record<string, string>): Promise<InitResult> {
    this.state = 'starting';
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    let settle!: (result: InitResult) => void;
    const result = new Promise<InitResult>((resolve) => (settle = resolve));
    const fail = (errorType: string, payload: object, reason: string) => {
      settle({ ok: false, durationMs: elapsed(), errorType, payload: Buffer.from(JSON.stringify(payload)), reason });
      this.kill();
    };
    this.api = await RuntimeApi.start({
      ready: () => settle({ ok: true, durationMs: elapsed() }),
      initError: (body, errorType) => {
        const type = errorType ?? parsedErrorType(body) ?? 'Runtime.Unknown';
        settle({ ok: false, durationMs: elapsed(), errorType: type, payload: body, reason: type });
        this.kill();
      },
    });
    const variables = { ...assigned, AWS_LAMBDA_RUNTIME_API: this.api.address };
    if (!this.session && this.exitDetail === undefined) this.spawn(variables);
    else if (this.spec.assignedOnStdin) this.session?.child.stdin?.end(`${JSON.stringify(variables)}\n`);
    this.onExit((detail) => fail('Runtime.ExitError', { errorType: 'Runtime.ExitError', errorMessage: `Error: Runtime exited with error: ${detail}` }, `Runtime exited with error: ${detail}`));
    const timer = workTimer(this.spec.clock, INIT_TIMEOUT_MS, () =>
      fail('Runtime.Unknown', { errorType: 'Runtime.Unknown', errorMessage: `Init timed out after ${(INIT_TIMEOUT_MS / 1000).toFixed(2)} seconds` }, 'init timed out'),
    );
    const outcome = await result;
    timer.cancel();
    this.exitListeners = [];
    if (outcome.ok && this.state === 'starting') this.state = 'idle';
    return outcome;
  }

  /** Runs one invocation; the environment is busy until it ends, and dead after a timeout or the runtime's exit. */
  invoke(invocation: RuntimeInvocation, timeoutMs: number): Promise<InvocationOutcome> {
    if (this.state !== 'idle' || !this.api) return Promise.resolve({ kind: 'exit', detail: 'the environment is not ready' });
    this.state = 'busy';
    const started = performance.now();
    return new Promise<InvocationOutcome>((resolve) => {
      let timer: ClockTimer | undefined;
      const finish = (outcome: InvocationOutcome) => {
        timer?.cancel();
        this.exitListeners = [];
        if (this.state === 'busy') this.state = 'idle';
        resolve(outcome);
      };
      this.onExit((detail) => finish({ kind: 'exit', detail }));
      timer = workTimer(this.spec.clock, timeoutMs, () => {
        this.api?.abandon();
        this.kill();
        finish({ kind: 'timeout', durationMs: performance.now() - started });
      });
      // Lines the runtime printed before its report are in the pipe already: one turn of the event
      // loop lets them arrive first, so they belong to this invocation.
      this.api!.deliver(invocation, (outcome) => setImmediate(() => finish(outcome)));
    });
  }

  /** The most memory the runtime process has used (VmHWM), in MB; 0 when unknown. */
  maxMemoryUsedMb(): number {
    // A custom runtime's deepest process may be a short-lived helper (curl): look again when it is gone.
    for (let attempt = 0; attempt < 2; attempt++) {
      this.runtimePid ??= this.findRuntimePid();
      if (this.runtimePid === undefined) return 0;
      try {
        const status = readFileSync(`/proc/${this.runtimePid}/status`, 'utf8');
        return Math.ceil(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      } catch {
        this.runtimePid = undefined;
      }
    }
    return 0;
  }

  kill(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.session?.kill();
    this.api?.close();
    this.markEnded();
  }

  private onExit(listener: (detail: string) => void): void {
    if (this.exitDetail !== undefined) listener(this.exitDetail);
    else this.exitListeners.push(listener);
  }

  private exited(detail: string): void {
    this.exitDetail = detail;
    const listeners = this.exitListeners;
    this.exitListeners = [];
    this.kill();
    for (const listener of listeners) listener(detail);
  }

  private readLines(stream: NodeJS.ReadableStream): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.onLine(line.replace(/\r/g, '\n'));
    });
    stream.on('end', () => {
      if (partial) this.onLine(partial.replace(/\r/g, '\n'));
      partial = '';
    });
  }

  /** The deepest process of the session's tree: the runtime itself, below the sandbox's own processes. */
  private findRuntimePid(): number | undefined {
    let pid = this.session?.child.pid;
    if (pid === undefined) return undefined;
    for (let depth = 0; depth < 8; depth++) {
      let children: string[];
      try {
        children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      } catch {
        break;
      }
      if (children.length === 0) break;
      pid = Number(children[children.length - 1]);
    }
    return pid;
  }
}

function parsedErrorType(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : undefined;
  } catch {
    return undefined;
  }
}
