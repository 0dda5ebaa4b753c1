/**
 * An on-path attacker between an appliance and its central, for the link's security tests. It
 * terminates the appliance's connection itself (plain HTTP, or TLS with its own certificate, as an
 * interception proxy would), reads each batch (names, passport numbers … in clear when it can), and
 * answers as it chooses:
 * - 'ack-unsigned': `{batchId, stored: [every id]}` with no signature (the measured attack of issue 13);
 * - 'ack-signed-by-attacker': the same, signed over the right request binding with the attacker's key;
 * - 'reject-unsigned': 400 BATCH_INVALID (would make the appliance quarantine records);
 * - 'replay-first-answer': forwards the first batch to the real central, then answers every later
 *   batch with that genuine, signed answer.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { HEADER_BATCH_ID, HEADER_CENTRAL_SIGNATURE, HEADER_CONTENT_SHA256, HEADER_NONCE, signAnswer } from '@lmc/protocol/batch-envelope.ts';
import { decodeFrame, isBinaryFrame } from '@lmc/protocol/batch-frame.ts';
import { request } from 'undici';

export type ForgeMode = 'ack-unsigned' | 'ack-signed-by-attacker' | 'reject-unsigned' | 'replay-first-answer';

export interface ForgingProxy {
  url: string;
  /** Batches it could read (record ids). */
  readonly seen: string[][];
  /** Requests that reached its HTTP layer at all (0 when TLS stopped the appliance first). */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startForgingProxy(o: { mode: ForgeMode; tls?: { cert: string; key: string }; target?: string }): Promise<ForgingProxy> {
  const attackerKey = generateKeyPairSync('ed25519').privateKey;
  const seen: string[][] = [];
  let requests = 0;
  let captured: { status: number; headers: Record<string, string>; body: Buffer } | undefined;

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    let ids: string[] = [];
    let batchId = String(req.headers[HEADER_BATCH_ID] ?? '');
    try {
      const json = gunzipSync(isBinaryFrame(body) ? decodeFrame(body).gzipJson : body).toString('utf8');
      const batch = JSON.parse(json) as { batchId: string; records: Array<{ id: string }> };
      ids = batch.records.map((r) => r.id);
      batchId = batch.batchId;
    } catch {
      // Not a batch: answer anyway.
    }
    seen.push(ids);
    if (o.mode === 'replay-first-answer') {
      if (!captured) {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'connection') as Array<[string, string]>);
        const up = await request(`${o.target}${req.url}`, { method: 'POST', headers, body });
        const upBody = Buffer.from(await up.body.arrayBuffer());
        captured = {
          status: up.statusCode,
          headers: { 'content-type': String(up.headers['content-type'] ?? 'application/json'), [HEADER_CENTRAL_SIGNATURE]: String(up.headers[HEADER_CENTRAL_SIGNATURE] ?? '') },
          body: upBody,
        };
      }
      res.writeHead(captured.status, captured.headers).end(captured.body);
      return;
    }
    if (o.mode === 'reject-unsigned') {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 400, code: 'BATCH_INVALID', message: 'forged' }));
      return;
    }
    const answer = JSON.stringify({ batchId, stored: ids, duplicates: [], conflicts: [] });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.mode === 'ack-signed-by-attacker') {
      const binding = {
        purpose: 'batch' as const,
        deviceId: String(req.headers['x-device-id'] ?? ''),
        requestTag: String(req.headers[HEADER_NONCE] ?? ''),
        batchId,
        contentSha256: String(req.headers[HEADER_CONTENT_SHA256] ?? ''),
      };
      headers[HEADER_CENTRAL_SIGNATURE] = signAnswer(binding, 200, answer, attackerKey);
    }
    res.writeHead(200, headers).end(answer);
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch(() => res.destroy());
  };
  const server: Server = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, onRequest) : createHttpServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
