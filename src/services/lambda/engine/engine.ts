/**
 * Runs invocations: finds a warm execution environment of the version invoked (or starts one),
 * enforces reserved and account concurrency (TooManyRequestsException, 429), hands the invocation
 * to the environment, and turns its outcome into what Invoke answers: the payload, AWS's error
 * payloads for timeouts and crashed runtimes, and the invocation's log (START, the function's
 * lines, END, REPORT with durations and memory) for the LogResult tail and CloudWatch Logs.
 * Environments stay warm for a while after an invocation and are reaped when idle; an update of
 * the function retires its environments.
 */
import type { Scope } from '../../../core/accounts.js';
import type { ClockTimer } from '../../../core/clock.js';
import type { Runtime } from '../../contracts.js';
import { lambdaError } from '../common.js';
import type { ExecutionEnvironment, InvocationOutcome } from './environment.js';
import { FunctionLog } from './function-log.js';
import {
  assumeExecutionRole,
  baseEnvironment,
  customBootstrap,
  functionEnvironment,
  type InvocationTarget,
  logGroupName,
  logStreamName,
  needsFreshProcess,
  prepareDirectories,
  type RoleSession,
  runtimePaths,
} from './launch.js';
import { hostRuntime } from './runtimes.js';
import { EnvironmentFactory, type LaunchPlan } from './spares.js';
import { Workspace } from './workspace.js';

/** An idle environment is reaped after this long of Drydock time without an invocation. */
const IDLE_MS = 5 * 60_000;
/** Idle environments kept warm at most, across functions: each is a process holding its memory, on a developer's machine. */
const MAX_IDLE = 32;
/** Concurrent executions an account has in a region unless its quota says otherwise (AWS's default). */
export const ACCOUNT_CONCURRENCY = 1000;

interface InvokeRequest {
  requestId: string;
  payload: Buffer;
  /** The X-Amzn-Trace-Id the function gets (with its recursion lineage). */
  traceId: string;
  clientContext?: string;
}

export interface InvokeResult {
  payload: Buffer;
  /** Set when the function failed: AWS reports every function error as `Unhandled`. */
  functionError?: 'Unhandled';
  /** The invocation's log as written to CloudWatch Logs, START to REPORT. */
  log: string;
}

interface Managed {
  env: ExecutionEnvironment;
  key: string;
  functionKey: string;
  session: RoleSession;
  log: FunctionLog;
  /** Where the environment's lines go besides CloudWatch: the invocation running now collects them. */
  sink: { lines: string[] };
  idleTimer?: ClockTimer;
  retired: boolean;
  initDurationMs?: number;
}

const functionKeyOf = (scope: Scope, name: string) => `${scope.account}\0${scope.region}\0${name}`;

export class Engine {
  readonly workspace: Workspace;
  private readonly idle = new Map<string, Managed[]>();
  private readonly live = new Set<Managed>();
  /** Invocations running (environments starting included), per function and per account and region. */
  private readonly busyByFunction = new Map<string, number>();
  private readonly busyByAccount = new Map<string, number>();
  /** Idle environments, least recently used first. */
  private readonly idleOrder: Managed[] = [];
  /** Set once the server stops: no environment starts after that. */
  private closed = false;

  private readonly factory: EnvironmentFactory;

  constructor(private readonly rt: Runtime) {
    this.workspace = new Workspace(rt.dataDir, rt.store.blobs);
    this.factory = new EnvironmentFactory(rt, this.workspace);
  }

  /** Runs one invocation of `target`; throws TooManyRequestsException when concurrency is exhausted. */
  async invoke(target: InvocationTarget, request: InvokeRequest, reservedTotal: number): Promise<InvokeResult> {
    const functionKey = functionKeyOf(target.scope, target.functionName);
    const accountKey = `${target.scope.account}\0${target.scope.region}`;
    this.checkConcurrency(target, functionKey, accountKey, reservedTotal);
    bump(this.busyByFunction, functionKey, 1);
    if (target.reservedConcurrency === null) bump(this.busyByAccount, accountKey, 1);
    try {
      return await this.run(target, request, functionKey);
    } finally {
      bump(this.busyByFunction, functionKey, -1);
      if (target.reservedConcurrency === null) bump(this.busyByAccount, accountKey, -1);
    }
  }

