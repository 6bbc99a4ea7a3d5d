/** Git smart HTTP at /v1/repos/<name>. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CodeCommitContext } from './common.js';

export function gitHttpHandler(_c: CodeCommitContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (_req, res) => {
    res.writeHead(501, { 'content-type': 'text/plain' });
    res.end('Git over HTTP is not implemented yet\n');
  };
}
