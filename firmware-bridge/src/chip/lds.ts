/**
 * LDS1 data-group contents, ICAO 9303-10 §4.6–4.7: EF.COM (tag 60), DG1 (61, the MRZ in 5F1F),
 * DG2 (75, biometric information group template 7F61 holding 7F60 templates whose biometric data
 * block 5F2E / 7F2E is an ISO/IEC 19794-5 facial record).
 */
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import { readHeader, splitTlvs, type Tlv } from './tlv.ts';

const malformed = (why: string) => new ApplianceError(FirmwareBridgeErrors.CHIP_DATA_MALFORMED.code, why);

/** The single outer TLV of a file, checked against the expected tag. */
export function outer(file: Buffer, tag: number, name: string): Tlv {
  const all = splitTlvs(file);
  const first = all?.[0];
  if (all?.length !== 1 || first?.tag !== tag || !first) throw malformed(`${name} is not one TLV with tag ${tag.toString(16)}`);
  return first;
}

const child = (tlv: Tlv, tag: number, name: string): Tlv => {
  const found = splitTlvs(tlv.value)?.find((c) => c.tag === tag);
  if (!found) throw malformed(`${name}: no ${tag.toString(16)} inside ${tlv.tag.toString(16)}`);
  return found;
};

export interface EfCom {
  readonly ldsVersion: string;
  readonly unicodeVersion: string;
  /** Data-group tags present (61 = DG1, 75 = DG2, ...). */
  readonly tags: number[];
}

export function parseEfCom(file: Buffer): EfCom {
  const com = outer(file, 0x60, 'EF.COM');
  return {
    ldsVersion: child(com, 0x5f01, 'EF.COM').value.toString('latin1'),
    unicodeVersion: child(com, 0x5f36, 'EF.COM').value.toString('latin1'),
    tags: [...child(com, 0x5c, 'EF.COM').value],
  };
}

/** DG1: the MRZ as stored on the chip, split into its printed lines (TD1 3×30, TD2 2×36, TD3 2×44). */
export function parseDg1(file: Buffer): string[] {
  const mrz = child(outer(file, 0x61, 'DG1'), 0x5f1f, 'DG1').value.toString('latin1');
  const width = mrz.length === 90 ? 30 : mrz.length === 72 ? 36 : mrz.length === 88 ? 44 : 0;
  if (!width) throw malformed(`DG1 MRZ of ${mrz.length} characters fits no format`);
  const lines: string[] = [];
  for (let i = 0; i < mrz.length; i += width) lines.push(mrz.slice(i, i + width));
  return lines;
}

/** The biometric data blocks (ISO/IEC 19794-5 records) of DG2, one per face. */
export function dg2BiometricBlocks(file: Buffer): Buffer[] {
  const group = child(outer(file, 0x75, 'DG2'), 0x7f61, 'DG2');
  const templates = (splitTlvs(group.value) ?? []).filter((t) => t.tag === 0x7f60);
  if (templates.length === 0) throw malformed('DG2 has no biometric information template');
  return templates.map((t) => {
    const bdb = splitTlvs(t.value)?.find((c) => c.tag === 0x5f2e || c.tag === 0x7f2e);
    if (!bdb) throw malformed('DG2 template without biometric data block');
    return bdb.value;
  });
}

/** Total length of a file from its first bytes (for a progress bar before the read ends). */
export const declaredLength = (head: Buffer) => {
  const h = readHeader(head);
  return h ? h.headerLength + h.length : null;
};
