import type { Logger } from '@lmc/core/logger.ts';
import { openPtyPair, type PtyPair } from '../transport/pty-pair.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import type { TransportFactory } from '../transport/transport.ts';
import { ZfmSimulator, type ZfmSimulatorOptions } from './zfm-simulator.ts';

/**
 * A simulated module on one end of a real pseudo-terminal pair; the driver opens the other end
 * through SerialTransport exactly as it would a USB-serial adapter (tests, `npm start` without
 * hardware, technician training).
 */
export interface PtySimulator {
  readonly simulator: ZfmSimulator;
  readonly devicePath: string;
  /** SerialTransport factory for the driver's end. */
  readonly transportFactory: TransportFactory;
  close(): Promise<void>;
}

export async function startPtySimulator(
  options: Omit<ZfmSimulatorOptions, 'transport'> & { logger?: Logger } = {},
): Promise<PtySimulator> {
  const pair: PtyPair = await openPtyPair();
  const baudRate = options.baudRate ?? 57600;
  const simulator = new ZfmSimulator({ ...options, transport: new SerialTransport({ path: pair.simulatorPath, baudRate }) });
  try {
    await simulator.start();
  } catch (err) {
    await pair.close();
    throw err;
  }
  return {
    simulator,
    devicePath: pair.devicePath,
    transportFactory: () => new SerialTransport({ path: pair.devicePath, baudRate }),
    async close() {
      await simulator.stop().catch(() => undefined);
      await pair.close();
    },
  };
}
