/** Every resource type Drydock's stacks can provision, by CloudFormation type name. Adding one: see providers/types.ts. */
import { CLOUDFORMATION_PROVIDERS } from './cloudformation.js';
import { CODEPIPELINE_PROVIDERS } from './codepipeline.js';
import { COMPUTE_PROVIDERS } from './compute.js';
import { FOUNDATION_PROVIDERS } from './foundation.js';
import { INTEGRATION_PROVIDERS } from './integration.js';
import type { ResourceProvider } from './types.js';

export const PROVIDERS: Readonly<Record<string, ResourceProvider>> = {
  ...FOUNDATION_PROVIDERS,
  ...INTEGRATION_PROVIDERS,
  ...COMPUTE_PROVIDERS,
  ...CLOUDFORMATION_PROVIDERS,
  ...CODEPIPELINE_PROVIDERS,
};

/** AWS: a custom type name is `Custom::` and up to 60 alphanumerics or `_@-`; every one is a custom resource. */
const CUSTOM_TYPE = /^Custom::[A-Za-z0-9_@-]{1,60}$/;

/** The provider of a resource type (`Custom::*` types are custom resources); undefined when Drydock has none. */
export function providerOf(type: string): ResourceProvider | undefined {
  if (Object.hasOwn(PROVIDERS, type)) return PROVIDERS[type];
  return CUSTOM_TYPE.test(type) ? PROVIDERS['AWS::CloudFormation::CustomResource'] : undefined;
}
