/**
 * A TCP proxy between the relay and the central receiver, to emulate a border post's link in
 * integration tests: pass (optionally with latency), down (nothing listening: ECONNREFUSED),
 * reset (accepted then reset: the link drops mid-handshake), blackhole (accepted, bytes vanish,
 * no answer ever: the response timeout's case). Switching mode drops live connections, as a real
 * outage does, so a kept-alive connection cannot tunnel through an outage.
 *
 * Bandwidth: a rate limiter per direction (a token bucket with no burst allowance): each chunk is
 * serialised onto the "wire" after the previous one at `bytesPerSecond`, then delayed by the
 * one-way latency, like a satellite link's transmitter followed by its propagation delay. The
 * proxy buffers without limit, so TCP's window does not cap throughput here (a real 600 ms link
 * needs a window of at least bandwidth × RTT = 150 KB at 2 Mbit/s, which Linux autotuning gives).
 */
import { createServer, type Server, type Socket, connect } from 'node:net';

export type ProxyMode = 'pass' | 'down' | 'reset' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** The same proxy as https:// (TLS passes through it end to end: the proxy sees only ciphertext). */
  readonly httpsUrl: string;
  /** Connections accepted in pass mode since start or the last resetCounters(). */
  readonly passedConnections: number;
  setMode(mode: ProxyMode): Promise<void>;
  /** Delay applied to every chunk in both directions (order preserved): one-way latency, RTT/2. */
  setLatency(ms: number): void;
  /** Rate limit per direction in bytes per second; 0 = unlimited. */
  setBandwidth(bytesPerSecond: number): void;
  /** Bytes delivered per direction since start or resetCounters(). */
  readonly bytes: { up: number; down: number };
  dropConnections(): void;
  resetCounters(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let latencyMs = 0;
  let passed = 0;
  let bytesPerSecond = 0;
  const bytes = { up: 0, down: 0 };
  const sockets = new Set<Socket>();

  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  const relay = (from: Socket, to: Socket, direction: 'up' | 'down') => {
    // When the link is free again for this direction (serialisation of the chunks before).
    let wireFreeAt = 0;
    let lastDeliveryAt = 0;
    const deliverAt = (size: number) => {
      const now = Date.now();
      if (bytesPerSecond > 0) {
        wireFreeAt = Math.max(now, wireFreeAt) + (size * 1000) / bytesPerSecond;
        lastDeliveryAt = wireFreeAt + latencyMs;
      } else lastDeliveryAt = Math.max(lastDeliveryAt, now + latencyMs);
      return lastDeliveryAt - now;
    };
    from.on('data', (chunk: Buffer) => {
      const delay = deliverAt(chunk.length);
      const write = () => {
        if (to.destroyed) return;
        bytes[direction] += chunk.length;
        to.write(chunk);
      };
      if (delay <= 0) write();
      else setTimeout(write, delay);
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, lastDeliveryAt - Date.now())));
    from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, lastDeliveryAt - Date.now())));
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
        relay(client, upstream, 'up');
        relay(upstream, client, 'down');
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
    httpsUrl: `https://127.0.0.1:${port}`,
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
    setBandwidth(rate) {
      bytesPerSecond = rate;
    },
    bytes,
    dropConnections,
    resetCounters() {
      passed = 0;
      bytes.up = 0;
      bytes.down = 0;
    },
    async close() {
      dropConnections();
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      listening = false;
    },
  };
}
