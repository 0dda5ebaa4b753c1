/**
 * Forwarding recruitment events to the central over a real HTTP server speaking the contract
 * (protocol/src/recruitment.ts): the request is signed with the body's hash in the signed query; only an answer
 * signed by the pinned central key for this very request counts; a clock refused for skew is corrected from the
 * Date header once; a signed refusal of a whole request is narrowed to the event at fault; a link that is down
 * backs off and loses nothing.
 */
import { type KeyObject, generateKeyPairSync } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HEADER_CENTRAL_SIGNATURE, sha256Hex, signAnswer } from '@lmc/protocol/batch-envelope.ts';
import { HEADER_DEVICE_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, verifyRequest } from '@lmc/protocol/reference-feed.ts';
import { RECRUITMENT_ANSWER_PURPOSE, RECRUITMENT_EVENTS_PATH, type RecruitmentEvent, type RecruitmentEventsAnswer } from '@lmc/protocol/recruitment.ts';
import { RecruitmentEventsClient } from './central-events-client.ts';
import { RecruitmentRelay } from './recruitment-relay.ts';
import { RecruitmentService } from './recruitment-service.ts';
import { OFFICER, type RecruitmentFixture, openRecruitmentFixture } from './test-support.ts';

const NOW = new Date('2026-11-29T09:00:00Z');
const device = generateKeyPairSync('ed25519');
const central = generateKeyPairSync('ed25519');
const attacker = generateKeyPairSync('ed25519');
const DEVICE_ID = 'dev-bbr-1';

type Mode = 'ok' | 'unsigned' | 'attacker' | 'reject-all' | 'reject-vacancy' | 'skew-once' | 'down';

interface FakeCentral {
  url: string;
  mode: Mode;
  /** Events stored, by id (idempotent as the central is). */
  stored: Map<string, RecruitmentEvent>;
  requests: number;
  refusedSignatures: number;
  close(): Promise<void>;
}

