// ExecStartPre of lmc-kiosk.service (runs as lmc-kiosk, no dependencies beyond Node):
// 1. waits (at most 60 s) until the appliance answers /healthz, so Chromium does not open on an error page;
// 2. marks Chromium's last exit as clean in its profile, so a crash or power cut never brings up the
//    "Restore pages?" bubble on the officers' screen.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const url = new URL(process.env.LMC_KIOSK_URL ?? 'http://127.0.0.1:8080/');
const home = process.env.HOME ?? '/var/lib/lmc-kiosk';
const prefs = join(home, 'chromium', 'Default', 'Preferences');

if (existsSync(prefs)) {
  try {
    const p = JSON.parse(readFileSync(prefs, 'utf8'));
    p.profile = { ...(p.profile ?? {}), exit_type: 'Normal', exited_cleanly: true };
    writeFileSync(prefs, JSON.stringify(p));
  } catch (err) {
    console.error(`kiosk-prepare: cannot mark ${prefs} clean: ${err.message}`);
  }
}

const deadline = Date.now() + 60_000;
for (;;) {
  try {
    const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2000) });
    if (res.ok) break;
  } catch {
    /* not up yet */
  }
  if (Date.now() > deadline) {
    console.error(`kiosk-prepare: ${url.origin}/healthz did not answer within 60 s; starting the kiosk anyway`);
    break;
  }
  await new Promise((r) => setTimeout(r, 1000));
}
