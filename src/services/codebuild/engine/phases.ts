/**
 * The four command phases of a build (INSTALL, PRE_BUILD, BUILD, POST_BUILD) with AWS's semantics,
 * and the `[Container]` log lines CodeBuild's agent writes around them.
 *
 * AWS's rules (buildspec reference, "Build phase transitions"):
 * - The phases run in order, each recorded even when the buildspec leaves it out.
 * - In a phase, the commands run one at a time; the first failing command skips the rest, then the
 *   `finally` commands run anyway. The phase fails when any of its commands fails, with the context
 *   `COMMAND_EXECUTION_ERROR: Error while executing command: <cmd>. Reason: exit status <n>`.
 * - Without on-failure: a failed INSTALL or PRE_BUILD ends the command phases (the build goes on to
 *   FINALIZING; artifacts are not uploaded); a failed BUILD still runs POST_BUILD, with
 *   CODEBUILD_BUILD_SUCCEEDING=0, and UPLOAD_ARTIFACTS is always attempted after BUILD.
 * - on-failure ABORT ends the build after the phase; CONTINUE goes on to the next phase; RETRY runs
 *   the phase again (up to its count, when the phase's error message matches its pattern), then
 *   follows the transitions above.
 * - Any failed phase makes the build FAILED. StopBuild ends the running phase STOPPED, a timeout
 *   TIMED_OUT, and nothing after it runs.
 * - run-as (the phase's, else the buildspec's) names the Linux user the phase's commands run as;
 *   without it they run as the build's user (root on AWS). A user the build cannot run commands as
 *   (unknown, or Drydock not running as root) fails the phase before its first command, with
 *   CLIENT_ERROR and the reason (Drydock's wording: AWS documents none).
 */
import type { Buildspec, BuildspecPhase, PhaseName } from '../common.js';
import type { CommandResult } from './shell.js';

export type CommandPhaseType = 'INSTALL' | 'PRE_BUILD' | 'BUILD' | 'POST_BUILD';
export type StopReason = 'STOPPED' | 'TIMED_OUT';

export interface PhaseContext {
  statusCode: string;
  message: string;
}

export interface PhaseRecord {
  phaseType: CommandPhaseType;
  phaseStatus: 'SUCCEEDED' | 'FAILED' | StopReason;
  startTime: Date;
  endTime: Date;
  durationInSeconds: number;
  contexts: PhaseContext[];
}

export interface PhaseRunOptions {
  buildspec: Buildspec;
  shell: {
    run(command: string, runAs?: string): Promise<CommandResult>;
    setEnv(vars: Record<string, string>): Promise<void>;
    /** Undefined when commands can run as this user, else why not. */
    checkUser(name: string): Promise<string | undefined>;
  };
  clock: { now(): number };
  /** Truthy once StopBuild (true or 'STOPPED') or the build timeout ('TIMED_OUT') asked the build to end. */
  isStopping(): boolean | StopReason;
  onPhaseStart?(phaseType: CommandPhaseType): void | Promise<void>;
  onPhaseEnd?(phase: PhaseRecord): void | Promise<void>;
  log(line: string): void;
}

export interface PhaseRunResult {
  buildSucceeded: boolean;
  stopped: boolean;
  timedOut: boolean;
  /** Whether UPLOAD_ARTIFACTS is attempted next (false after a failed INSTALL/PRE_BUILD, an ABORT, a stop or a timeout). */
  uploadArtifacts: boolean;
  phases: PhaseRecord[];
}

export const COMMAND_PHASES: [PhaseName, CommandPhaseType][] = [
  ['install', 'INSTALL'],
  ['pre_build', 'PRE_BUILD'],
  ['build', 'BUILD'],
  ['post_build', 'POST_BUILD'],
];

