/**
 * Structured logs (pino) to stderr. Secrets never reach them: request bodies are not logged, and
 * the redact list covers the headers and fields that carry credentials.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.DRYDOCK_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['authorization', 'headers.authorization', 'headers["x-amz-security-token"]', 'secretAccessKey', 'password', 'SecretString'],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 2, sync: false }),
  );
}
