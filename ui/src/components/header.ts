import { h } from 'preact';
import { useState } from 'preact/hooks';
import { LANGUAGES, type Language, currentLanguage, t } from '../i18n/i18n.ts';
import { live } from '../live.ts';
import { useStore } from '../state/store.ts';
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

export function chipTone(state: DeviceStateEvent['state'] | undefined): 'ok' | 'busy' | 'bad' | 'off' {
  if (state === 'connected') return 'ok';
  if (state === 'connecting') return 'busy';
  if (state === 'disconnected' || state === 'error') return 'bad';
  return 'off';
}

/** A device chip; red with the reason when the device is down. Tap shows the whole reason (no hover-only text). */
export function DeviceChip(props: { kind: DeviceKind; device: DeviceStateEvent | undefined }) {
  const [open, setOpen] = useState(false);
  const { kind, device } = props;
  const tone = chipTone(device?.state);
  const state = t(`device.state.${device?.state ?? 'unknown'}`);
  const reason = tone === 'bad' && device?.reason ? device.reason : '';
  return h(
    'button',
    { type: 'button', class: `chip chip-${tone}${open ? ' open' : ''}`, 'data-device': kind, 'data-state': device?.state ?? 'unknown', onClick: () => setOpen(!open), 'aria-expanded': open },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    h('span', { class: 'chip-text' }, h('strong', null, t(`device.${kind}`)), ` ${state}`, reason ? ` — ${reason}` : '', device?.simulated ? ` (${t('device.simulated')})` : ''),
  );
}

function syncText(sync: SyncInfo | null | 'absent'): { text: string; tone: 'ok' | 'bad' | 'off' | 'busy' } {
  if (sync === null || sync === 'absent' || !sync.linkState || sync.linkState === 'not-configured') return { text: t('sync.notConfigured'), tone: 'off' };
  const state = t(`sync.state.${sync.linkState}`, { defaultValue: sync.linkState });
  const queue = typeof sync.queueDepth === 'number' ? ` · ${t('sync.queue', { count: sync.queueDepth })}` : '';
  const tone = sync.linkState === 'online' ? 'ok' : sync.linkState === 'unknown' ? 'busy' : 'bad';
  return { text: `${state}${queue}`, tone };
}

export function StatusStrip() {
  const state = useStore(live);
  const sync = syncText(state.sync);
  return h(
    'div',
    { class: 'status-strip' },
    DEVICE_KINDS.map((k) => h(DeviceChip, { key: k, kind: k, device: state.devices[k] })),
    h('div', { class: `chip chip-${sync.tone} sync-slot`, 'data-sync': state.sync === 'absent' || state.sync === null ? 'absent' : 'present' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'chip-text' }, h('strong', null, t('sync.label')), ` ${sync.text}`)),
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
      h('div', { class: 'brand' }, t('app.title'), session ? h('span', { class: 'post' }, ` · ${session.officeCode}`) : null),
      session
        ? h('div', { class: 'who', 'data-officer': session.officer.officerId }, h('strong', null, session.officer.displayName), ` · ${session.officer.officerId} · ${t(`role.${session.officer.role}`)}`)
        : null,
      h(LanguageSwitch, { onChange: props.onLanguage }),
      session ? h('button', { type: 'button', class: 'btn btn-quiet sign-out', onClick: props.onSignOut }, t('common.signOut')) : null,
    ),
    session ? h(StatusStrip, null) : null,
  );
}
