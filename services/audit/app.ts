import { readFileSync } from 'node:fs';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { NoSchemaIntrospectionCustomRule, parse } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import type pg from 'pg';
import type { Logger } from '../platform/logger.ts';
import { guardEveryField } from './access.ts';
import { authenticateApiToken } from './api-tokens.ts';
import { auditError } from './errors.ts';
import type { LiveFeed } from './live-feed.ts';
import type { ModelCache } from './model-cache.ts';
import { MAX_PAGE_SIZE } from './pagination.ts';
import { type QueryLimits, queryLimitsRule } from './query-limits.ts';
import { type AuditContext, createLoaders, resolvers } from './resolvers.ts';

export const AUDIT_SCHEMA_SDL = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

export interface AuditApiOptions {
  pool: pg.Pool;
  models: ModelCache;
  live: LiveFeed | null;
  logger: Logger;
  /** Off in production if configured: introspection and GraphiQL are refused. */
  introspection: boolean;
  limits: Omit<QueryLimits, 'maxPageSize'> & { maxTokens: number; maxBodyBytes: number };
}

/**
 * The read-only GraphQL audit API (graphql-yoga on express) at /graphql. Every request carries an
 * API token; every field checks its permission (access.ts); depth, cost and size are bounded before
 * anything runs; errors other than the API's own are masked.
 */
export function buildAuditApp(options: AuditApiOptions): Express {
  const schema = guardEveryField<AuditContext>(createSchema<AuditContext>({ typeDefs: AUDIT_SCHEMA_SDL, resolvers }));
  const limits: QueryLimits = { ...options.limits, maxPageSize: MAX_PAGE_SIZE };

  const boundaries: Plugin = {
    onParse({ setParseFn }) {
      setParseFn((source, parseOptions) => parse(source, { ...parseOptions, maxTokens: options.limits.maxTokens }));
    },
    onValidate({ addValidationRule }) {
      addValidationRule(queryLimitsRule(limits));
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };

  const yoga = createYoga<Record<string, unknown>, AuditContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: options.introspection,
    landingPage: false,
    maskedErrors: { isDev: false },
    plugins: [boundaries],
    logging: {
      debug: (...args) => options.logger.debug({ args }, 'graphql'),
      info: (...args) => options.logger.info({ args }, 'graphql'),
      warn: (...args) => options.logger.warn({ args }, 'graphql'),
      error: (...args) => options.logger.error({ args }, 'graphql'),
    },
    context: async ({ request }) => {
      const header = request.headers.get('authorization') ?? '';
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (token === undefined) throw auditError('UNAUTHENTICATED', 'send an API token as "Authorization: Bearer <token>"');
      const principal = await authenticateApiToken(options.pool, token);
      if (principal === null) throw auditError('UNAUTHENTICATED', 'the API token is unknown, revoked or expired');
      return { principal, pool: options.pool, models: options.models, live: options.live, load: createLoaders(options.pool) };
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/graphql', express.json({ limit: options.limits.maxBodyBytes }));
  app.use('/graphql', (req, res) => yoga(req, res));
  const bodyErrors: ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, next) => {
    if (error.type === 'entity.too.large') {
      res.status(413).json({ errors: [{ message: `the request body is over ${options.limits.maxBodyBytes} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    } else if (error.type === 'entity.parse.failed') {
      res.status(400).json({ errors: [{ message: 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    } else {
      next(error);
    }
  };
  app.use(bodyErrors);
  return app;
}
