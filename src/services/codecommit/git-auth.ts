/**
 * Who a Git smart-HTTP request comes from. CodeCommit accepts two HTTP Basic logins, and Drydock a third:
 *
 * - HTTPS Git credentials: an IAM service-specific credential for codecommit.amazonaws.com
 *   (username `alice-at-123456789012`, generated password), checked by IAM.
 * - The aws CLI's `aws codecommit credential-helper`: username = access key id (`%` session token
 *   appended for temporary credentials), password = `<YYYYMMDDTHHMMSS>Z<hex signature>`, a SigV4
 *   signature (service `codecommit`) over the canonical request `GIT\n<path>\n\nhost:<host>\n\nhost\n`,
 *   where path is the repository URL's path and host its hostname without the port.
 * - Drydock's convenience, not AWS's: an account's root access key id and secret access key
 *   (`test`/`test`), so `git clone http://test:test@localhost:4566/v1/repos/demo` works with no
 *   setup. AWS accepts no access key as a Basic login, so an IAM user's or a session's keys are
 *   still refused: they keep AWS's two ways in.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../core/accounts.js';
import { AWS_REGIONS, DEFAULT_REGION, isRegion } from '../../core/accounts.js';
import { credentialProblem } from '../../protocol/credentials.js';
import { MAX_SKEW_MS, parseAmzDate, requestSignature, signingKey } from '../../protocol/sigv4.js';
import type { Credential } from '../../protocol/types.js';
import type { CodeCommitContext } from './common.js';

export interface GitCaller {
  principal: Principal;
  region: string;
}

export type GitAuthentication = { caller: GitCaller } | { status: 401 | 403; message: string };

/** The same hostname pattern the credential helper reads the region from. */
const CODECOMMIT_HOST = /^(vpce-.+\.)?git-codecommit(-fips)?\.([^.]+)\.(vpce\.)?amazonaws\.com/;
const HELPER_PASSWORD = /^(\d{8}T\d{6})Z([0-9a-f]{64})$/;

/** The region a CodeCommit Git hostname names (`git-codecommit.eu-west-1.amazonaws.com`), if any. */
export function hostRegion(hostname: string): string | undefined {
  const region = CODECOMMIT_HOST.exec(hostname)?.[3];
  return region && isRegion(region) ? region : undefined;
}

/**
 * Authenticates a Git request from its Authorization header. `host` is the Host header and
 * `repositoryPath` the repository URL's path (`/v1/repos/<name>`), which is what the helper signs.
 */
export function authenticateGit(c: CodeCommitContext, authorization: string | undefined, host: string, repositoryPath: string): GitAuthentication {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!basic) {
    return {
      status: 401,
      message: "Authentication required: use HTTPS Git credentials from IAM, the aws codecommit credential-helper, or the account's root access key and secret (test:test).",
    };
  }
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { status: 401, message: 'Authentication required: the Basic credentials have no password.' };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const hostname = host.split(':')[0].toLowerCase();

  const helper = HELPER_PASSWORD.exec(password);
  if (helper) return verifyHelperSignature(c, username, helper[1], helper[2], hostname, repositoryPath);
  const region = hostRegion(hostname) ?? DEFAULT_REGION;

  const accessKey = c.rt.credential(username);
  if (accessKey) return verifyRootKey(accessKey, username, password, region);

  const principal = c.rt.api('iam').verifyServiceSpecificCredential(username, password, 'codecommit.amazonaws.com');
  if (!principal) {
    return {
      status: 403,
      message: `Invalid HTTPS Git credentials for '${username}': the user name or password is wrong, or the credential is inactive. Create credentials with 'aws iam create-service-specific-credential --service-name codecommit.amazonaws.com' or use the aws codecommit credential-helper.`,
    };
  }
  return { caller: { principal, region } };
}

/**
 * An access key id with its secret as the Basic login: accepted for an account's root user only.
 * Other keys are refused without looking at the secret, as AWS refuses every access key here.
 */
function verifyRootKey(credential: Credential, accessKeyId: string, secretAccessKey: string, region: string): GitAuthentication {
  if (credential.principal.kind !== 'root') {
    return {
      status: 403,
      message: `Access key '${accessKeyId}' is not an account's root access key: an IAM user or role logs in to Git with HTTPS Git credentials ('aws iam create-service-specific-credential --service-name codecommit.amazonaws.com') or the aws codecommit credential-helper.`,
    };
  }
  if (!sameSecret(credential.secretAccessKey, secretAccessKey)) {
    return { status: 403, message: `Invalid Git credentials for root access key '${accessKeyId}': the secret access key is wrong.` };
  }
  return { caller: { principal: credential.principal, region } };
}

/** Compares secrets in constant time (their digests have one length whatever was typed). */
function sameSecret(expected: string, given: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

function verifyHelperSignature(c: CodeCommitContext, username: string, date: string, signature: string, hostname: string, repositoryPath: string): GitAuthentication {
  const percent = username.indexOf('%');
  const accessKeyId = percent < 0 ? username : username.slice(0, percent);
  const sessionToken = percent < 0 ? undefined : username.slice(percent + 1);
  const credential = c.rt.credential(accessKeyId);
  // The same checks as every SigV4 request, worded for what git prints after `remote:`.
  const problem = credentialProblem(credential, { sessionToken, now: c.rt.clock.now() });
  if (problem === 'unknown') return { status: 403, message: `The security token included in the request is invalid: access key '${accessKeyId}' is not known or is inactive.` };
  if (problem === 'token') return { status: 403, message: 'The security token included in the request is invalid: the session token does not match the access key.' };
  if (problem === 'expired') return { status: 403, message: 'The security token included in the request is expired.' };
  // Signing times come from the client's wall clock, checked with the window SigV4 requests get.
  const longDate = `${date}Z`;
  const signedAt = parseAmzDate(longDate);
  if (Number.isNaN(signedAt) || Math.abs(Date.now() - signedAt) > MAX_SKEW_MS) {
    return {
      status: 403,
      message: `Signature expired: ${longDate} is more than 15 minutes away from the server time ${new Date().toISOString()}. Git asks the credential helper again on the next command.`,
    };
  }
  const given = Buffer.from(signature, 'hex');
  // A repository URL may be written with a trailing slash; the helper signs the path as written.
  const paths = [repositoryPath, `${repositoryPath}/`];
  const named = hostRegion(hostname);
  // The helper signs with whatever region the aws CLI is configured for and does not send it, so the
  // server tries the hostname's region, then the default, then every region AWS has: a signature
  // verifies for exactly one of them.
  const regions = [...new Set([...(named ? [named] : []), DEFAULT_REGION, ...AWS_REGIONS])];
  for (const region of regions) {
    const key = signingKey(credential!.secretAccessKey, date.slice(0, 8), region, 'codecommit');
    for (const path of paths) {
      // The helper's string to sign carries its timestamp without the `Z` it appends to the password.
      const expected = Buffer.from(requestSignature(key, date, region, 'codecommit', `GIT\n${path}\n\nhost:${hostname}\n\nhost\n`), 'hex');
      if (timingSafeEqual(expected, given)) return { caller: { principal: credential!.principal, region } };
    }
  }
  return {
    status: 403,
    message:
      'The request signature we calculated does not match the signature the aws codecommit credential-helper provided. Check your AWS secret access key, and that credential.UseHttpPath is true.',
  };
}
