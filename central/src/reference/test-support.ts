/** Test helpers for the reference feed: signed pulls through inject(), admin edits. */
import type { KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { CentralApp } from '../app.ts';
import { REFERENCE_ADMIN_PATH, REFERENCE_PATH, referenceQuery, signRequest, type ReferencePage } from '@lmc/protocol/reference-feed.ts';
import type { ReferenceEdits } from './admin.ts';

/** At least 32 characters, as the central requires (auth/admin-token.ts). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghij';

export interface PullOptions {
  limit?: number;
  /** Milliseconds since the epoch to sign with (default now). */
  timestamp?: number;
  /** Sign with this key instead of the device's own. */
  signWith?: KeyObject;
  /** Send this query string instead of the signed one (tampering). */
  sendQuery?: string;
  gzip?: boolean;
}

export async function pullPage(app: CentralApp, device: { deviceId: string; privateKey: KeyObject }, since: number, o: PullOptions = {}) {
  const query = referenceQuery(since, o.limit);
  const headers = signRequest(
    { method: 'GET', path: REFERENCE_PATH, query, deviceId: device.deviceId, timestamp: o.timestamp ?? Date.now() },
    o.signWith ?? device.privateKey,
  );
  const res = await app.inject({
    method: 'GET',
    url: `${REFERENCE_PATH}?${o.sendQuery ?? query}`,
    headers: { ...headers, ...(o.gzip === false ? {} : { 'accept-encoding': 'gzip' }) },
  });
  const body = () => (res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.rawPayload).toString('utf8') : res.payload);
  return { res, page: () => JSON.parse(body()) as ReferencePage };
}

/** Every page from `since` until complete. */
export async function pullAll(app: CentralApp, device: { deviceId: string; privateKey: KeyObject }, since = 0, limit?: number) {
  const pages: ReferencePage[] = [];
  let at = since;
  for (let i = 0; i < 1000; i++) {
    const { res, page } = await pullPage(app, device, at, limit === undefined ? {} : { limit });
    if (res.statusCode !== 200) throw new Error(`pull failed: ${res.statusCode} ${res.payload}`);
    const p = page();
    pages.push(p);
    at = p.toVersion;
    if (p.complete) break;
  }
  return { pages, changes: pages.flatMap((p) => p.changes), toVersion: at };
}

export async function adminEdit(app: CentralApp, table: string, edits: ReferenceEdits, token = ADMIN_TOKEN) {
  return app.inject({
    method: 'POST',
    url: `${REFERENCE_ADMIN_PATH}/${table}`,
    headers: { authorization: `Bearer ${token}` },
    payload: edits,
  });
}
