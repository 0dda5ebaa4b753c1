import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';

/**
 * A connected pair of pseudo-terminals made by socat (`pty,raw,echo=0`). One end is given to the
 * driver through the real `serialport` binding, the other to a simulator, so the simulated device
 * exercises the same kernel tty path as a USB-serial adapter does.
 */
export interface PtyPair {
  /** The end the appliance's driver opens. */
  readonly devicePath: string;
  /** The end the simulator writes to and reads from. */
  readonly simulatorPath: string;
  close(): Promise<void>;
}

export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  let child: ChildProcess;
  try {
    child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new ApplianceError(FirmwareBridgeErrors.PTY_UNAVAILABLE.code, 'socat could not be started (apt-get install socat)', {}, { cause: err });
  }
  const paths: string[] = [];
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ApplianceError(FirmwareBridgeErrors.PTY_UNAVAILABLE.code, `socat gave no pty pair within ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new ApplianceError(FirmwareBridgeErrors.PTY_UNAVAILABLE.code, `socat is not available (apt-get install socat): ${err.message}`));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr += text;
      for (const m of text.matchAll(/PTY is (\S+)/g)) if (m[1]) paths.push(m[1]);
      if (stderr.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // A test worker or appliance that dies must not leave socat holding the pair.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  await ready;
  const [devicePath, simulatorPath] = paths;
  if (!devicePath || !simulatorPath) throw new ApplianceError(FirmwareBridgeErrors.PTY_UNAVAILABLE.code, `socat reported no ptys: ${stderr}`);
  return {
    devicePath,
    simulatorPath,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