  /**
   * Readies a spare environment of the target's kind in the background (when a version becomes
   * Active), so that its first invocation finds the process started, as AWS provisions execution
   * environments ahead of demand. Nothing for kinds that never use spares.
   */
  async prepare(target: InvocationTarget): Promise<void> {
    if (this.closed) return;
    const planned = await this.plan(target);
    if ('plan' in planned) this.factory.refill(planned.plan);
  }

  /** Ends every environment of the function (after an update or a delete); busy ones end after their invocation. */
  retire(scope: Scope, name: string): void {
    const functionKey = functionKeyOf(scope, name);
    for (const managed of this.live) {
      if (managed.functionKey !== functionKey) continue;
      managed.retired = true;
      if (managed.env.state !== 'busy' && managed.env.state !== 'starting') this.end(managed);
    }
  }

  /** Invocations of the function running now. */
  running(scope: Scope, name: string): number {
    return this.busyByFunction.get(functionKeyOf(scope, name)) ?? 0;
  }

  /** Kills every environment (data reset); `close` also keeps new ones from starting (server stop). */
  async stop(close = false): Promise<void> {
    this.closed ||= close;
    this.factory.stop(close);
    const all = [...this.live];
    for (const managed of all) this.end(managed);
    await Promise.all(all.map((m) => m.log.flush()));
  }

  private checkConcurrency(target: InvocationTarget, functionKey: string, accountKey: string, reservedTotal: number): void {
    if (target.reservedConcurrency !== null) {
      if ((this.busyByFunction.get(functionKey) ?? 0) >= target.reservedConcurrency) {
        throw lambdaError('TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
      }
      return;
    }
    if ((this.busyByAccount.get(accountKey) ?? 0) >= ACCOUNT_CONCURRENCY - reservedTotal) {
      throw lambdaError('TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ConcurrentInvocationLimitExceeded' });
    }
  }

  private async run(target: InvocationTarget, request: InvokeRequest, functionKey: string): Promise<InvokeResult> {
    const key = `${functionKey}\0${target.version}\0${target.config.RevisionId}`;
    const timeoutMs = (target.config.Timeout ?? 3) * 1000;
    let managed = this.takeIdle(key, timeoutMs);
    const lines: string[] = [];
    let initDurationMs: number | undefined;
    if (!managed) {
      const started = await this.start(target, key, functionKey, lines);
      if ('failure' in started) return this.failedInit(target, request, started.failure, lines);
      managed = started.managed;
      initDurationMs = managed.initDurationMs;
    }
    lines.push(`START RequestId: ${request.requestId} Version: ${target.version}`);
    managed.log.line(lines[lines.length - 1]);
    managed.sink.lines = lines;
    const started = performance.now();
    const outcome = await managed.env.invoke(
      {
        requestId: request.requestId,
        payload: request.payload,
        deadlineMs: Date.now() + timeoutMs,
        invokedFunctionArn: target.invokedArn,
        traceId: request.traceId,
        clientContext: request.clientContext,
      },
      timeoutMs,
    );
    const durationMs = performance.now() - started;
    managed.sink.lines = [];
    const result = outcomeResult(outcome, request.requestId, timeoutMs, this.rt.clock.now());
    const report = [
      `END RequestId: ${request.requestId}`,
      reportLine(request.requestId, outcome.kind === 'timeout' ? timeoutMs : durationMs, target.config.MemorySize ?? 128, managed.env.maxMemoryUsedMb(), initDurationMs),
      ...result.after,
    ];
    for (const line of [...result.before, ...report]) {
      lines.push(line);
      managed.log.line(line);
    }
    this.release(managed);
    return { payload: result.payload, functionError: result.functionError, log: lines.join('\n') };
  }

