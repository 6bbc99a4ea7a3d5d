/**
 * SSM Parameter Store: parameters with versions, labels, tags, tiers, policies and SecureString
 * values encrypted through KMS (only ciphertext is stored; without a KeyId, under the AWS managed
 * key alias/aws/ssm, which that first call through KMS creates), plus the read-only public
 * `/aws/service/...` parameters and Secrets Manager secrets referenced as
 * `/aws/reference/secretsmanager/<secret-id>[:<version-id>|:<stage>]` (secret-references.ts).
 *
 * Gaps against AWS:
 * - Only the Parameter Store operations are implemented; every other SSM operation (documents,
 *   commands, sessions, automation, inventory, OpsCenter …) answers 501 NotImplemented, and
 *   tagging accepts only ResourceType Parameter (other types answer InvalidResourceId: none exist).
 * - Public parameters are a fixed local catalog (Amazon Linux 2/2023, Windows Server, Ubuntu,
 *   ECS/EKS optimized AMIs; global-infrastructure: 29 commercial Regions and 21 services, each with
 *   its longName, every service listed in every Region; no endpoints, Availability Zones or other
 *   Region facts). Their AMI ids are local placeholders of the real format (`ami-` + 17 hex
 *   digits), stable per region and name, naming no real image. Public parameters have one version
 *   and no labels.
 * - `aws:ec2:image` values are validated asynchronously (image-validation.ts, 1 s of Drydock time
 *   after the request) for the AMI id format and the caller's ec2:DescribeImages permission only:
 *   there is no EC2, so any well-formed id names an image. A second write while a validation is
 *   pending answers TooManyUpdates in Drydock's words (AWS documents only that it is refused).
 * - Secrets Manager references: SourceResult leaves a binary secret's bytes out (AWS includes them
 *   as a serialized Java ByteBuffer).
 * - Parameter policies: Expiration deletes the parameter at its time (a durable job);
 *   ExpirationNotification and NoChangeNotification are validated and stored but raise no events.
 *   PolicyStatus is always `Pending`.
 * - Changes publish `Parameter Store Change` events on the in-process bus; AWS's exact event
 *   detail may carry more fields.
 * - No per-region parameter count limit (ParameterLimitExceeded), no throughput limits
 *   (TooManyUpdates), no sharing through RAM (`Shared: true` lists nothing), no cross-account ARNs.
 * - Authorization (authorization.ts) sets ssm:Overwrite, ssm:Policies (the policy types named),
 *   ssm:Recursive, request tag keys and the parameter's tags, except for GetParameters and
 *   DeleteParameters, which are checked on many parameters at once and carry no resource tags. SecureString values are encrypted with KMS Encrypt (Standard tier) or
 *   a GenerateDataKey data key (Advanced tier) called as the caller through SSM.
 * - Some messages whose exact AWS wording is not documented (data type and AMI format errors,
 *   policy errors, name-length-with-ARN) are Drydock's own wording under AWS's error code.
 */
import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { ssmAuthorization } from './authorization.js';
import { registerExpiry } from './expiry.js';
import { createHandlers } from './handlers.js';
import { registerImageValidation } from './image-validation.js';
import { SsmStore } from './store.js';
import { commitPut } from './writes.js';

export const ssm: ServiceDefinition = {
  name: 'ssm',
  model: loadModel('ssm'),
  validationError: 'ValidationException',
  create(rt) {
    const context = { store: new SsmStore(rt.store), rt };
    registerExpiry(context);
    registerImageValidation(context, commitPut);
    return {
      handlers: createHandlers(context),
      authorization: ssmAuthorization({
        tags(parameterArn) {
          const parsed = parseArn(parameterArn);
          if (parsed?.service !== 'ssm' || !parsed.account || !parsed.resource.startsWith('parameter/')) return {};
          const rows = context.store.tags(parsed.account, parsed.region, parsed.resource.slice('parameter/'.length));
          return Object.fromEntries(rows.map((t) => [t.tag_key, t.tag_value]));
        },
      }),
    };
  },
};
