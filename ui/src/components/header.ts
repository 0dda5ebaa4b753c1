import { h } from 'preact';
import { useState } from 'preact/hooks';
import { LANGUAGES, type Language, currentLanguage, t } from '../i18n/i18n.ts';
import { api } from '../api.ts';
import { live } from '../live.ts';
import { useStore } from '../state/store.ts';
import { deviceAdvice, deviceCode, deviceStateWord, paperLow } from '../device-text.ts';
import { DEVICE_KINDS, type DeviceKind, type DeviceStateEvent, type SessionInfo, type SyncInfo } from '../types.ts';

export function LanguageSwitch(props: { onChange: (l: Language) => void }) {
  const current = currentLanguage();
  return h(
    'div',
    { class: 'lang-switch', role: 'group', 'aria-label': t('lang.choose') },
    LANGUAGES.map((l) =>
      h('button', { type: 'button', key: l, class: `lang${l === current ? ' selected' : ''}`, 'aria-pressed': l === current, 'data-lang': l, onClick: () => props.onChange(l) }, t(`lang.${l}`)),
    ),
  );
}

export function chipTone(device: DeviceStateEvent | undefined): 'ok' | 'busy' | 'bad' | 'off' {
  const state = device?.state;
  if (paperLow(device)) return 'busy';
  if (state === 'connected' || state === 'reading') return 'ok';
  if (state === 'connecting') return 'busy';
  if (state === 'disconnected' || state === 'error' || state === 'unresponsive') return 'bad';
  return 'off';
}

/** State is never colour alone: a mark beside the word. */
const MARK = { ok: '✓', busy: '…', bad: '✗', off: '–' } as const;

// 24×24 line icons (drawn, not a font: the appliance has system fonts only).
const ICONS: Record<DeviceKind | 'sync', string> = {
  mrz: 'M5 3h14v18H5zM8 16h8M8 19h8M12 7a2.5 2.5 0 1 0 0 5a2.5 2.5 0 1 0 0-5',
  fingerprint: 'M7 20c-1-2-1.5-4-1.5-7a6.5 6.5 0 0 1 13 0M10 21c-.8-2-1-4-1-7a3 3 0 0 1 6 0c0 3 .3 5 1 7M12 14c0 3 .5 5 1.5 7M4 9a9 9 0 0 1 16 0',
  printer: 'M7 9V3h10v6M5 9h14a2 2 0 0 1 2 2v6h-4M7 17H3v-6a2 2 0 0 1 2-2M7 14h10v7H7z',
  chip: 'M6 6h12v12H6zM9 9h6v6H9zM9 2v4M15 2v4M9 18v4M15 18v4M2 9h4M2 15h4M18 9h4M18 15h4',
  sync: 'M4 12a8 8 0 0 1 14-5.3L20 9M20 4v5h-5M20 12a8 8 0 0 1-14 5.3L4 15M4 20v-5h5',
};
export const Icon = (props: { name: DeviceKind | 'sync' }) =>
  h('svg', { class: 'icon', viewBox: '0 0 24 24', width: 24, height: 24, 'aria-hidden': 'true', focusable: 'false' }, h('path', { d: ICONS[props.name], fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }));

/**
 * A device chip: its icon, a mark and the state word only, so it is never cut, in any language. A tap opens its
 * details (the device's name, the state, what to do) under it; another tap or the Close button shuts them.
 */
export function DeviceChip(props: { kind: DeviceKind; device: DeviceStateEvent | undefined; inline?: boolean }) {
  const [open, setOpen] = useState(false);
  const { kind, device } = props;
  const tone = chipTone(device);
  const name = t(`device.${kind}`);
  const state = deviceStateWord(device);
  const advice = deviceAdvice(kind, device);
  return h(
    'div',
    { class: `chip-wrap${props.inline ? ' chip-inline' : ''}` },
    h(
      'button',
      { type: 'button', class: `chip chip-${tone}${open ? ' open' : ''}`, 'data-device': kind, 'data-state': device?.state ?? 'unknown', 'data-code': deviceCode(device) ?? '', 'aria-label': `${name}: ${state}`, 'aria-expanded': open, onClick: () => setOpen(!open) },
      h(Icon, { name: kind }),
      h('span', { class: 'chip-mark', 'aria-hidden': 'true' }, MARK[tone]),
      h('span', { class: 'chip-text' }, props.inline ? `${name}: ${state}` : state),
    ),
    open
      ? h(
          'div',
          { class: `chip-details chip-details-${tone}`, role: 'status', 'data-chip-details': kind },
          h('p', { class: 'chip-details-title' }, h('strong', null, name), ` · ${state}${device?.simulated ? ` (${t('device.simulated')})` : ''}`),
          advice ? h('p', { 'data-advice': kind }, advice) : h('p', null, t('device.allGood')),
          h('button', { type: 'button', class: 'btn btn-quiet btn-small', onClick: () => setOpen(false) }, t('common.close')),
        )
      : null,
  );
}

