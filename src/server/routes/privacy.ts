import { Router } from 'express';
import type { Inventory } from '../../privacy/inventory.js';

/** GET /privacy: the data inventory, so anyone shown an image can see what is behind it. */
export function privacyRoutes(inventory: () => Inventory): Router {
  const router = Router();
  router.get('/privacy', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(inventory());
  });
  return router;
}
