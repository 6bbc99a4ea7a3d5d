/** What the CodeBuild end-to-end tests share: reading a build, sandbox or command execution and waiting for it to get somewhere. */
import {
  BatchGetBuildsCommand, BatchGetCommandExecutionsCommand, BatchGetSandboxesCommand, type Build, type CodeBuildClient, type CommandExecution, type Sandbox,
} from '@aws-sdk/client-codebuild';

/** A role trust policy that lets `service` assume the role. */
export const trustPolicy = (service: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

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