  /** How environments of the target are started: its runtime's program, its paths, whether spares may serve it. */
  private async plan(target: InvocationTarget): Promise<{ plan: LaunchPlan; dirs: { code: string; opt: string } } | { problem: InitProblem }> {
    const launch = await hostRuntime(target.config.Runtime ?? '', process.env.DRYDOCK_RUNTIME_VERSIONS === 'host');
    if ('problem' in launch) throw lambdaError('InvalidRuntimeException', launch.problem);
    const dirs = await prepareDirectories(this.workspace, target, launch);
    const sandboxed = (this.rt.executor.knownMode ?? (await this.rt.executor.detect())) !== 'process';
    const memory = target.config.MemorySize ?? 128;
    let bootstrapRoot: 'task' | 'opt' = 'task';
    if (launch.family === 'provided') {
      const found = customBootstrap(dirs, runtimePaths(sandboxed, dirs).paths);
      if ('problem' in found) return { problem: { errorType: 'Runtime.InvalidEntrypoint', message: found.problem } };
      bootstrapRoot = found.root;
    }
    const reusable = launch.family !== 'provided' && !needsFreshProcess(target);
    const plan: LaunchPlan = {
      key: reusable ? [sandboxed, memory, ...launch.argv({ taskRoot: '', optRoot: '', runtimeDir: dirs.runtime }, memory, '')].join('\0') : undefined,
      sandboxed,
      runtimeDir: dirs.runtime,
      argv: (paths) => launch.argv(paths, memory, `${bootstrapRoot === 'opt' ? paths.optRoot : paths.taskRoot}/bootstrap`),
      baseEnv: (paths, workDir) => baseEnvironment(launch, paths, sandboxed ? undefined : workDir),
    };
    return { plan, dirs };
  }

  /** A new environment for `key`, initialized; or why it failed (its error payload and lines). */
  private async start(target: InvocationTarget, key: string, functionKey: string, lines: string[]): Promise<{ managed: Managed } | { failure: InitFailure }> {
    if (this.closed) throw lambdaError('ServiceException', 'Drydock is shutting down.');
    const planned = await this.plan(target);
    const session = await assumeExecutionRole(this.rt, target);
    const logStream = logStreamName(this.rt.clock.now(), target.version);
    const log = new FunctionLog(this.rt, { principal: session.principal, region: target.scope.region }, logGroupName(target), logStream);
    if ('problem' in planned) return { failure: { ...planned.problem, log } };
    const { env: environment, slot } = await this.factory.take(planned.plan);
    await this.workspace.fillSlot(slot, planned.dirs.code, planned.dirs.opt);
    this.factory.refill(planned.plan);
    // Until its first invocation, what the environment prints (its initialization) goes with that invocation's lines.
    const sink = { lines };
    environment.onLine = (line) => {
      sink.lines.push(line);
      log.line(line);
    };
    const managed: Managed = { env: environment, key, functionKey, session, log, sink, retired: false };
    this.live.add(managed);
    void environment.ended.then(() => this.live.delete(managed));
    const init = await environment.start(functionEnvironment(target, { session, logStream, endpoint: this.rt.endpoint() }));
    if (!init.ok) {
      this.end(managed);
      return { failure: { errorType: init.errorType, message: init.reason, payload: init.payload, log, initDurationMs: init.durationMs } };
    }
    managed.initDurationMs = init.durationMs;
    return { managed };
  }

