import { ByteReader as CoreReader, ByteWriter } from '@lmc/core/byte-cursor.ts';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';

/**
 * The ZFM protocol's cursor: core's byte cursor, big-endian (datasheet "Packet format": length, addresses, page ids
 * and scores are sent high byte first), and a short field is a coded FRAME_INVALID, never a RangeError.
 */
export class ByteReader extends CoreReader {
  constructor(bytes: Uint8Array) {
    super(bytes, {
      endian: 'be',
      onShort: (what, needed, left, offset) =>
        new ApplianceError(FirmwareBridgeErrors.FRAME_INVALID.code, `truncated field: ${what} needs ${needed} byte(s), ${left} left`, { offset }),
    });
  }
}

export { ByteWriter };
