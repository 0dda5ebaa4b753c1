/**
 * Enrolment codes and devices, for administrators: issue a one-time code for an office (shown once), see the
 * codes issued and whether they were used, revoke a device (its batches and reference pulls are refused from
 * then on), and re-key one (a code for its office; the technician runs `appliance-provision enrol --rekey`
 * with it, the appliance signs the replacement with its old key, and the old identity is revoked).
 */
import { h } from 'preact';
import type { Node as VNode } from '../node.ts';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { OFFICES } from '../labels.ts';
import { actionForm, messages, page, useAction } from './page.ts';

export const DEVICES_PATH = '/api/v1/admin/devices';
export const CODES_PATH = '/api/v1/admin/enrolment-codes';

interface Device {
  deviceId: string;
  officeCode: string;
  enrolledAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
  replacedBy: string | null;
}

interface CodeRow {
  officeCode: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedByDevice: string | null;
}

interface Issued {
  code: string;
  officeCode: string;
  expiresAt: string;
  deviceId?: string;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('en-GB', { timeZone: 'Africa/Harare', dateStyle: 'medium', timeStyle: 'short' }) : '—');

export function DevicesPage(): VNode {
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [codes, setCodes] = useState<CodeRow[]>([]);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [office, setOffice] = useState('BBR');
  const [ttl, setTtl] = useState(1440);
  const { error, run } = useAction();
  const [notice, setNotice] = useState<string | null>(null);

  const load = async () => {
    const [d, c] = await Promise.all([api<{ devices: Device[] }>('GET', DEVICES_PATH), api<{ codes: CodeRow[] }>('GET', CODES_PATH)]);
    setDevices(d.devices);
    setCodes(c.codes);
  };
  useEffect(() => {
    void run(load);
  }, []);

  /** An action, then the lists again. */
  const act = (f: () => Promise<void>) =>
    run(async () => {
      setNotice(null);
      await f();
      await load();
    });

  const issue = () =>
    act(async () => {
      setIssued(await api<Issued>('POST', CODES_PATH, { officeCode: office, ttlMinutes: ttl }));
    });
  const revoke = (d: Device) =>
    act(async () => {
      if (!window.confirm(`Revoke ${d.deviceId}? Its batches will be refused from now on. This cannot be undone.`)) return;
      await api('POST', `${DEVICES_PATH}/${encodeURIComponent(d.deviceId)}/revoke`, { reason: 'revoked from the console' });
      setNotice(`${d.deviceId} is revoked.`);
    });
  const rekey = (d: Device) =>
    act(async () => {
      setIssued(await api<Issued>('POST', `${DEVICES_PATH}/${encodeURIComponent(d.deviceId)}/rekey`, {}));
    });

  return page(
    'devices',
    'Enrolment and devices',
    null,
    ...messages(error, notice),
    actionForm(
      { class: 'card inline-form', 'data-form': 'issue-code' },
      issue,
      h('h2', null, 'New enrolment code'),
      h('label', null, 'Office', h('select', { name: 'officeCode', value: office, onChange: (e: Event) => setOffice((e.target as HTMLSelectElement).value) }, Object.entries(OFFICES).map(([c, n]) => h('option', { value: c }, `${c} · ${n}`)))),
      h(
        'label',
        null,
        'Valid for',
        h(
          'select',
          { name: 'ttlMinutes', value: String(ttl), onChange: (e: Event) => setTtl(Number((e.target as HTMLSelectElement).value)) },
          [
            [60, '1 hour'],
            [1440, '24 hours'],
            [10080, '7 days'],
          ].map(([v, t]) => h('option', { value: String(v) }, t)),
        ),
      ),
      h('button', { type: 'submit', class: 'primary', 'data-action': 'issue-code' }, 'Issue code'),
    ),
    issued
      ? h(
          'div',
          { class: 'card issued', role: 'status', 'data-issued': issued.officeCode },
          h('p', null, issued.deviceId ? `Re-key code for ${issued.deviceId} (office ${issued.officeCode}). It is shown once:` : `Enrolment code for ${issued.officeCode}. It is shown once:`),
          h('p', { class: 'code', 'data-code': '' }, issued.code),
          h('p', { class: 'hint' }, `Valid until ${when(issued.expiresAt)}. On the appliance: appliance-provision enrol --central <url> --code ${issued.code}${issued.deviceId ? ' --rekey' : ''}`),
        )
      : null,
    h('h2', null, 'Devices'),
    devices === null
      ? h('p', null, 'Loading…')
      : h(
          'table',
          { class: 'grid' },
          h('thead', null, h('tr', null, ['Device', 'Office', 'Enrolled', 'State', ''].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            null,
            devices.map((d) =>
              h(
                'tr',
                { 'data-device': d.deviceId, class: d.revokedAt ? 'revoked' : '' },
                h('td', null, d.deviceId),
                h('td', null, d.officeCode),
                h('td', null, when(d.enrolledAt)),
                h('td', { 'data-state': d.revokedAt ? 'revoked' : 'active' }, d.revokedAt ? `revoked ${when(d.revokedAt)} (${d.revokedReason ?? 'no reason'}${d.replacedBy ? `, replaced by ${d.replacedBy}` : ''})` : 'active'),
                h(
                  'td',
                  { class: 'actions' },
                  d.revokedAt
                    ? null
                    : [
                        h('button', { type: 'button', 'data-action': 'rekey', onClick: () => void rekey(d) }, 'Re-key'),
                        h('button', { type: 'button', class: 'danger', 'data-action': 'revoke', onClick: () => void revoke(d) }, 'Revoke'),
                      ],
                ),
              ),
            ),
          ),
        ),
    h('h2', null, 'Enrolment codes issued'),
    h(
      'table',
      { class: 'grid', 'data-table': 'codes' },
      h('thead', null, h('tr', null, ['Office', 'Issued', 'Expires', 'Used'].map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        null,
        codes.map((c) =>
          h('tr', null, h('td', null, c.officeCode), h('td', null, when(c.createdAt)), h('td', null, when(c.expiresAt)), h('td', null, c.usedAt ? `${when(c.usedAt)} by ${c.usedByDevice ?? '?'}` : 'not used')),
        ),
      ),
    ),
  );
}
