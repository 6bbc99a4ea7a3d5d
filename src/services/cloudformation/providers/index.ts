/** Every resource type Drydock's stacks can provision, by CloudFormation type name. Adding one: see providers/types.ts. */
import { COMPUTE_PROVIDERS } from './compute.js';
import { FOUNDATION_PROVIDERS } from './foundation.js';
import { INTEGRATION_PROVIDERS } from './integration.js';
import type { ResourceProvider } from './types.js';

export const PROVIDERS: Readonly<Record<string, ResourceProvider>> = { ...FOUNDATION_PROVIDERS, ...INTEGRATION_PROVIDERS, ...COMPUTE_PROVIDERS };
