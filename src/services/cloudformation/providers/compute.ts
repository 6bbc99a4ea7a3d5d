/** Resource providers for Lambda and ECR, by resource type. */
import type { ResourceProvider } from './types.js';

export const COMPUTE_PROVIDERS: Record<string, ResourceProvider> = {};
