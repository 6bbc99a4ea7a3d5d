/**
 * Amazon ECR: private repositories of an account's registry in a region, durable in SQLite, with
 * their settings (tag mutability and its exclusion filters, scan on push, encryption), repository
 * policies (enforced as the repository's resource policy), lifecycle policies, tags, and
 * GetAuthorizationToken's `docker login` credential. Enough for CloudFormation's
 * AWS::ECR::Repository and `cdk bootstrap`.
 *
 * Gaps against AWS:
 * - No images: the registry API (`docker push`/`pull` against `<account>.dkr.ecr.<region>.amazonaws.com`)
 *   is not served, and every image and layer operation (PutImage, BatchGetImage, InitiateLayerUpload,
 *   BatchDeleteImage, StartImageScan …) answers 501. ListImages and DescribeImages answer an empty
 *   list (DescribeImages with imageIds answers ImageNotFoundException), so DeleteRepository never
 *   meets RepositoryNotEmptyException and `force` changes nothing.
 * - The authorization token is a real signed credential (base64 `AWS:<password>`, 12 hours), but
 *   nothing accepts it yet; proxyEndpoint and repositoryUri name AWS's host, which does not resolve
 *   to Drydock.
 * - Lifecycle policies are validated (rules, priorities, selection, expire action) and stored, never
 *   run (there are no images to expire); lifecycle policy previews answer 501.
 * - Encryption is recorded only: KMS keys are not checked through KMS (no KmsException), and a KMS
 *   repository without a key shows no kmsKey (AWS names its aws/ecr key).
 * - Repositories of another account (a registryId that is not the caller's) are not found; creating
 *   one there is refused. Registry-level settings (registry policy, replication, pull-through cache,
 *   creation templates, registry scanning, account settings, signing) answer 501.
 * - The messages of tag errors, mutability exclusion filter errors, lifecycle policy details and an
 *   invalid resource ARN are Drydock's own wording under AWS's codes; the repository name message
 *   names the regular expression AWS's own messages show.
 */
import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { ecrAuthorization } from './authorization.js';
import { type EcrContext, tagsOf } from './common.js';
import { createHandlers } from './handlers.js';
import { EcrStore } from './store.js';

const model = loadModel('ecr');

export const ecr: ServiceDefinition = {
  name: 'ecr',
  model,
  // ECR words every parameter error as `Invalid parameter at '…' failed to satisfy constraint: '…'`
  // under InvalidParameterException: its handlers validate (handlers.ts), the generic step does not.
  validationError: false,
  create(rt) {
    const c: EcrContext = { store: new EcrStore(rt.store), rt };
    const repositoryOf = (repositoryArn: string) => {
      const parsed = parseArn(repositoryArn);
      if (parsed?.service !== 'ecr' || !parsed.account || !parsed.resource.startsWith('repository/')) return undefined;
      return c.store.repository(parsed.account, parsed.region, parsed.resource.slice('repository/'.length));
    };
    return {
      handlers: createHandlers(c, model),
      authorization: ecrAuthorization((repositoryArn) => {
        const row = repositoryOf(repositoryArn);
        return row ? tagsOf(row) : undefined;
      }),
      resourcePolicy(repositoryArn) {
        const row = repositoryOf(repositoryArn);
        return row?.policy ? { document: row.policy, account: row.account } : undefined;
      },
    };
  },
};
