import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The production build (scripts/build.mjs) runs on plain `node`, without tsx: the appliance bundle starts, serves,
 * signs an officer in, decodes a photo and renders a PDF in its compiled CPU worker (appliance/dist/cpu-worker.js); the central and the CLI start too.
 */
const ROOT = resolve(import.meta.dirname, '../..');

function startBundle(file: string, env: NodeJS.ProcessEnv): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, [join(ROOT, file)], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not report its address: ${out.slice(-2000)}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"|listening on (http:\/\/\S+)|Server listening at (http:\/\/[^"\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl((m[1] ?? m[2] ?? m[3]) as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${out.slice(-2000)}`)));
  });
  return { child, url };
}

describe('production build: compiled bundles on plain node', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'prod-build-'));
  }, 120_000);
  afterAll(() => {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the appliance bundle, signs in, decodes a QR photo and renders a PDF in the compiled CPU worker', async () => {
    writeFileSync(join(dir, 'appliance.config.json'), JSON.stringify({ version: 1 }));
    const { child, url } = startBundle('appliance/dist/main.js', {
      PORT: '0',
      APPLIANCE_DATA_DIR: join(dir, 'appliance'),
      APPLIANCE_SUPERVISOR_ID: 'BBR-900',
      APPLIANCE_SUPERVISOR_PIN: '482915',
      APPLIANCE_CONFIG: join(dir, 'appliance.config.json'),
    });
    children.push(child);
    const base = await url;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const signIn = await fetch(`${base}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ officerId: 'BBR-900', pin: '482915' }) });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const png = await QRCode.toBuffer('built and bundled', { type: 'png', margin: 4, scale: 6 });
    const decoded = await fetch(`${base}/api/barcodes/decode`, { method: 'POST', headers: { 'content-type': 'image/png', cookie }, body: new Uint8Array(png) });
    expect(decoded.status).toBe(200);
    expect(await decoded.json()).toMatchObject({ format: 'QR_CODE', text: 'built and bundled' });
    // The daily report is rendered by the same compiled worker (the CPU pool's documents lane).
    const report = await fetch(`${base}/api/reports/daily.pdf`, { headers: { cookie } });
    expect(report.status).toBe(200);
    expect(Buffer.from(await report.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  }, 60_000);

  it('runs the provisioning CLI bundle', () => {
    const help = execFileSync(process.execPath, [join(ROOT, 'provisioning/dist/cli.js'), '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help).toContain('enrol');
  });
});
