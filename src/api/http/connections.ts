/**
 * Keeps the server's open connections under a cap below the process's file-descriptor limit, so
 * that a flood of idle connections (21,000 were enough to make the health check fail for half a
 * minute) can never take the last descriptors that accept(), SQLite and the sandboxes need. At the
 * cap, a new connection takes the place of the one that has been idle longest (no request in
 * flight), as nginx reuses idle keep-alive connections: the newcomer is served, a flood only evicts
 * itself. When every connection is busy, the newcomer is closed.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import type net from 'node:net';

/** File descriptors kept for everything but client connections: sandboxes' pipes, sockets, databases. */
const RESERVED_FDS = 4096;

/** The connection cap for this process: its soft RLIMIT_NOFILE less a reserve. */
export function defaultConnectionCap(): number {
  let limit = 1024;
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    if (Number.isFinite(soft) && soft > 0) limit = soft;
  } catch {
    // Not Linux: a conservative guess.
  }
  return limit > 2 * RESERVED_FDS ? limit - RESERVED_FDS : Math.max(64, Math.floor(limit / 2));
}

/** Marks a connection busy (a request in flight) or idle again, for connections node:http does not serve (lean.ts). */
export interface ConnectionStates {
  busy(socket: net.Socket): void;
  idle(socket: net.Socket): void;
}

/** Applies the cap to `server`; `onShed` hears of every connection closed to respect it. */
export function capConnections(server: http.Server, cap: number, onShed: (why: 'idle-evicted' | 'refused') => void = () => undefined): ConnectionStates {
  // Sockets with no request in flight, oldest idle first (Map keeps insertion order).
  const idle = new Map<net.Socket, true>();
  let open = 0;
  server.on('connection', (socket: net.Socket) => {
    open++;
    idle.set(socket, true);
    socket.once('close', () => {
      open--;
      idle.delete(socket);
    });
    if (open <= cap) return;
    const oldest = idle.keys().next().value;
    if (oldest && oldest !== socket) {
      idle.delete(oldest);
      oldest.destroy();
      onShed('idle-evicted');
    } else {
      idle.delete(socket);
      socket.destroy();
      onShed('refused');
    }
  });
  const states: ConnectionStates = {
    busy: (socket) => idle.delete(socket),
    idle: (socket) => {
      if (!socket.destroyed) idle.set(socket, true);
    },
  };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    states.busy(socket);
    res.once('close', () => states.idle(socket));
  });
  return states;
}
