/**
 * The face image of an ISO/IEC 19794-5:2005 facial record (the format 9303-10 §4.7.2 mandates for DG2):
 * general header "FAC\0" + version + record length + face count (14 bytes), then per face a facial
 * information block (20 bytes + 8 per feature point), an image information block (12 bytes) and the
 * image itself, JPEG (data type 0) or JPEG 2000 (data type 1).
 */
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';

export interface FaceImage {
  readonly mime: 'image/jpeg' | 'image/jp2';
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

const malformed = (why: string) => new ApplianceError(FirmwareBridgeErrors.CHIP_DATA_MALFORMED.code, `DG2 facial record: ${why}`);

const JPEG_SOI = Buffer.from([0xff, 0xd8]);
const JP2_SIGNATURE = Buffer.from('0000000c6a5020200d0a870a', 'hex');
const J2K_SOC = Buffer.from([0xff, 0x4f, 0xff, 0x51]);

/** The first face of a 19794-5 record. The image type is taken from its magic bytes, the header's data type only cross-checked. */
export function extractFace(record: Buffer): FaceImage {
  if (record.length < 14 + 20 + 12 || record.toString('latin1', 0, 4) !== 'FAC\0') throw malformed('no FAC header');
  const faces = record.readUInt16BE(12);
  if (faces < 1) throw malformed('no face in the record');
  let p = 14;
  const blockLength = record.readUInt32BE(p);
  const featurePoints = record.readUInt16BE(p + 4);
  const blockEnd = p + blockLength;
  if (blockEnd > record.length) throw malformed('face block longer than the record');
  p += 20 + 8 * featurePoints;
  const dataType = record[p + 1];
  const width = record.readUInt16BE(p + 2);
  const height = record.readUInt16BE(p + 4);
  p += 12;
  const data = record.subarray(p, blockEnd);
  let mime: FaceImage['mime'];
  if (data.subarray(0, 2).equals(JPEG_SOI)) mime = 'image/jpeg';
  else if (data.subarray(0, 12).equals(JP2_SIGNATURE) || data.subarray(0, 4).equals(J2K_SOC)) mime = 'image/jp2';
  else throw malformed(`image is neither JPEG nor JPEG 2000 (data type ${dataType})`);
  return { mime, width, height, data: Buffer.from(data) };
}
