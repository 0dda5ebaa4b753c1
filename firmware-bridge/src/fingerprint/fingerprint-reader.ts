/**
 * The device-independent contract for fingerprint readers. Business code (registration, returning
 * migrant verification) depends on this only and never sees bytes, ports or packet sizes.
 *
 * ZFM/R30x serial modules implement it in `../zfm/zfm-driver.ts`. A USB reader family (node-hid,
 * e.g. a vendor SDK-less HID scanner) would implement the same interface in its own folder: it needs
 * nothing here that is serial-specific — `info().details` carries family-specific facts, templates are
 * opaque bytes tagged with `templateFormat`, and finger presence is reported through events.
 */
export interface GreyImage {
  readonly width: number;
  readonly height: number;
  /** Row-major, one byte per pixel, 0 = black, 255 = white. */
  readonly pixels: Uint8Array;
}

export interface FingerprintCapture {
  readonly image: GreyImage;
  /** Opaque template in the reader family's own format (see `ReaderInfo.templateFormat`). */
  readonly template: Uint8Array;
}

export interface VerifyResult {
  readonly match: boolean;
  /** The reader's own similarity score (scale depends on the family; higher is more similar). */
  readonly score: number;
}

export interface ReaderInfo {
  /** Reader family, e.g. 'zfm'. */
  readonly family: string;
  /** Transport identity for logs and the technician view, e.g. '/dev/ttyUSB0'. */
  readonly id: string;
  /** Templates from one format can only be verified by readers of the same format. */
  readonly templateFormat: string;
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly resolutionDpi: number;
  /** Family-specific facts (packet size, baud, library capacity, …); safe to log. */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export interface WaitOptions {
  /** Give up after this long with FP_FINGER_TIMEOUT / FP_LIFT_TIMEOUT. */
  readonly timeoutMs: number;
  /** How often to poll a reader that has no presence interrupt (default is family-specific). */
  readonly pollMs?: number;
  /** Abort with FP_ABORTED (e.g. the officer pressed Cancel). */
  readonly signal?: AbortSignal;
}

export type ReaderState = 'closed' | 'opening' | 'ready' | 'busy' | 'failed';

export interface FingerprintReaderEvents {
  /** A wait for a finger began: prompt "place finger". */
  'place-finger': [];
  'finger-detected': [];
  /** A wait for lift began: prompt "lift finger". */
  'lift-finger': [];
  state: [ReaderState];
}

export interface FingerprintReader {
  readonly state: ReaderState;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Facts learned at open(); throws FP_NOT_OPEN before that. */
  info(): ReaderInfo;
  waitForFinger(options: WaitOptions): Promise<void>;
  waitForLift(options: WaitOptions): Promise<void>;
  /** Capture the finger currently on the sensor: image for the record, template for matching. */
  capture(): Promise<FingerprintCapture>;
  /** Compare two templates of this reader's format on the reader itself. */
  verify(templateA: Uint8Array, templateB: Uint8Array): Promise<VerifyResult>;
  on<E extends keyof FingerprintReaderEvents>(event: E, listener: (...args: FingerprintReaderEvents[E]) => void): this;
  off<E extends keyof FingerprintReaderEvents>(event: E, listener: (...args: FingerprintReaderEvents[E]) => void): this;
}
