/** The chip section of the A4 slip (documents/registration-slip.ts), in the slip's English. */
import type { SlipChip } from '../documents/registration-slip.ts';
import type { ChipResult } from './chip-types.ts';

const PA_WORDS: Record<string, string> = {
  genuine: 'GENUINE - issued by a trusted state (CSCA), data not altered.',
  'data-altered': 'DATA ALTERED - the chip data does not match its signature.',
  'unknown-issuer': "UNKNOWN ISSUING AUTHORITY - the signer is not in this post's CSCA list.",
  'signer-expired': 'SIGNER CERTIFICATE NOT VALID on the date checked.',
  'no-csca': 'NOT VERIFIED - this appliance holds no CSCA list.',
};

/** `face`: the face to show (ChipRepository.displayFace: JPEG as read, or derived from JPEG 2000). */
export function slipChip(result: ChipResult, face: { mime: string; data: Buffer } | null): SlipChip {
  const lines: string[] = [];
  if (result.status === 'not-present') lines.push('No chip was found on the reader.');
  else if (result.status === 'failed') lines.push(`Chip not read (${result.code ?? 'unknown reason'}).`);
  else {
    const protocol = result.accessProtocol ?? result.accessControl;
    const access = protocol === 'pace' ? 'PACE' : protocol === 'bac' ? 'BAC' : 'no access control';
    lines.push(`Chip read (${access}), passive authentication: ${PA_WORDS[result.passiveAuthentication?.outcome ?? 'no-csca']}`);
    if (result.dg1) lines.push(result.dg1.match ? 'The MRZ in the chip matches the printed page.' : `The MRZ in the chip DIFFERS from the printed page: ${result.dg1.differingFields.join(', ')}.`);
    if (result.face && !result.face.displayable) lines.push('Photo in JPEG 2000, could not be decoded, not shown.');
    if (result.face?.converted) lines.push('Photo read in JPEG 2000, shown converted to JPEG.');
    if (result.face) lines.push(`Photo SHA-256 ${result.face.sha256.slice(0, 16)}...`);
  }
  lines.push(`Read ${result.readAt.slice(0, 16).replace('T', ' ')} UTC.`);
  return { lines, faceJpegBase64: face && face.mime === 'image/jpeg' ? face.data.toString('base64') : null };
}
