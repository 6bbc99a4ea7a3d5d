/**
 * Whether a looked-up credential may sign a request: the one set of rules every way in uses (SigV4
 * requests, S3's SigV2 presigned URLs, CodeCommit's Git logins signed by the credential helper).
 */

import type { PipelineErrors } from './dialect.js';
import type { Credential } from './types.js';

/** Why a credential is refused: no such (active) key, a session token that is not its own, or past its expiry. */
export type CredentialProblem = 'unknown' | 'token' | 'expired';

export interface PresentedCredential {
  /** The session token the request carries (x-amz-security-token, presigned query, Git username). */
  sessionToken: string | undefined;
  /** Drydock's clock (epoch ms): credential lifetimes are Drydock state and follow its (scalable, warpable) clock. */
  now: number;
}

/**
 * The problem with `credential` for a request presenting `presented`, undefined when there is none.
 * A session token matters only for temporary credentials: long-term keys ignore one, as Drydock's
 * root keys always have (clients configured with `test`/`test` and any token keep working).
 */
export function credentialProblem(credential: Credential | undefined, presented: PresentedCredential): CredentialProblem | undefined {
  if (!credential || credential.active === false) return 'unknown';
  if (credential.sessionToken !== undefined && presented.sessionToken !== credential.sessionToken) return 'token';
  if (credential.expiresAt !== undefined && presented.now > credential.expiresAt) return 'expired';
  return undefined;
}

/** The credential if it may sign, or the service's AwsError for its problem. */
export function checkCredential(credential: Credential | undefined, presented: PresentedCredential, errors: PipelineErrors): Credential {
  const problem = credentialProblem(credential, presented);
  if (problem === 'unknown') throw errors.unknownAccessKey();
  if (problem === 'token') throw errors.invalidToken();
  if (problem === 'expired') throw errors.expiredToken();
  return credential!;
}