const SUCCESS_CONTEXT: PhaseContext = { statusCode: '', message: '' };
const TIMEOUT_CONTEXT: PhaseContext = { statusCode: 'BUILD_TIMED_OUT', message: 'Build has timed out. ' };

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `[Container] 2026/11/28 04:33:12.123456 <text>`: the agent's UTC timestamp with microseconds. */
export function containerLine(now: number, text: string): string {
  const d = new Date(now);
  const stamp = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`;
  return `[Container] ${stamp} ${text}`;
}

/** What the agent logs in DOWNLOAD_SOURCE once it has read the buildspec: `Phases found in YAML: 2`, then ` BUILD: 1 commands` per phase. */
export function phasesFoundMessages(buildspec: Buildspec): string[] {
  const found = Object.entries(buildspec.phases);
  return [`Phases found in YAML: ${found.length}`, ...found.map(([name, phase]) => ` ${name.toUpperCase()}: ${phase!.commands.length} commands`)];
}

function stopReason(value: boolean | StopReason): StopReason | undefined {
  if (value === false) return undefined;
  return value === true ? 'STOPPED' : value;
}

type Outcome = { status: 'SUCCEEDED' } | { status: 'FAILED'; context: PhaseContext } | { status: StopReason };

export async function runBuildPhases(opts: PhaseRunOptions): Promise<PhaseRunResult> {
  const log = (text: string) => opts.log(containerLine(opts.clock.now(), text));
  const phases: PhaseRecord[] = [];
  let buildSucceeded = true;
  let uploadArtifacts = true;

  /** Runs commands in order until one fails; undefined when all succeeded. */
  async function runCommands(commands: string[], runAs: string | undefined): Promise<Exclude<Outcome, { status: 'SUCCEEDED' }> | undefined> {
    for (const command of commands) {
      const before = stopReason(opts.isStopping());
      if (before) return { status: before };
      log(`Running command ${command}`);
      const result = await opts.shell.run(command, runAs);
      const after = stopReason(opts.isStopping());
      if (after || result.killed) return { status: after ?? 'STOPPED' };
      if (result.exitCode !== 0) {
        log(`Command did not exit successfully ${command} exit status ${result.exitCode}`);
        return { status: 'FAILED', context: { statusCode: 'COMMAND_EXECUTION_ERROR', message: `Error while executing command: ${command}. Reason: exit status ${result.exitCode}` } };
      }
    }
    return undefined;
  }

  async function runPhase(spec: BuildspecPhase | undefined): Promise<Outcome> {
    const runAs = spec?.runAs ?? opts.buildspec.runAs;
    if (runAs !== undefined && (spec?.commands.length || spec?.finally.length)) {
      const problem = await opts.shell.checkUser(runAs);
      const stopping = stopReason(opts.isStopping());
      if (stopping) return { status: stopping };
      if (problem !== undefined) return { status: 'FAILED', context: { statusCode: 'CLIENT_ERROR', message: problem } };
    }
    const failed = await runCommands(spec?.commands ?? [], runAs);
    if (failed && failed.status !== 'FAILED') return failed;
    const finallyFailed = await runCommands(spec?.finally ?? [], runAs);
    if (finallyFailed && finallyFailed.status !== 'FAILED') return finallyFailed;
    return failed ?? finallyFailed ?? { status: 'SUCCEEDED' };
  }

  for (const [name, phaseType] of COMMAND_PHASES) {
    const pending = stopReason(opts.isStopping());
    if (pending) return { buildSucceeded: false, stopped: pending === 'STOPPED', timedOut: pending === 'TIMED_OUT', uploadArtifacts: false, phases };
    const spec = opts.buildspec.phases[name];
    const startTime = opts.clock.now();
    await opts.onPhaseStart?.(phaseType);
    log(`Entering phase ${phaseType}`);
    let outcome = await runPhase(spec);
    for (let attempt = 1; outcome.status === 'FAILED' && spec?.onFailure === 'RETRY' && attempt <= spec.retry!.limit; attempt++) {
      const { pattern } = spec.retry!;
      if (pattern !== undefined && !new RegExp(pattern).test(outcome.context.message)) break;
      log(`Phase context status code: ${outcome.context.statusCode} Message: ${outcome.context.message}`);
      log(`Retrying phase ${phaseType} (retry ${attempt} of ${spec.retry!.limit})`);
      outcome = await runPhase(spec);
    }
    const endTime = opts.clock.now();
    const record: PhaseRecord = {
      phaseType,
      phaseStatus: outcome.status,
      startTime: new Date(startTime),
      endTime: new Date(endTime),
      durationInSeconds: Math.floor((endTime - startTime) / 1000),
      contexts: [outcome.status === 'FAILED' ? outcome.context : outcome.status === 'TIMED_OUT' ? TIMEOUT_CONTEXT : SUCCESS_CONTEXT],
    };
    phases.push(record);
    if (outcome.status === 'STOPPED' || outcome.status === 'TIMED_OUT') {
      // The agent was killed with the build: it writes nothing more.
      await opts.onPhaseEnd?.(record);
      return { buildSucceeded: false, stopped: outcome.status === 'STOPPED', timedOut: outcome.status === 'TIMED_OUT', uploadArtifacts: false, phases };
    }
    log(`Phase complete: ${phaseType} State: ${outcome.status}`);
    log(`Phase context status code: ${record.contexts[0]!.statusCode} Message: ${record.contexts[0]!.message}`);
    await opts.onPhaseEnd?.(record);
    if (outcome.status === 'SUCCEEDED') continue;

    if (buildSucceeded) {
      buildSucceeded = false;
      await opts.shell.setEnv({ CODEBUILD_BUILD_SUCCEEDING: '0' });
    }
    if (spec?.onFailure === 'CONTINUE') continue;
    if (spec?.onFailure === 'ABORT' || name === 'install' || name === 'pre_build') {
      uploadArtifacts = false;
      break;
    }
    // BUILD failed: POST_BUILD still runs; POST_BUILD failed: the loop ends here anyway.
  }
  return { buildSucceeded, stopped: false, timedOut: false, uploadArtifacts, phases };
}
