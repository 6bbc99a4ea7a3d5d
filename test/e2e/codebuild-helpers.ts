/** What the CodeBuild end-to-end tests share: reading a build and waiting for it to get somewhere. */
import { BatchGetBuildsCommand, type Build, type CodeBuildClient } from '@aws-sdk/client-codebuild';

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
