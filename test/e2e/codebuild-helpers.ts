/** What the CodeBuild end-to-end tests share: reading a build, sandbox or command execution, waiting for it to get somewhere, and finding its processes. */
import { readdirSync, readFileSync } from 'node:fs';
import { BatchGetBuildsCommand, BatchGetCommandExecutionsCommand, BatchGetSandboxesCommand, type Build, type CodeBuildClient, type CommandExecution, type Sandbox } from '@aws-sdk/client-codebuild';

/** A role trust policy that lets `service` assume the role. */
export const trustPolicy = (service: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

/** The trust policy of a CodeBuild service role. */
export const CODEBUILD_TRUST = trustPolicy('codebuild.amazonaws.com');

export async function fetchBuild(cb: CodeBuildClient, id: string): Promise<Build> {
  return (await cb.send(new BatchGetBuildsCommand({ ids: [id] }))).builds![0];
}

/** Polls the build until `done` holds (by default: complete); fails with its phases after `timeoutMs`. */
export async function waitForBuild(cb: CodeBuildClient, id: string, done: (b: Build) => boolean = (b) => b.buildComplete === true, timeoutMs = 20_000): Promise<Build> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const build = await fetchBuild(cb, id);
    if (done(build)) return build;
    if (Date.now() > until) throw new Error(`build ${id} did not get there: ${JSON.stringify(build.phases?.map((p) => [p.phaseType, p.phaseStatus]))}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

export async function fetchSandbox(cb: CodeBuildClient, id: string): Promise<Sandbox> {
  return (await cb.send(new BatchGetSandboxesCommand({ ids: [id] }))).sandboxes![0];
}

/** Polls the sandbox until `done` holds; fails with its session's phases after `timeoutMs`. */
export async function waitForSandbox(cb: CodeBuildClient, id: string, done: (s: Sandbox) => boolean, timeoutMs = 20_000): Promise<Sandbox> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const sandbox = await fetchSandbox(cb, id);
    if (done(sandbox)) return sandbox;
    if (Date.now() > until) throw new Error(`sandbox ${id} did not get there: ${sandbox.status} ${JSON.stringify(sandbox.currentSession?.phases?.map((p) => [p.phaseType, p.phaseStatus]))}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** Polls a command execution until `done` holds (by default: it has ended). */
export async function waitForCommand(
  cb: CodeBuildClient,
  sandboxId: string,
  id: string,
  done: (e: CommandExecution) => boolean = (e) => !['SUBMITTED', 'IN_PROGRESS'].includes(e.status!),
  timeoutMs = 20_000,
): Promise<CommandExecution> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const execution = (await cb.send(new BatchGetCommandExecutionsCommand({ sandboxId, commandExecutionIds: [id] }))).commandExecutions![0];
    if (done(execution)) return execution;
    if (Date.now() > until) throw new Error(`command ${id} did not get there: ${execution.status}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/**
 * The pids of a build's (or sandbox's) processes still alive, found in /proc: those carrying the
 * run's CODEBUILD_BUILD_ID in their environment (every command of the run inherits it), narrowed
 * to those whose command line contains `command` when given. Never a host-wide pgrep or ps: other
 * test files run the same commands at the same time. A process whose environment this test may
 * not read (a run-as user's) counts when it descends from this test process, which runs the server.
 */
export function runProcesses(runId: string, command?: string): number[] {
  const marker = Buffer.from(`\0CODEBUILD_BUILD_ID=${runId}\0`);
  const parents = new Map<number, number>();
  const found: number[] = [];
  const unreadable: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: state and parent pid follow the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(pid, Number(ppid));
      if (state === 'Z') continue;
      if (command && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(command)) continue;
      let environ: Buffer;
      try {
        environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
      } catch {
        unreadable.push(pid);
        continue;
      }
      if (environ.includes(marker)) found.push(pid);
    } catch {
      // ended meanwhile
    }
  }
  const descendsFromUs = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parents.get(p), hops++) if (p === process.pid) return true;
    return false;
  };
  return [...found, ...unreadable.filter(descendsFromUs)];
}