  /** The invocation's answer when its environment could not initialize: the runtime's init error, as AWS reports it. */
  private failedInit(target: InvocationTarget, request: InvokeRequest, failure: InitFailure, lines: string[]): InvokeResult {
    const payload = failure.payload ?? Buffer.from(JSON.stringify({ errorType: failure.errorType, errorMessage: `RequestId: ${request.requestId} Error: ${failure.message}` }));
    const all = [
      ...lines,
      ...(failure.payload ? [] : [`RequestId: ${request.requestId} Error: ${failure.message}\n${failure.errorType}`]),
      `INIT_REPORT Init Duration: ${(failure.initDurationMs ?? 0).toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${failure.errorType}`,
      `START RequestId: ${request.requestId} Version: ${target.version}`,
      `END RequestId: ${request.requestId}`,
      `${reportLine(request.requestId, 0, target.config.MemorySize ?? 128, 0, undefined)}Status: error\tError Type: ${failure.errorType}`,
    ];
    for (const line of all.slice(lines.length)) failure.log.line(line);
    void failure.log.flush();
    return { payload, functionError: 'Unhandled', log: all.join('\n') };
  }

  private forgetIdle(managed: Managed): void {
    const pool = this.idle.get(managed.key);
    const at = pool?.indexOf(managed) ?? -1;
    if (at >= 0) pool!.splice(at, 1);
    if (pool?.length === 0) this.idle.delete(managed.key);
    const order = this.idleOrder.indexOf(managed);
    if (order >= 0) this.idleOrder.splice(order, 1);
  }

  /** An idle environment of `key` whose credentials outlast this invocation (the most recently used: it is the warmest). */
  private takeIdle(key: string, timeoutMs: number): Managed | undefined {
    const pool = this.idle.get(key);
    while (pool?.length) {
      const managed = pool[pool.length - 1];
      this.forgetIdle(managed);
      managed.idleTimer?.cancel();
      if (managed.env.state === 'idle' && !managed.retired && managed.session.expiresAt > this.rt.clock.now() + timeoutMs + 60_000) return managed;
      this.end(managed);
    }
    return undefined;
  }

  private release(managed: Managed): void {
    if (managed.retired || managed.env.state !== 'idle') {
      this.end(managed);
      return;
    }
    const pool = this.idle.get(managed.key) ?? [];
    pool.push(managed);
    this.idle.set(managed.key, pool);
    this.idleOrder.push(managed);
    if (this.idleOrder.length > MAX_IDLE) this.end(this.idleOrder[0]);
    managed.idleTimer = this.rt.clock.after(IDLE_MS, () => this.end(managed));
  }

  private end(managed: Managed): void {
    managed.idleTimer?.cancel();
    this.forgetIdle(managed);
    managed.env.kill();
    void managed.log.flush();
  }
}

/** Why an environment cannot even start (a custom runtime without a usable bootstrap). */
interface InitProblem {
  errorType: string;
  message: string;
}

interface InitFailure extends InitProblem {
  payload?: Buffer;
  log: FunctionLog;
  initDurationMs?: number;
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

/** `REPORT RequestId: …\tDuration: …` as AWS writes it (Init Duration on a cold start only). */
function reportLine(requestId: string, durationMs: number, memoryMb: number, usedMb: number, initDurationMs: number | undefined): string {
  const billed = Math.max(1, Math.ceil(durationMs));
  return (
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${billed} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${usedMb} MB\t` +
    (initDurationMs === undefined ? '' : `Init Duration: ${initDurationMs.toFixed(2)} ms\t`)
  );
}

/** The payload an outcome answers with, and the lines AWS logs about it before END and after REPORT. */
function outcomeResult(outcome: InvocationOutcome, requestId: string, timeoutMs: number, now: number) {
  switch (outcome.kind) {
    case 'response':
      return { payload: outcome.body, functionError: undefined, before: [], after: [] };
    case 'error':
      return { payload: outcome.body, functionError: 'Unhandled' as const, before: [], after: [] };
    case 'timeout': {
      const message = `${new Date(now).toISOString()} ${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
      return { payload: Buffer.from(JSON.stringify({ errorMessage: message })), functionError: 'Unhandled' as const, before: [], after: [message] };
    }
    case 'exit': {
      const message = `RequestId: ${requestId} Error: Runtime exited with error: ${outcome.detail}`;
      return {
        payload: Buffer.from(JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: message })),
        functionError: 'Unhandled' as const,
        before: [`${message}\nRuntime.ExitError`],
        after: [],
      };
    }
  }
}
