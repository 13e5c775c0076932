import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What one connection may hold and for how long (config `server.*`). */
export interface ConnectionLimits {
  /** Connections open at once; further ones are closed as they arrive. */
  maxConnections: number;
  /** A connection with nothing in progress that sends nothing for this long is closed. */
  idleTimeoutMs: number;
  /** From a request's first byte to the end of its headers. */
  headersTimeoutMs: number;
  /** From a request's first byte to the end of its body. */
  requestTimeoutMs: number;
  /** A kept-alive connection waits this long for its next request. */
  keepAliveTimeoutMs: number;
}

/**
 * The HTTP server, with a bound on every connection. Node's headersTimeout and requestTimeout only
 * start at a request's first byte: 1,000 sockets that never sent one stayed open for as long as
 * their clients liked (17,902 file descriptors, issue 16). `timeout` is Node's per-socket
 * inactivity timer, armed on every new connection and re-armed for every request; when it fires,
 * the socket is closed unless the server still owes it a response (a render waiting its turn
 * sends nothing for a while and is not idle). A response that is written but not being read
 * counts as idle: a client that stops reading cannot pin the socket either.
 */
export function createHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void, limits: ConnectionLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node enforces the two timeouts above on this sweep, 30 s by default: a slow sender
      // outlived headersTimeout by up to that much.
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  const owed = new WeakMap<Socket, Set<ServerResponse>>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    let responses = owed.get(socket);
    if (!responses) owed.set(socket, (responses = new Set()));
    responses.add(res);
    res.once('close', () => responses.delete(res));
  });
  // With a listener here Node leaves the decision to us instead of destroying every timed-out socket.
  server.on('timeout', (socket: Socket) => {
    const responses = owed.get(socket);
    if (responses && [...responses].some((res) => !res.writableEnded)) return;
    socket.destroy();
  });
  return server;
}
