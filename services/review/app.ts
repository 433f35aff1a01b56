import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type pg from 'pg';
import type { LabelOutbox } from '../labels/label-outbox.ts';
import type { Logger } from '../platform/logger.ts';
import { ReviewError } from './errors.ts';
import { queueRoutes } from './queue-routes.ts';
import { sessionRoutes } from './session-routes.ts';

export interface ReviewAppDeps {
  pool: pg.Pool;
  labelOutbox: LabelOutbox;
  logger: Logger;
  leaseSeconds: number;
  /** Mark the session cookie Secure (behind TLS). Off by default so http://localhost works. */
  secureCookies?: boolean;
  /** The built analyst UI (`npm run build:ui`); served at / when present. */
  uiDir?: string;
}

export const DEFAULT_UI_DIR = new URL('../../ui/dist/', import.meta.url).pathname;

/**
 * Stream fields reach the page as data and are rendered with textContent only; the policy is the
 * second lock: no inline script, nothing from another origin, no framing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The review API as an express app; main.ts listens. Errors: `{ error: { code, message } }`. */
export function buildReviewApp(deps: ReviewAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    next();
  });
  app.use(express.json({ limit: '64kb' }));
  app.get('/healthz', (_req, res) => {
    res.json({ live: true });
  });
  app.use(sessionRoutes({ pool: deps.pool, secureCookies: deps.secureCookies ?? false }));
  app.use(queueRoutes({ pool: deps.pool, labelOutbox: deps.labelOutbox, logger: deps.logger, leaseSeconds: deps.leaseSeconds }));
  app.use('/api', (_req, _res, next) => next(new ReviewError('NOT_FOUND', 'no such API route')));
  const uiDir = deps.uiDir ?? DEFAULT_UI_DIR;
  if (existsSync(join(uiDir, 'index.html'))) {
    app.use(express.static(uiDir, { index: 'index.html', maxAge: 0 }));
  } else {
    app.get('/', (_req, res) => {
      res.status(503).type('text/plain').send(`The analyst UI is not built (no ${uiDir}index.html): run npm run build:ui. The API is at /api.`);
    });
  }
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
