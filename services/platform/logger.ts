import { pino } from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout; scope with `logger.child({ topic, partition, ... })`. */
export function createLogger(level: string, name = 'loupe'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
