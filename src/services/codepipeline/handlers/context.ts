/** What the handlers work with: the service context and the engine (to abandon a running execution). */
import type { CodePipelineContext } from '../common.js';
import type { PipelineEngine } from '../engine/runner.js';

export type HandlerContext = CodePipelineContext & { engine: PipelineEngine };
