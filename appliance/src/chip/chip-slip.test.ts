/**
 * The chip section of the A4 slip: the face read from DG2 is drawn beside the verdict, a JPEG 2000 face through
 * the JPEG derived from it; one that could not be decoded is said in words, not drawn; PACE and BAC are named. Rendered with pdfkit, read back with poppler (pdftotext, pdfimages), and kept as
 * a PNG (pdftoppm) under CHIP_SLIP_PNG for a person to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FACE_JP2 } from '@lmc/firmware-bridge/chip/simulator/face-jp2.fixture.ts';
import { syntheticFace } from '@lmc/firmware-bridge/chip/simulator/sim-face.ts';
import { registrationSlipPdf } from '../documents/registration-slip.ts';
import { receiptFacts } from '../printing/receipt-facts.ts';
import { finalizedRegistration, testSigner } from '../printing/test-support.ts';
import { slipChip } from './chip-slip.ts';
import type { ChipResult } from './chip-types.ts';
import { jpeg2000ToJpeg } from './face-display.ts';

const dir = mkdtempSync(join(tmpdir(), 'chip-slip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const facts = receiptFacts(finalizedRegistration(), { officeName: 'Beitbridge Labour Migration Centre', signer: testSigner() });
const base = { fingerprints: null, generatedAt: '2026-11-29T08:00:00.000Z', deviceId: 'apl-0123456789ab' };
const face = syntheticFace({ grain: 14 });

const result = (over: Partial<ChipResult>): ChipResult => ({
  status: 'read',
  code: null,
  accessControl: 'bac',
  accessProtocol: 'bac',
  dg1: { match: true, differingFields: [] },
  passiveAuthentication: { outcome: 'genuine', dataGroups: { DG1: true, DG2: true }, signatureValid: true, issuerKnown: true, signerValidAt: true, signer: 'C=ZWE, CN=Document Signer', issuingCountry: 'ZWE' },
  face: { mime: 'image/jpeg', width: 240, height: 320, bytes: face.length, sha256: 'ab'.repeat(32), displayable: true },
  apduCount: 87,
  durationMs: 900,
  readAt: '2026-11-29T07:59:00.000Z',
  ...over,
});

const render = async (name: string, r: ChipResult, f: { mime: string; data: Buffer } | null) => {
  const path = join(dir, `${name}.pdf`);
  writeFileSync(path, await registrationSlipPdf(facts, { ...base, chip: slipChip(r, f) }));
  const text = execFileSync('pdftotext', ['-layout', path, '-']).toString('utf8');
  const images = execFileSync('pdfimages', ['-list', path]).toString('utf8').trim().split('\n').slice(2).filter((l) => l.trim().split(/\s+/)[2] === 'image');
  if (process.env.CHIP_SLIP_PNG) execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', path, join(process.env.CHIP_SLIP_PNG, name)]);
  return { text, images };
};

describe('the slip shows the passport chip', () => {
  it('a genuine chip: verdict, DG1 and the face drawn (QR + face = two images)', async () => {
    const { text, images } = await render('genuine', result({}), { mime: 'image/jpeg', data: face });
    expect(text).toContain('Passport chip');
    expect(text).toContain('GENUINE');
    expect(text).toContain('matches the printed page');
    expect(images).toHaveLength(2);
    expect(images.some((l) => l.includes(' 240 ') && l.includes(' 320 '))).toBe(true);
  });

  it('altered data and a differing DG1 are said; an undecodable JPEG 2000 face is named, not drawn', async () => {
    const r = result({
      code: 'CHIP_PA_DATA_ALTERED',
      dg1: { match: false, differingFields: ['surname'] },
      passiveAuthentication: { ...result({}).passiveAuthentication, outcome: 'data-altered' } as ChipResult['passiveAuthentication'],
      face: { ...(result({}).face as NonNullable<ChipResult['face']>), mime: 'image/jp2', displayable: false },
    });
    const { text, images } = await render('altered-jp2', r, { mime: 'image/jp2', data: Buffer.from('0000000c6a5020200d0a870a', 'hex') });
    expect(text).toContain('DATA ALTERED');
    expect(text).toContain('DIFFERS from the printed page: surname');
    expect(text).toContain('Photo in JPEG 2000, could not be decoded, not shown');
    expect(text).toContain('Chip read (BAC)');
    expect(images).toHaveLength(1);
  });

  it('a JPEG 2000 face is drawn from the JPEG derived at read time, and a PACE read says PACE', async () => {
    const { jpeg: derived } = await jpeg2000ToJpeg(FACE_JP2);
    const r = result({
      accessProtocol: 'pace',
      face: { mime: 'image/jp2', width: 180, height: 240, bytes: FACE_JP2.length, sha256: 'cd'.repeat(32), displayable: true, converted: true, displayProblem: null },
    });
    const { text, images } = await render('jp2-pace', r, { mime: 'image/jpeg', data: derived });
    expect(text).toContain('Chip read (PACE)');
    expect(text).toContain('Photo read in JPEG 2000, shown converted to JPEG');
    expect(images).toHaveLength(2);
    expect(images.some((l) => l.includes(' 180 ') && l.includes(' 240 '))).toBe(true);
  });

  it('no chip on the reader: said, no face', async () => {
    const { text, images } = await render('no-chip', result({ status: 'not-present', code: 'CHIP_NOT_PRESENT', dg1: null, passiveAuthentication: null, face: null }), null);
    expect(text).toContain('No chip was found on the reader');
    expect(images).toHaveLength(1);
  });
});
