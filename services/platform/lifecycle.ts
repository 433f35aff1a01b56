import type { Logger } from './logger.ts';

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits. Repeated signals while stopping are ignored: a
 * terminal's Ctrl-C reaches the whole process group while a supervisor sends its own SIGTERM, and
 * neither should cut the drain short. SIGKILL remains the way to stop without draining.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, 'already stopping; send SIGKILL to stop without draining');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