function syncText(sync: SyncInfo | null | 'absent'): { state: string; detail: string; tone: 'ok' | 'bad' | 'off' | 'busy' } {
  if (sync === null) return { state: t('sync.state.unknown'), detail: '', tone: 'busy' };
  if (sync === 'absent' || !sync.linkState || sync.linkState === 'not-configured') return { state: t('sync.notConfigured'), detail: '', tone: 'off' };
  const state = t(`sync.state.${sync.linkState}`, { defaultValue: t('sync.state.unknown') });
  const detail = typeof sync.queueDepth === 'number' ? t('sync.queue', { count: sync.queueDepth }) : '';
  const tone = sync.linkState === 'online' ? 'ok' : sync.linkState === 'unknown' ? 'busy' : 'bad';
  return { state, detail, tone };
}

/** The forwarding chip: link state at once after a reload (GET /api/sync), then live (sync:status); queue on tap. */
function SyncChip(props: { canSyncNow: boolean }) {
  const { sync } = useStore(live);
  const [open, setOpen] = useState(false);
  const s = syncText(sync);
  const link = sync && sync !== 'absent' ? (sync.linkState ?? 'unknown') : sync === 'absent' ? 'absent' : 'waiting';
  return h(
    'div',
    { class: 'chip-wrap' },
    h(
      'button',
      { type: 'button', class: `chip chip-${s.tone} sync-slot${open ? ' open' : ''}`, 'data-sync': link, 'aria-label': `${t('sync.label')}: ${s.state}`, 'aria-expanded': open, onClick: () => setOpen(!open) },
      h(Icon, { name: 'sync' }),
      h('span', { class: 'chip-mark', 'aria-hidden': 'true' }, MARK[s.tone]),
      h('span', { class: 'chip-text' }, s.state),
    ),
    open
      ? h(
          'div',
          { class: `chip-details chip-details-${s.tone}`, role: 'status', 'data-chip-details': 'sync' },
          h('p', { class: 'chip-details-title' }, h('strong', null, t('sync.label')), ` · ${s.state}`),
          s.detail ? h('p', null, s.detail) : null,
          h('p', null, t(`sync.advice.${s.tone}`)),
          // Supervisors: end the backoff wait at once when the link is back (POST /api/sync/now).
          props.canSyncNow && s.tone === 'bad'
            ? h('button', { type: 'button', class: 'btn btn-small', 'data-sync-now': '', onClick: () => void api('POST', '/api/sync/now').catch(() => undefined) }, t('sync.now'))
            : null,
          h('button', { type: 'button', class: 'btn btn-quiet btn-small', onClick: () => setOpen(false) }, t('common.close')),
        )
      : null,
  );
}

export function StatusStrip(props: { role?: string } = {}) {
  const state = useStore(live);
  const canSyncNow = props.role === 'supervisor' || props.role === 'technician';
  return h(
    'div',
    { class: 'status-strip', role: 'group', 'aria-label': t('device.strip') },
    DEVICE_KINDS.map((k) => h(DeviceChip, { key: k, kind: k, device: state.devices[k] })),
    h(SyncChip, { canSyncNow }),
  );
}

export function Header(props: { session: SessionInfo | null; onLanguage: (l: Language) => void; onSignOut: () => void }) {
  const { session } = props;
  return h(
    'header',
    { class: 'app-header' },
    h(
      'div',
      { class: 'header-row' },
      h('div', { class: 'brand' }, h('span', { class: `brand-title${session ? ' brand-title-collapsible' : ''}` }, session ? `${t('app.title')} · ` : t('app.title')), session ? h('span', { class: 'post' }, session.officeCode) : null),
      session
        ? h('div', { class: 'who', 'data-officer': session.officer.officerId }, h('strong', null, session.officer.displayName), ` · ${session.officer.officerId} · ${t(`role.${session.officer.role}`)}`)
        : null,
      h(LanguageSwitch, { onChange: props.onLanguage }),
      session ? h('button', { type: 'button', class: 'btn btn-quiet sign-out', onClick: props.onSignOut }, t('common.signOut')) : null,
    ),
    session ? h(StatusStrip, { role: session.officer.role }) : null,
  );
}
