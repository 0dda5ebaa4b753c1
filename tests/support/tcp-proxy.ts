/**
 * A TCP proxy between the relay and the central receiver, to emulate a border post's link in
 * integration tests: pass (optionally with latency), down (nothing listening: ECONNREFUSED),
 * reset (accepted then reset: the link drops mid-handshake), blackhole (accepted, bytes vanish,
 * no answer ever: the response timeout's case). Switching mode drops live connections, as a real
 * outage does, so a kept-alive connection cannot tunnel through an outage.
 *
 * Bandwidth: a rate limiter per direction (a token bucket with no burst allowance): each 1460-byte
 * packet is serialised onto the "wire" after the previous one at `bytesPerSecond`, then delayed by the
 * one-way latency, like a satellite link's transmitter followed by its propagation delay. The
 * proxy buffers without limit, so TCP's window does not cap throughput here (a real 600 ms link
 * needs a window of at least bandwidth × RTT = 150 KB at 2 Mbit/s, which Linux autotuning gives).
 */
import { createServer, type Server, type Socket, connect } from 'node:net';

export type ProxyMode = 'pass' | 'down' | 'reset' | 'blackhole';

/** Ethernet's MTU less IP and TCP headers: the unit the shaped link serialises. */
const PACKET_BYTES = 1460;

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
    // When the link is free again for this direction (serialisation of the packets before).
    let wireFreeAt = 0;
    let lastDeliveryAt = 0;
    // Bytes in flight, in order, each with the time its last bit arrives; one timer for the head of the queue.
    const queue: Array<{ at: number; data: Buffer | 'end' | 'destroy' }> = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const now = Date.now();
      let due: Buffer[] = [];
      const write = () => {
        if (due.length === 0 || to.destroyed) return;
        const data = due.length === 1 ? (due[0] as Buffer) : Buffer.concat(due);
        bytes[direction] += data.length;
        to.write(data);
        due = [];
      };
      while (queue.length > 0 && (queue[0] as { at: number }).at <= now) {
        const { data } = queue.shift() as { data: Buffer | 'end' | 'destroy' };
        if (typeof data !== 'string') {
          due.push(data);
          continue;
        }
        write();
        if (to.destroyed) continue;
        if (data === 'end') to.end();
        else to.destroy();
      }
      write();
      arm();
    };
    const arm = () => {
      const head = queue[0];
      if (timer === undefined && head) timer = setTimeout(flush, Math.max(0, head.at - Date.now()));
    };
    from.on('data', (chunk: Buffer) => {
      const now = Date.now();
      if (bytesPerSecond <= 0) {
        lastDeliveryAt = Math.max(lastDeliveryAt, now + latencyMs);
        queue.push({ at: lastDeliveryAt, data: chunk });
      } else {
        // A link carries packets, not the 64 KiB chunks a socket read returns: each packet arrives once its own
        // bytes are through, so the first bytes of a large write arrive after one packet time plus the latency,
        // not after the whole chunk's serialisation (which at 50 kbit/s added ~10 s to every round trip).
        for (let off = 0; off < chunk.length; off += PACKET_BYTES) {
          const packet = chunk.subarray(off, off + PACKET_BYTES);
          wireFreeAt = Math.max(now, wireFreeAt) + (packet.length * 1000) / bytesPerSecond;
          lastDeliveryAt = wireFreeAt + latencyMs;
          queue.push({ at: lastDeliveryAt, data: packet });
        }
      }
      arm();
    });
    // End and close travel behind the last bytes, in the same queue.
    for (const [event, data] of [
      ['end', 'end'],
      ['close', 'destroy'],
    ] as const) {
      from.on(event, () => {
        queue.push({ at: Math.max(lastDeliveryAt, Date.now()), data });
        arm();
      });
    }
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
