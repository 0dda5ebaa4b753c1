/**
 * The appliance fleet (GET /api/fleet): for each appliance its office, last batch, backlog and the age of its
 * oldest unsent registration (reported with each batch), clock drift, software version, device states and
 * the audit-chain status the central derived from the chain heads it anchors ('rewritten' and 'backwards'
 * are alarms). Refreshed every 30 seconds while the page is open.
 */
import { h } from 'preact';
import type { Node as VNode } from '../node.ts';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.ts';
import { valueLabel } from '../labels.ts';
import { messages, page } from './page.ts';

export const FLEET_PATH = '/api/fleet';

export interface FleetAppliance {
  deviceId: string;
  office: string | null;
  lastBatchAt: string | null;
  backlogPending: number | null;
  oldestUnsentAgeMs: number | null;
  clockDriftMs: number | null;
  softwareVersion: string | null;
  deviceStates: Record<string, string>;
  auditChain: 'ok' | 'rewritten' | 'backwards' | 'unknown';
  revoked: boolean;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One appliance of the answer, read leniently (names of either style; unknown fields ignored). */
export function readAppliance(raw: Record<string, unknown>, now: number): FleetAppliance {
  const oldestAt = str(raw.oldestUnsentAt);
  const chainRaw = (raw.auditChain as Record<string, unknown> | string | undefined) ?? raw.auditChainStatus ?? raw.chainStatus;
  const chain = typeof chainRaw === 'object' && chainRaw !== null ? str((chainRaw as Record<string, unknown>).status) : str(chainRaw);
  const backlog = raw.backlog as Record<string, unknown> | undefined;
  return {
    deviceId: str(raw.deviceId) ?? '?',
    office: str(raw.office) ?? str(raw.officeCode),
    lastBatchAt: str(raw.lastBatchAt),
    backlogPending: num(raw.backlogPending) ?? num(backlog?.pending),
    oldestUnsentAgeMs: num(raw.oldestUnsentAgeMs) ?? (oldestAt ? Math.max(0, now - Date.parse(oldestAt)) : null),
    clockDriftMs: num(raw.clockDriftMs),
    softwareVersion: str(raw.softwareVersion),
    deviceStates: (raw.deviceStates ?? raw.devices ?? {}) as Record<string, string>,
    auditChain: chain === 'ok' || chain === 'rewritten' || chain === 'backwards' ? chain : 'unknown',
    revoked: raw.revoked === true || typeof raw.revokedAt === 'string',
  };
}

export function readFleet(body: unknown, now = Date.now()): FleetAppliance[] {
  const list = Array.isArray(body) ? body : ((body as { appliances?: unknown[]; devices?: unknown[] }).appliances ?? (body as { devices?: unknown[] }).devices ?? []);
  return list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null).map((x) => readAppliance(x, now));
}

export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

function drift(ms: number | null): VNode | string {
  if (ms === null) return '—';
  const text = `${ms >= 0 ? '+' : '−'}${Math.abs(ms) >= 1000 ? `${(Math.abs(ms) / 1000).toFixed(1)} s` : `${Math.abs(ms)} ms`}`;
  return Math.abs(ms) > 60_000 ? h('span', { class: 'badge bad' }, text) : Math.abs(ms) > 5_000 ? h('span', { class: 'badge warn' }, text) : text;
}

const CHAIN_TEXT = { ok: 'intact', rewritten: 'REWRITTEN', backwards: 'WENT BACKWARDS', unknown: 'not reported yet' } as const;
const CHAIN_CLASS = { ok: 'ok', rewritten: 'bad', backwards: 'bad', unknown: 'muted' } as const;

export function FleetPage(): VNode {
  const [fleet, setFleet] = useState<FleetAppliance[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      api<unknown>('GET', FLEET_PATH).then(
        (body) => {
          if (!live) return;
          setFleet(readFleet(body));
          setError(null);
        },
        (err: unknown) => live && setError(errorText(err)),
      );
    void load();
    const timer = setInterval(load, 30_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const alarms = (fleet ?? []).filter((a) => a.auditChain === 'rewritten' || a.auditChain === 'backwards');
  return page(
    'fleet',
    'Appliance fleet',
    null,
    ...messages(error),
    alarms.length > 0
      ? h('p', { class: 'alarm', role: 'alert', 'data-alarm': 'audit-chain' }, `Audit chain alarm: ${alarms.map((a) => `${a.deviceId} (${CHAIN_TEXT[a.auditChain]})`).join(', ')}. Investigate before trusting its records.`)
      : null,
    fleet === null && !error ? h('p', null, 'Loading…') : null,
    fleet && fleet.length === 0 ? h('p', null, 'No appliance has sent a batch yet.') : null,
    fleet && fleet.length > 0
      ? h(
          'table',
          { class: 'grid' },
          h(
            'thead',
            null,
            h('tr', null, ['Appliance', 'Office', 'Last batch', 'Backlog', 'Oldest unsent', 'Clock drift', 'Software', 'Devices', 'Audit chain'].map((c) => h('th', { scope: 'col' }, c))),
          ),
          h(
            'tbody',
            null,
            fleet.map((a) =>
              h(
                'tr',
                { 'data-device': a.deviceId, class: a.revoked ? 'revoked' : '' },
                h('td', null, a.deviceId, a.revoked ? h('span', { class: 'badge muted' }, 'revoked') : null),
                h('td', null, a.office ? valueLabel('office', a.office) : '—'),
                h('td', null, a.lastBatchAt ? h('time', { dateTime: a.lastBatchAt, title: a.lastBatchAt }, `${duration(Date.now() - Date.parse(a.lastBatchAt))} ago`) : 'never'),
                h('td', { class: 'num' }, a.backlogPending ?? '—'),
                h('td', { class: 'num' }, duration(a.oldestUnsentAgeMs)),
                h('td', { class: 'num' }, drift(a.clockDriftMs)),
                h('td', null, a.softwareVersion ?? '—'),
                h(
                  'td',
                  null,
                  h(
                    'ul',
                    { class: 'states' },
                    Object.entries(a.deviceStates).map(([k, v]) => h('li', null, `${k}: `, h('span', { class: `badge ${v === 'ready' || v === 'ok' || v === 'connected' ? 'ok' : 'warn'}` }, v))),
                  ),
                ),
                h('td', { 'data-chain': a.auditChain }, h('span', { class: `badge ${CHAIN_CLASS[a.auditChain]}` }, CHAIN_TEXT[a.auditChain])),
              ),
            ),
          ),
        )
      : null,
  );
}
