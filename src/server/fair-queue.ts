import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface FairQueueOptions {
  /** Requests let into the app per event-loop turn, across all clients. */
  perTurn: number;
  /** Requests one client may have waiting; more are refused at once (a pipelining client). */
  maxWaiting: number;
  /** Who a request belongs to (RenderBudget's key: an IPv4 address or an IPv6 /64). */
  key: (req: Request) => string;
  /** Answers a request refused for exceeding maxWaiting. */
  refuse: (req: Request, res: Response, next: NextFunction) => void;
}

type Waiting = { req: Request; next: NextFunction };

/**
 * Takes turns between clients. Node answers whatever sockets are readable in one go, so 64
 * connections of one client flooding cheap error requests put ~64 x 0.35 ms of work ahead of every
 * other request: a cached image waited hundreds of milliseconds (issue 16). Here at most `perTurn`
 * requests enter the app per event-loop turn, taken round-robin from each waiting client, and the
 * next turn starts only after Node has read the sockets again. A flood keeps the CPU it would have
 * used, but another client waits for one turn, not for the whole flood. Answers replayed from the
 * micro-cache never come here.
 */
export function fairQueue(o: FairQueueOptions): RequestHandler {
  const waiting = new Map<string, Waiting[]>();
  let admitted = 0;
  let turnScheduled = false;

  const nextTurn = () => {
    turnScheduled = false;
    admitted = 0;
    while (admitted < o.perTurn && waiting.size > 0) {
      // Round-robin across turns: the client served goes to the back of the line.
      const [key, queue] = waiting.entries().next().value!;
      const w = queue.shift()!;
      waiting.delete(key);
      if (queue.length > 0) waiting.set(key, queue);
      // A client that hung up while waiting costs nothing more.
      if (w.req.socket.destroyed) continue;
      admitted++;
      w.next();
    }
    schedule();
  };
  // setImmediate runs after the poll phase: sockets are read between two turns.
  const schedule = () => {
    if (!turnScheduled && (admitted > 0 || waiting.size > 0)) {
      turnScheduled = true;
      setImmediate(nextTurn);
    }
  };

  return (req, res, next) => {
    if (waiting.size === 0 && admitted < o.perTurn) {
      admitted++;
      schedule();
      return next();
    }
    const key = o.key(req);
    const queue = waiting.get(key) ?? [];
    if (queue.length >= o.maxWaiting) return o.refuse(req, res, next);
    queue.push({ req, next });
    waiting.set(key, queue);
    schedule();
  };
}
