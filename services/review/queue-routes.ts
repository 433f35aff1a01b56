import express, { type Router } from 'express';
import type { Producer } from 'kafkajs';
import type pg from 'pg';
import { AssignBody, EscalateBody, ItemIdParam, LabelBody, SearchQuery } from '../domain/index.ts';
import type { Logger } from '../platform/logger.ts';
import { requireRole, sessionOf } from './auth.ts';
import { ReviewError } from './errors.ts';
import { getItemDetails } from './item-details.ts';
import { labelItem } from './label-item.ts';
import { publishLabel } from './publish-label.ts';
import { assignItem } from './queue/assign-item.ts';
import { claimNextItem } from './queue/claim-next-item.ts';
import { escalateItem } from './queue/escalate-item.ts';
import { queueStats } from './queue/queue-stats.ts';
import { releaseItem } from './queue/release-item.ts';
import { skipItem } from './queue/skip-item.ts';
import { searchItems } from './search-items.ts';
import { parseBody, parseQuery } from './validate.ts';

export interface QueueRouteDeps {
  pool: pg.Pool;
  producer: Producer;
  labelsTopic: string;
  logger: Logger;
  leaseSeconds: number;
}

function itemId(raw: unknown): number {
  const parsed = ItemIdParam.safeParse(raw);
  if (!parsed.success) throw new ReviewError('NOT_FOUND', 'review item ids are positive integers');
  return parsed.data;
}

/** The queue, item and search routes; every one checks the role (auth.ts). */
export function queueRoutes(deps: QueueRouteDeps): Router {
  const { pool } = deps;
  const analyst = requireRole(pool, 'analyst');
  const lead = requireRole(pool, 'lead');
  const router = express.Router();

  router.get('/api/queue', analyst, async (_req, res) => {
    res.json(await queueStats(pool));
  });
  router.post('/api/queue/claim', analyst, async (_req, res) => {
    res.json({ item: await claimNextItem(pool, sessionOf(res).username, deps.leaseSeconds) });
  });
  router.get('/api/items/:id', analyst, async (req, res) => {
    res.json(await getItemDetails(pool, itemId(req.params['id'])));
  });
  router.post('/api/items/:id/label', analyst, async (req, res) => {
    const id = itemId(req.params['id']);
    const body = parseBody(LabelBody, req.body);
    const label = await labelItem(pool, { itemId: id, analyst: sessionOf(res).username, ...body });
    let published = true;
    try {
      await publishLabel(deps.producer, deps.labelsTopic, label);
    } catch (error) {
      // Recorded in Postgres already; see publish-label.ts for what this means downstream.
      published = false;
      deps.logger.error({ err: error, transactionId: label.transactionId, itemId: id }, 'label recorded but not published');
    }
    res.status(201).json({ label, published });
  });
  router.post('/api/items/:id/release', analyst, async (req, res) => {
    await releaseItem(pool, itemId(req.params['id']), sessionOf(res).username);
    res.status(204).end();
  });
  router.post('/api/items/:id/skip', analyst, async (req, res) => {
    await skipItem(pool, itemId(req.params['id']), sessionOf(res).username);
    res.status(204).end();
  });
  router.post('/api/items/:id/escalate', analyst, async (req, res) => {
    const body = parseBody(EscalateBody, req.body);
    await escalateItem(pool, itemId(req.params['id']), sessionOf(res).username, body.note);
    res.status(204).end();
  });
  router.post('/api/items/:id/assign', lead, async (req, res) => {
    const body = parseBody(AssignBody, req.body);
    await assignItem(pool, itemId(req.params['id']), body.analyst, sessionOf(res).username);
    res.status(204).end();
  });
  router.get('/api/search', analyst, async (req, res) => {
    res.json({ items: await searchItems(pool, parseQuery(SearchQuery, req.query)) });
  });
  return router;
}
