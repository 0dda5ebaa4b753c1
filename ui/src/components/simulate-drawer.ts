import { h } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/i18n.ts';
import { fingerPrompt, live } from '../live.ts';
import { useStore } from '../state/store.ts';

/**
 * Demonstrations and training only: buttons that stand in for the migrant and the paper roll. Shown only while a
 * device is simulated (the server says so per device); with real hardware the drawer is not there at all, and
 * the simulator routes would refuse anyway (NOT_SIMULATED).
 */
export function SimulateDrawer(props: { personId: string | null }) {
  const { devices } = useStore(live);
  const prompt = useStore(fingerPrompt);
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const mrz = devices.mrz?.simulated === true;
  const fp = devices.fingerprint?.simulated === true;
  const printer = devices.printer?.simulated === true;
  if (!mrz && !fp && !printer) return null;

  const call = (path: string, body: object) => void api('POST', path, body).then(() => setNote(null), (err: unknown) => setNote((err as Error).message));
  const finger = prompt?.finger ?? 'right-index';
  const place = (condition: string) => call('/api/simulator/fingerprint/place', { personId: props.personId ?? 'demo-person', finger, condition });

  return h(
    'aside',
    { class: `sim-drawer${open ? ' open' : ''}`, 'data-drawer': 'simulate' },
    h('button', { type: 'button', class: 'btn btn-quiet sim-toggle', 'aria-expanded': open, 'data-action': 'simulate', onClick: () => setOpen(!open) }, `${open ? '▾' : '▸'} ${t('simulate.title')}`),
    open
      ? h(
          'div',
          { class: 'sim-body' },
          h('p', { class: 'hint' }, t('simulate.note')),
          mrz ? h('div', { class: 'sim-group' }, h('strong', null, t('device.mrz')), h('button', { type: 'button', class: 'btn btn-secondary', 'data-sim': 'passport', onClick: () => call('/api/simulator/mrz/scan', { sample: 0 }) }, t('simulate.passport'))) : null,
          fp
            ? h(
                'div',
                { class: 'sim-group' },
                h('strong', null, `${t('device.fingerprint')}: ${t(`finger.${finger}`)}`),
                h('button', { type: 'button', class: 'btn btn-secondary', 'data-sim': 'place', onClick: () => place('normal') }, t('simulate.place')),
                h('button', { type: 'button', class: 'btn btn-secondary', 'data-sim': 'place-wet', onClick: () => place('wet') }, t('simulate.placeWet')),
                h('button', { type: 'button', class: 'btn btn-secondary', 'data-sim': 'lift', onClick: () => call('/api/simulator/fingerprint/lift', {}) }, t('simulate.lift')),
              )
            : null,
          printer
            ? h(
                'div',
                { class: 'sim-group' },
                h('strong', null, t('device.printer')),
                h('button', { type: 'button', class: 'btn btn-secondary', 'data-sim': 'paper-out', onClick: () => call('/api/simulator/printer', { paperOut: true }) }, t('simulate.paperOut')),
                h('button', { type: 'button', class: 'btn btn-secondary', 'data-sim': 'paper-in', onClick: () => call('/api/simulator/printer', { paperOut: false }) }, t('simulate.paperIn')),
              )
            : null,
          note ? h('p', { class: 'message message-bad' }, note) : null,
        )
      : null,
  );
}