async function fakeCentral(): Promise<FakeCentral> {
  const state = { mode: 'ok' as Mode, stored: new Map<string, RecruitmentEvent>(), requests: 0, refusedSignatures: 0, skewed: false };
  const answer = (res: ServerResponse, status: number, body: unknown, bind: { tag: string; hash: string }, key: KeyObject | null, date?: string) => {
    const bytes = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers[HEADER_CENTRAL_SIGNATURE] = signAnswer({ purpose: RECRUITMENT_ANSWER_PURPOSE, deviceId: DEVICE_ID, requestTag: bind.tag, batchId: '', contentSha256: bind.hash }, status, bytes, key);
    if (date) headers.date = date;
    res.writeHead(status, headers).end(bytes);
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      if (state.mode === 'down') return req.socket.destroy();
      const body = Buffer.concat(chunks);
      const [path, query = ''] = (req.url ?? '').split('?');
      const tag = String(req.headers[HEADER_SIGNATURE] ?? '');
      const bind = { tag, hash: sha256Hex(body) };
      const signedOk =
        path === RECRUITMENT_EVENTS_PATH &&
        req.headers[HEADER_DEVICE_ID] === DEVICE_ID &&
        query === `sha256=${sha256Hex(body)}` &&
        verifyRequest({ method: 'POST', path: RECRUITMENT_EVENTS_PATH, query, deviceId: DEVICE_ID, timestamp: Number(req.headers[HEADER_TIMESTAMP]) }, tag, device.publicKey);
      if (!signedOk) {
        state.refusedSignatures++;
        return answer(res, 401, { statusCode: 401, code: 'REFERENCE_SIGNATURE_INVALID', message: 'bad signature' }, bind, central.privateKey);
      }
      if (state.mode === 'skew-once' && !state.skewed) {
        state.skewed = true;
        return answer(res, 401, { statusCode: 401, code: 'REFERENCE_CLOCK_SKEW', message: 'clock' }, bind, central.privateKey, new Date(Date.now() + 3_600_000).toUTCString());
      }
      const { events } = JSON.parse(body.toString('utf8')) as { events: RecruitmentEvent[] };
      if (state.mode === 'reject-all' && events.length > 1) return answer(res, 400, { statusCode: 400, code: 'EVENT_INVALID', message: 'one is bad' }, bind, central.privateKey);
      const out: RecruitmentEventsAnswer = { accepted: [], duplicates: [], rejected: [] };
      for (const e of events) {
        if (state.mode === 'reject-vacancy' && e.kind === 'candidacy' && e.vacancyId === 'V-B') out.rejected.push({ eventId: e.eventId, code: 'VACANCY_UNKNOWN', message: 'no such vacancy' });
        else if (state.stored.has(e.eventId)) out.duplicates.push(e.eventId);
        else {
          state.stored.set(e.eventId, e);
          out.accepted.push(e.eventId);
        }
      }
      const key = state.mode === 'unsigned' ? null : state.mode === 'attacker' ? attacker.privateKey : central.privateKey;
      return answer(res, 200, out, bind, key);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get mode() {
      return state.mode;
    },
    set mode(m: Mode) {
      state.mode = m;
    },
    stored: state.stored,
    get requests() {
      return state.requests;
    },
    get refusedSignatures() {
      return state.refusedSignatures;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let fx: RecruitmentFixture;
let service: RecruitmentService;
let srv: FakeCentral;
let client: RecruitmentEventsClient;
let relay: RecruitmentRelay;

beforeEach(async () => {
  fx = openRecruitmentFixture(() => NOW, [{ vacancy_id: 'V-A' }, { vacancy_id: 'V-B' }]);
  service = new RecruitmentService({ store: fx.store, now: () => NOW });
  srv = await fakeCentral();
  client = new RecruitmentEventsClient({ url: srv.url, allowInsecureHttp: true, identity: { deviceId: DEVICE_ID, privateKey: device.privateKey }, centralKey: central.publicKey, connectTimeoutMs: 2000, responseTimeoutMs: 2000 });
  relay = new RecruitmentRelay({ outbox: service.outbox, transport: client, backoff: { baseMs: 1000, maxMs: 60_000 }, pollMs: 30_000, unauthorisedRetryMs: 600_000, random: () => 0.5, now: () => NOW });
});
afterEach(async () => {
  await client.close();
  await srv.close();
  fx.close();
});

/** A finalized, acknowledged registration with interest in V-A and V-B and a recruiter's fee: three due events. */
function threeDueEvents(): string {
  const id = fx.registration();
  service.addCandidacies(id, ['V-A', 'V-B'], OFFICER);
  service.addCost(id, { amountMinor: 5000, currency: 'USD', paidTo: 'recruiter', purpose: 'recruitment_fee', paidOn: '2026-11-20' }, OFFICER);
  fx.store.registrations.finalize(id, OFFICER);
  fx.store.outbox.markSent(fx.store.outbox.pending(1)[0]?.seq as number);
  expect(service.outbox.due(10)).toHaveLength(3);
  return id;
}

describe('forwarding recruitment events', () => {
  it('sends the due events signed; the signed answer empties the queue; a resend is a duplicate, never twice stored', async () => {
    threeDueEvents();
    expect(await relay.cycle()).toMatchObject({ sent: 3, rejected: 0, delayMs: 0 });
    expect(srv.refusedSignatures).toBe(0);
    expect([...srv.stored.values()].map((e) => e.kind).sort()).toEqual(['candidacy', 'candidacy', 'cost-report']);
    expect(service.outbox.status()).toMatchObject({ pending: 0, due: 0 });
    expect(relay.linkState).toBe('online');
    // The same events again (e.g. the answer was lost): the central answers duplicates.
    const again = await client.send([...srv.stored.values()]);
    expect(again.kind === 'answered' && again.answer.duplicates.length).toBe(3);
    expect(srv.stored.size).toBe(3);
  });

  it('nothing leaves before the registration’s own record was acknowledged', async () => {
    const id = fx.registration();
    service.addCandidacies(id, ['V-A'], OFFICER);
    expect(await relay.cycle()).toMatchObject({ sent: 0, delayMs: 30_000 });
    expect(srv.requests).toBe(0);
  });

  for (const mode of ['unsigned', 'attacker'] as const) {
    it(`an answer ${mode === 'unsigned' ? 'without a signature' : 'signed by another key'} acknowledges nothing: the events stay queued`, async () => {
      threeDueEvents();
      srv.mode = mode;
      const r = await relay.cycle();
      expect(r.sent).toBe(0);
      expect(r.delayMs).toBeGreaterThan(0);
      expect(service.outbox.status()).toMatchObject({ pending: 3, due: 3 });
      expect(service.outbox.status().lastError).toMatch(/^bad-signature/);
      expect(relay.linkState).toBe('backing-off');
    });
  }

  it('a signed refusal of the whole request is narrowed to the event at fault, which is set aside; the rest go', async () => {
    threeDueEvents();
    srv.mode = 'reject-all';
    expect(await relay.cycle()).toMatchObject({ sent: 0, delayMs: 0 }); // now one by one
    srv.mode = 'reject-vacancy';
    let sent = 0;
    let rejected = 0;
    for (let i = 0; i < 3; i++) {
      const r = await relay.cycle();
      sent += r.sent;
      rejected += r.rejected;
    }
    expect({ sent, rejected }).toEqual({ sent: 2, rejected: 1 });
    expect(service.outbox.status()).toMatchObject({ pending: 0, rejected: 1 });
    expect(fx.store.connection.prepare('SELECT rejected_code FROM recruitment_outbox WHERE rejected_at IS NOT NULL').pluck().get()).toBe('VACANCY_UNKNOWN');
  });

  it('a clock the central refuses is corrected from its Date header and the request retried once', async () => {
    threeDueEvents();
    srv.mode = 'skew-once';
    expect(await relay.cycle()).toMatchObject({ sent: 3 });
    expect(client.clockOffsetMs).toBeGreaterThan(3_000_000);
  });

  it('a link that is down backs off with jitter and keeps every event; they all go when it is back', async () => {
    threeDueEvents();
    srv.mode = 'down';
    const first = await relay.cycle();
    const second = await relay.cycle();
    expect(first.delayMs).toBe(500); // 0.5 × 1000
    expect(second.delayMs).toBe(1000); // 0.5 × 2000
    expect(service.outbox.status()).toMatchObject({ pending: 3, due: 3 });
    srv.mode = 'ok';
    expect(await relay.cycle()).toMatchObject({ sent: 3 });
    expect(relay.linkState).toBe('online');
  });

  it('without a pinned central key nothing is sent at all', async () => {
    threeDueEvents();
    const unpinned = new RecruitmentEventsClient({ url: srv.url, allowInsecureHttp: true, identity: { deviceId: DEVICE_ID, privateKey: device.privateKey }, centralKey: null, connectTimeoutMs: 2000, responseTimeoutMs: 2000 });
    const r = new RecruitmentRelay({ outbox: service.outbox, transport: unpinned, backoff: { baseMs: 1000, maxMs: 60_000 }, pollMs: 30_000, unauthorisedRetryMs: 600_000 });
    expect(await r.cycle()).toMatchObject({ sent: 0, delayMs: 600_000 });
    expect(srv.requests).toBe(0);
    expect(r.linkState).toBe('unauthorised');
    await unpinned.close();
  });

  it('the running relay sends a new event as soon as it is kicked, and stops cleanly', async () => {
    threeDueEvents();
    relay.start();
    await expect.poll(() => service.outbox.status().pending, { timeout: 5000 }).toBe(0);
    const id = fx.registration('FN999999');
    fx.store.registrations.finalize(id, OFFICER);
    fx.store.outbox.markSent(fx.store.outbox.pending(1)[0]?.seq as number);
    service.addCost(id, { amountMinor: 1200, currency: 'ZAR', paidTo: 'transport', purpose: 'travel', paidOn: '2026-11-28' }, OFFICER);
    relay.kick();
    await expect.poll(() => srv.stored.size, { timeout: 5000 }).toBe(4);
    await relay.stop();
  });
});
