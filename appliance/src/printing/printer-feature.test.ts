import { describe, expect, it, onTestFinished } from 'vitest';
import { until } from '@lmc/core/wait-test-support.ts';
import { sampleReceipt } from '@lmc/firmware-bridge/escpos/sample-receipt.ts';
import { busRecordingDeviceStates } from '../events/test-support.ts';
import { PrinterFeature } from './printer-feature.ts';

describe('PrinterFeature on the device host (simulated printer over a real pty)', () => {
  it('unplug → disconnected; replug behind the same path → connected and printing; a printer that stops answering → unresponsive', async () => {
    const { bus, states } = busRecordingDeviceStates();
    const feature = new PrinterFeature({
      config: { transport: 'simulator', paperWidth: 80, baudRate: 115_200 },
      bus,
      reconnect: { minMs: 20, maxMs: 100 },
      statusTimeoutMs: 1000,
      liveness: { everyMs: 100, failuresBeforeUnresponsive: 2 },
    });
    onTestFinished(() => feature.stop());
    await feature.start();
    await until('connected', () => feature.state.state === 'connected');
    const harness = feature.harness!;

    await harness.unplug();
    await until('disconnected', () => feature.state.state === 'disconnected');
    expect(feature.state.code).toBe('DEVICE_NOT_CONNECTED');
    await harness.replug();
    await until('reconnected', () => feature.state.state === 'connected');
    await feature.print(sampleReceipt('ZLMC1:AFTER-REPLUG'));
    expect(feature.simulator?.receipts()).toHaveLength(1);

    harness.line?.mute(true);
    await until('unresponsive', () => feature.state.state === 'unresponsive');
    expect(feature.state.code).toBe('DEVICE_UNRESPONSIVE');
    harness.line?.mute(false);
    await until('answers again', () => feature.state.state === 'connected');
    expect(states.map((s) => s.state)).toEqual(['connected', 'disconnected', 'connected', 'unresponsive', 'connected']);
  });
});
