import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { buildReviewApp } from '../../services/review/app.ts';
import { ERROR_STATUS } from '../../services/review/errors.ts';
import type { LabelOutbox } from '../../services/labels/label-outbox.ts';
import { testLogger } from '../helpers/kafka.ts';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** "METHOD /path" for every route the express app answers, with :id written as {id}. */
function routesOf(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    return layer.handle?.stack ? routesOf(layer.handle.stack) : [];
  });
}

describe('review API description (services/review/openapi.json)', () => {
  it('documents exactly the API routes the app serves, and every error code', async () => {
    const spec = JSON.parse(await readFile(new URL('../../services/review/openapi.json', import.meta.url), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } };
    };
    const app = buildReviewApp({ pool: {} as pg.Pool, labelOutbox: {} as LabelOutbox, logger: testLogger, leaseSeconds: 60, uiDir: '/nonexistent/' });
    const served = routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack)
      .filter((route) => route.includes(' /api/'))
      .sort();
    const documented = Object.entries(spec.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    assert.deepEqual(documented, served);
    assert.deepEqual([...spec.components.schemas.Error.properties.error.properties.code.enum].sort(), Object.keys(ERROR_STATUS).sort());
  });
});
