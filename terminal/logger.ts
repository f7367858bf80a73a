/** The terminal logs through pino; callers hand in their logger (the CLI's, a test's silent one). */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug'>;

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
