import { h, render } from 'preact';
import { App } from './app.ts';
import { initI18n, t } from './i18n/i18n.ts';
import { kioskOriginCheck } from './kiosk.ts';
import { installPhysicalKeys } from './state/physical-keys.ts';
import './styles.css';

async function boot(): Promise<void> {
  await initI18n();
  const root = document.getElementById('app');
  if (!root) return;
  const meta = document.querySelector('meta[name="appliance-origins"]')?.getAttribute('content');
  const kiosk = kioskOriginCheck(meta, location.origin);
  if (!kiosk.ok) {
    render(
      h('main', { class: 'screen kiosk-refused', 'data-screen': 'kiosk-refused' }, h('h1', null, t('app.kioskRefused')), h('p', null, t('app.kioskRefusedHint', { expected: kiosk.expected, actual: location.origin }))),
      root,
    );
    return;
  }
  installPhysicalKeys();
  render(h(App, null), root);
}

void boot();
