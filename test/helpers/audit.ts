import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { buildAuditApp } from '../../services/audit/app.ts';
import { type ApiRole, createApiToken } from '../../services/audit/api-tokens.ts';
import type { LiveFeed } from '../../services/audit/live-feed.ts';
import { createModelCache } from '../../services/audit/model-cache.ts';
import { testLogger } from './kafka.ts';

export interface AuditServer {
  url: string;
  close(): Promise<void>;
}

/** The audit API on an ephemeral port on 127.0.0.1, in this process, with the default limits. */
export async function startAuditServer(deps: { pool: pg.Pool; live?: LiveFeed | null; introspection?: boolean }): Promise<AuditServer> {
  const models = createModelCache(deps.pool);
  const app = buildAuditApp({
    pool: deps.pool,
    models,
    live: deps.live ?? null,
    logger: testLogger,
    introspection: deps.introspection ?? true,
    limits: { maxDepth: 12, maxCost: 10_000, maxTokens: 2000, maxBodyBytes: 64 * 1024 },
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        models.dispose();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface GraphqlResponse {
  status: number;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string } }>;
  };
}

/** One GraphQL request; `token` null sends none. */
export async function graphql(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlResponse> {
  const response = await fetch(url, {
    method: 'POST',
    // The GraphQL-over-HTTP media type: refused queries come back as 4xx (plain JSON would say 200).
    headers: {
      accept: 'application/graphql-response+json',
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlResponse['body'] };
}

export const errorCodes = (response: GraphqlResponse) => (response.body.errors ?? []).map((error) => error.extensions?.code);

export async function createTokens(pool: pg.Pool, roles: readonly ApiRole[]): Promise<Record<ApiRole, string>> {
  const tokens = {} as Record<ApiRole, string>;
  for (const role of roles) tokens[role] = (await createApiToken(pool, { name: `test ${role}`, role, createdBy: 'test', expiresAt: null })).token;
  return tokens;
}
