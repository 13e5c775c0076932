import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { fairQueue } from '../../src/server/fair-queue.js';

/** A request from `client`; `entered` records the order in which requests reach the app. */
function harness(perTurn: number, maxWaiting = 100) {
  const entered: string[] = [];
  const refused: string[] = [];
  const queue = fairQueue({
    perTurn,
    maxWaiting,
    key: (req) => (req as unknown as { client: string }).client,
    refuse: (req) => refused.push((req as unknown as { name: string }).name),
  });
  const send = (client: string, name: string, socket = { destroyed: false }) =>
    queue({ client, name, socket } as unknown as Request, {} as Response, (() => entered.push(name)) as NextFunction);
  return { entered, refused, send };
}
const turn = () => new Promise((resolve) => setImmediate(resolve));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await turn();
};

describe('fairQueue', () => {
  it('lets a newcomer in on the next turn, however many requests a flooding client has waiting', async () => {
    const h = harness(2);
    for (let i = 1; i <= 6; i++) h.send('flood', `f${i}`);
    h.send('probe', 'p1');
    // Two per turn: the first two at once, then one of each waiting client per round.
    expect(h.entered).toEqual(['f1', 'f2']);
    await turn();
    expect(h.entered).toEqual(['f1', 'f2', 'f3', 'p1']);
    await turns(3);
    expect(h.entered).toEqual(['f1', 'f2', 'f3', 'p1', 'f4', 'f5', 'f6']);
  });

  it('serves more waiting clients than fit in a turn in rotation, so none starves', async () => {
    const h = harness(1);
    h.send('a', 'a0');
    for (const name of ['a1', 'a2', 'a3']) h.send('a', name);
    h.send('b', 'b1');
    h.send('c', 'c1');
    await turns(6);
    expect(h.entered).toEqual(['a0', 'a1', 'b1', 'c1', 'a2', 'a3']);
  });

  it('admits at once while nothing waits and the turn has room', () => {
    const h = harness(3);
    h.send('a', 'a1');
    h.send('b', 'b1');
    h.send('a', 'a2');
    expect(h.entered).toEqual(['a1', 'b1', 'a2']);
  });

  it('starts a fresh turn once Node has been round the event loop', async () => {
    const h = harness(1);
    h.send('a', 'a1');
    await turns(2);
    h.send('a', 'a2');
    expect(h.entered).toEqual(['a1', 'a2']);
  });

  it('refuses a client beyond maxWaiting, and only that client', async () => {
    const h = harness(1, 2);
    for (let i = 1; i <= 5; i++) h.send('pipeliner', `x${i}`);
    h.send('other', 'o1');
    expect(h.refused).toEqual(['x4', 'x5']);
    await turns(4);
    expect(h.entered).toEqual(['x1', 'x2', 'o1', 'x3']);
  });

  it('drops a waiting request whose client hung up', async () => {
    const h = harness(1);
    const gone = { destroyed: false };
    h.send('a', 'a1');
    h.send('a', 'a2', gone);
    h.send('a', 'a3');
    gone.destroyed = true;
    await turns(3);
    expect(h.entered).toEqual(['a1', 'a3']);
  });
});
