/**
 * What the appliance says about a chip read: the registration's chip result (GET /api/registrations/:id/chip,
 * the document step, the review, the slip) and the live `chip.read` bus event (socket.io `chip:read`).
 */

/** Passive authentication as the officer is told it; 'no-csca' when the appliance holds no CSCA certificate at all. */
export type ChipPaOutcome = 'genuine' | 'data-altered' | 'unknown-issuer' | 'signer-expired' | 'no-csca';

/** read: the chip was read (PA says how far to trust it); not-present: no chip came into the field; failed: see code. */
export type ChipReadStatus = 'read' | 'not-present' | 'failed';

export interface ChipFaceView {
  readonly mime: 'image/jpeg' | 'image/jp2';
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  /** SHA-256 (hex) of the image as read from DG2. */
  readonly sha256: string;
  /**
   * Whether there is a JPEG to show: the image itself, or for JPEG 2000 the JPEG derived from it when the chip was
   * read (chip/face-display.ts). false only for a JPEG 2000 face that could not be decoded (see displayProblem).
   */
  readonly displayable: boolean;
  /** true when what is shown is a JPEG derived from the JPEG 2000 read (absent on reads stored before it). */
  readonly converted?: boolean;
  /** Why a JPEG 2000 face is not shown (CHIP_FACE_UNDECODABLE, or the pool's busy/timeout code); null otherwise. */
  readonly displayProblem?: string | null;
}

/** How the chip was opened: PACE, BAC, or no access control (9303-11). */
export type ChipAccessProtocol = 'pace' | 'bac' | 'none';

export interface ChipResult {
  readonly status: ChipReadStatus;
  /** Why not read, or the PA code when read but not genuine (CHIP_ACCESS_DENIED, CHIP_REMOVED, CHIP_PA_DATA_ALTERED …). */
  readonly code: string | null;
  /** 'bac' for PACE too (both are access control by the MRZ); accessProtocol says which. */
  readonly accessControl: 'bac' | 'none' | null;
  /** How the chip was opened; null when not read. Reads stored before it have it from accessControl ('bac'/'none'). */
  readonly accessProtocol: ChipAccessProtocol | null;
  readonly dg1: { readonly match: boolean; readonly differingFields: string[] } | null;
  readonly passiveAuthentication: {
    readonly outcome: ChipPaOutcome;
    readonly dataGroups: Record<string, boolean>;
    readonly signatureValid: boolean;
    readonly issuerKnown: boolean;
    readonly signerValidAt: boolean;
    readonly signer: string;
    readonly issuingCountry: string | null;
  } | null;
  readonly face: ChipFaceView | null;
  readonly apduCount: number | null;
  readonly durationMs: number;
  readonly readAt: string;
}

export interface ChipReadEvent {
  /** The scan that started the read (null for a read asked for on a registration). */
  readonly scanId: string | null;
  /** Known once the scan is attached to a registration. */
  readonly registrationId: string | null;
  readonly status: 'reading' | ChipReadStatus;
  /** While reading: bytes of the four files read so far, of the total known so far. */
  readonly progress?: { readonly read: number; readonly total: number };
  readonly result?: ChipResult;
  readonly at: string;
}
