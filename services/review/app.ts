import express, { type NextFunction, type Request, type Response } from 'express';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import type { TopicName } from '../domain/index.ts';
import type { Logger } from '../platform/logger.ts';
import { ReviewError } from './errors.ts';
import { queueRoutes } from './queue-routes.ts';
import { sessionRoutes } from './session-routes.ts';

export interface ReviewAppDeps {
  pool: pg.Pool;
  producer: Producer;
  topics: Pick<Record<TopicName, string>, 'labels'>;
  logger: Logger;
  leaseSeconds: number;
  /** Mark the session cookie Secure (behind TLS). Off by default so http://localhost works. */
  secureCookies?: boolean;
}

/** The review API as an express app; main.ts listens. Errors: `{ error: { code, message } }`. */
export function buildReviewApp(deps: ReviewAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));
  app.get('/healthz', (_req, res) => {
    res.json({ live: true });
  });
  app.use(sessionRoutes({ pool: deps.pool, secureCookies: deps.secureCookies ?? false }));
  app.use(queueRoutes({ pool: deps.pool, producer: deps.producer, labelsTopic: deps.topics.labels, logger: deps.logger, leaseSeconds: deps.leaseSeconds }));
  app.use('/api', (_req, _res, next) => next(new ReviewError('NOT_FOUND', 'no such API route')));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ReviewError) {
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    // express.json() rejects unparseable JSON with a 400 of its own.
    const status = (error as { status?: number; type?: string }).status;
    if (status === 400 || status === 413) {
      res.status(status).json({ error: { code: 'INVALID_BODY', message: status === 413 ? 'body too large' : 'body is not valid JSON' } });
      return;
    }
    deps.logger.error({ err: error, method: req.method, path: req.path }, 'unexpected error in review API');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
  return app;
}
