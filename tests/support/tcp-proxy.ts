/**
 * A TCP proxy between the relay and the central receiver, to emulate a border post's link in
 * integration tests: pass (optionally with latency), down (nothing listening: ECONNREFUSED),
 * reset (accepted then reset: the link drops mid-handshake), blackhole (accepted, bytes vanish,
 * no answer ever: the response timeout's case). Switching mode drops live connections, as a real
 * outage does, so a kept-alive connection cannot tunnel through an outage.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';

export type ProxyMode = 'pass' | 'down' | 'reset' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Connections accepted in pass mode since start or the last resetCounters(). */
  readonly passedConnections: number;
  setMode(mode: ProxyMode): Promise<void>;
  /** Delay applied to every chunk in both directions (order preserved). */
  setLatency(ms: number): void;
  dropConnections(): void;
  resetCounters(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let latencyMs = 0;
  let passed = 0;
  const sockets = new Set<Socket>();

  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => {
      if (latencyMs === 0) to.write(chunk);
      else setTimeout(() => to.destroyed || to.write(chunk), latencyMs);
    });
    from.on('end', () => setTimeout(() => to.end(), latencyMs));
    from.on('close', () => setTimeout(() => to.destroy(), latencyMs));
  };

  const onConnection = (client: Socket) => {
    track(client);
    switch (mode) {
      case 'reset':
        client.resetAndDestroy();
        return;
      case 'blackhole':
        client.on('data', () => undefined);
        return;
      case 'down':
        client.destroy();
        return;
      case 'pass': {
        passed++;
        const upstream = connect(target.port, target.host);
        track(upstream);
        relay(client, upstream);
        relay(upstream, client);
      }
    }
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  const port = await listen(0);
  let listening = true;

  const dropConnections = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get passedConnections() {
      return passed;
    },
    async setMode(next) {
      dropConnections();
      if (next === 'down' && listening) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        listening = false;
      } else if (next !== 'down' && !listening) {
        server = createServer(onConnection);
        await listen(port);
        listening = true;
      }
      mode = next;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    dropConnections,
    resetCounters() {
      passed = 0;
    },
    async close() {
      dropConnections();
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      listening = false;
    },
  };
}
