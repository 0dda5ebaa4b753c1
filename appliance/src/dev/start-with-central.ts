/**
 * `npm start`: the appliance with a central receiver beside it, so a finalized registration
 * visibly travels to the central database. A DEVELOPMENT CONVENIENCE, never a deployment: the
 * central runs on embedded PGlite in ./data/central, and the appliance's own public key is enrolled
 * there automatically (in production a device is enrolled with a one-time code, provisioning/).
 *
 * Both run as child processes of this launcher, each with its own logs (`npm run start:appliance`
 * and `npm run start:central` run them alone). The appliance starts at once without waiting for
 * the central (PGlite's first start takes ~20 s): its relay backs off until the central answers.
 * When appliance.config.json already names a central.url, only the appliance is started.
 *
 * The link is secured as in production: the development central serves HTTPS with a self-signed pair
 * created once in <CENTRAL_DATA_DIR>/tls, and signs its answers with its key in
 * <CENTRAL_DATA_DIR>/keys; this launcher pins both in the appliance's keys/ (central-tls.pem,
 * central-ed25519.pub) as `enrol` would.
 *
 * Env: CENTRAL_PORT (default 8091), CENTRAL_DATA_DIR (default ./data/central).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger } from '@lmc/core/logger.ts';
import { loadConfig } from '../config/load-config.ts';
import { loadOrCreateIdentity } from '../keys/identity.ts';
import { installRoot } from '@lmc/core/runtime-paths.ts';
import { saveCentralTrust } from '../keys/central-trust.ts';
import { rawX25519Public, x25519PrivateFromPem } from '@lmc/protocol/print-seal.ts';

const log = createLogger('dev');
const ROOT = installRoot(import.meta.url);

function run(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], { cwd: process.cwd(), env: { ...process.env, ...env }, stdio: 'inherit' });
}

async function main(): Promise<void> {
  process.umask(0o077); // the data dir holds keys and personal data: private from the first file on
  const { config, source } = loadConfig();
  if (config.central.url !== '') {
    log.info({ central: config.central.url }, 'central.url is configured: starting the appliance alone');
    const appliance = run('appliance/src/main.ts', {});
    appliance.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => appliance.kill(s));
    return;
  }

  const port = Number(process.env.CENTRAL_PORT || 8091);
  const centralDir = resolve(process.env.CENTRAL_DATA_DIR || './data/central');
  const devDir = resolve(config.dataDir, 'dev');
  mkdirSync(devDir, { recursive: true });

  // The same identity the appliance will load from its data dir (created here on a first start).
  const identity = loadOrCreateIdentity(config.dataDir);
  const devicesFile = join(devDir, 'central-devices.json');
  writeFileSync(
    devicesFile,
    JSON.stringify({ version: 1, devices: [{ deviceId: identity.deviceId, officeCode: config.office.code, publicKeyPem: identity.publicKeyPem }] }, null, 2),
  );
  // The user's configuration as written, with only central.url pointed at the local central.
  const raw = source.startsWith('defaults') ? { version: 1 } : (JSON.parse(readFileSync(source, 'utf8')) as Record<string, unknown>);
  const central = { ...((raw.central as Record<string, unknown> | undefined) ?? {}), url: `https://127.0.0.1:${port}` };
  const configFile = join(devDir, 'appliance.config.json');
  writeFileSync(configFile, JSON.stringify({ ...raw, central }, null, 2));

  log.warn(
    { deviceId: identity.deviceId, office: config.office.code, central: central.url, centralDataDir: centralDir },
    'DEVELOPMENT MODE: starting a local central receiver (PGlite) and enrolling this appliance\'s public key in it automatically; ' +
      'never do this in production (enrol with a one-time code). npm run start:appliance runs the appliance alone.',
  );
  const children = new Set<ChildProcess>();
  const centralChild = run('central/src/main.ts', {
    CENTRAL_HOST: '127.0.0.1',
    CENTRAL_PORT: String(port),
    CENTRAL_DATA_DIR: centralDir,
    CENTRAL_DEVICES_FILE: devicesFile,
    CENTRAL_DEV_SEED_REFERENCE: 'demo',
    CENTRAL_KEY_FILE: join(centralDir, 'keys', 'central-ed25519.key'),
  });
  children.add(centralChild);
  // The central creates its TLS pair and signing key before it opens its database: pin both in the
  // appliance (as `enrol` would) before the appliance starts.
  const certFile = join(centralDir, 'tls', 'cert.pem');
  const keyFile = join(centralDir, 'keys', 'central-ed25519.key');
  // Its X25519 key too (written right after the signing key): the appliance's prints are sealed to it (issue #16).
  const encryptionKeyFile = join(centralDir, 'keys', 'central-x25519.key');
  for (let waited = 0; !(existsSync(certFile) && existsSync(keyFile) && existsSync(encryptionKeyFile)); waited += 100) {
    if (waited > 120_000 || centralChild.exitCode !== null) throw new Error(`the development central did not create ${certFile} and ${keyFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const publicKeyPem = createPublicKey(createPrivateKey(readFileSync(keyFile, 'utf8'))).export({ type: 'spki', format: 'pem' }).toString();
  const encryptionPublicKey = rawX25519Public(x25519PrivateFromPem(readFileSync(encryptionKeyFile, 'utf8'))).toString('base64');
  saveCentralTrust(config.dataDir, { publicKeyPem, tlsPem: readFileSync(certFile, 'utf8'), encryptionPublicKey });
  const appliance = run('appliance/src/main.ts', { APPLIANCE_CONFIG: configFile });
  children.add(appliance);

  centralChild.on('exit', (code, signal) => {
    children.delete(centralChild);
    // The appliance keeps working and queueing; its status shows the link as offline.
    if (!stopping) log.error({ code, signal }, 'the local central stopped; the appliance keeps queueing registrations');
  });
  appliance.on('exit', (code, signal) => {
    children.delete(appliance);
    if (!stopping) log.info({ code, signal }, 'appliance stopped; stopping the local central');
    stopping = true;
    centralChild.kill('SIGTERM');
    const done = () => process.exit(code ?? (signal ? 1 : 0));
    if (children.size === 0) done();
    else centralChild.once('exit', done);
  });
  let stopping = false;
  for (const s of ['SIGINT', 'SIGTERM'] as const) {
    process.on(s, () => {
      stopping = true;
      for (const c of children) c.kill(s);
    });
  }
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'development launcher failed');
  process.exit(1);
});
