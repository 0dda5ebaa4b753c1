/**
 * The simulator answers as the datasheet says, checked on byte sequences written out by hand here (R307 user
 * manual; checksum = identifier + length bytes + payload, low 16 bits), not produced by the codec the driver and
 * the simulator share: a codec bug cannot hide behind a simulator that agrees with it.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../transport/device-clock.ts';
import { MemoryPort } from '../transport/memory-port.ts';
import { ZfmSimulator } from './zfm-simulator.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

async function ask(command: string, setup?: (sim: ZfmSimulator) => void): Promise<string> {
  const clock = new ManualClock();
  const [host, device] = MemoryPort.pair();
  const sim = new ZfmSimulator({ transport: device, baudRate: 57_600, clock });
  await sim.start();
  setup?.(sim);
  await host.open();
  const got: Buffer[] = [];
  host.on('data', (b: Buffer) => got.push(b));
  await host.write(hex(command));
  await clock.advance(50);
  return Buffer.concat(got).toString('hex').toUpperCase();
}

describe('ZFM simulator against datasheet bytes', () => {
  it('VfyPwd(0) → acknowledge OK', async () => {
    // EF01 FFFFFFFF | 01 command | 0007 | 13 VfyPwd | 00000000 | 001B
    expect(await ask('EF01 FFFFFFFF 01 0007 13 00000000 001B')).toBe('EF01FFFFFFFF07000300000A');
  });

  it('ReadSysPara → 16 bytes: status, id, capacity 1000, level 3, address, packet code 2 (128), N 6 (57600)', async () => {
    // 07 ack | 0013 = 17 + 2 | 00 OK | 0000 | 0009 | 03E8 | 0003 | FFFFFFFF | 0002 | 0006 | 0515
    expect(await ask('EF01 FFFFFFFF 01 0003 0F 0013')).toBe('EF01FFFFFFFF0700130000000009 03E80003FFFFFFFF000200060515'.replace(/\s/g, ''));
  });

  it('GenImg with no finger → 02, with a finger → 00', async () => {
    expect(await ask('EF01 FFFFFFFF 01 0003 01 0005')).toBe('EF01FFFFFFFF07000302000C');
    expect(await ask('EF01 FFFFFFFF 01 0003 01 0005', (s) => s.placeFinger('p', 'right-index'))).toBe('EF01FFFFFFFF07000300000A');
  });

  it('SetSysPara baud N = 12 → OK (then answers at 115200); an unknown register → 1A', async () => {
    expect(await ask('EF01 FFFFFFFF 01 0005 0E 04 0C 0024')).toBe('EF01FFFFFFFF07000300000A');
    // register 9 (checksum 01+05+0E+09+01 = 1E) does not exist: 07 | 0003 | 1A | 0024 = 07+03+1A
    expect(await ask('EF01 FFFFFFFF 01 0005 0E 09 01 001E')).toBe('EF01FFFFFFFF0700031A0024');
  });
});
