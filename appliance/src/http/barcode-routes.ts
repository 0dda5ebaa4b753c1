import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { classifyBarcode } from '../barcodes/barcode-decoder.ts';
import { BARCODE_UPLOAD_LIMIT } from '../barcodes/barcode-errors.ts';
import { type BarcodeReader, createBarcodeReader } from '../barcodes/barcode-reader.ts';
import type { VerifyResult } from '../printing/printing-service.ts';
import { ErrorSchema } from './schemas.ts';

/** Uploads: a phone photo of a receipt or an ID card. Larger than the app's 256 KiB JSON limit. */
export const IMAGE_BODY_LIMIT = 12 * 1024 * 1024;
export const IMAGE_TYPES = ['image/png', 'image/jpeg'];

export function acceptImages(app: FastifyInstance): void {
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer', bodyLimit: IMAGE_BODY_LIMIT }, (_request, body, done) => done(null, body));
}

/** The uploaded bytes; 415 for a body that came in under another content type (e.g. text/plain). */
export function imageBody(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  throw new ApplianceError(ApplianceErrors.UNSUPPORTED_MEDIA_TYPE.code, `send the image bytes with Content-Type ${IMAGE_TYPES.join(' or ')}`);
}

export interface BarcodeRoutesOptions {
  /** Checks a receipt QR against the appliance keys; absent when printing is not running. */
  verifyReceipt?: (qr: string) => VerifyResult;
  now?: () => Date;
  /** The worker-thread reader (barcodes/barcode-reader.ts); without one the plugin makes its own and closes it with the app. */
  reader?: BarcodeReader;
}

const Decoded = Type.Object(
  {
    format: Type.Union([Type.Literal('QR_CODE'), Type.Literal('PDF_417')]),
    kind: Type.Union([Type.Literal('receipt'), Type.Literal('job-offer'), Type.Literal('identity-document'), Type.Literal('text')]),
    text: Type.String(),
    standard: Type.Optional(Type.String()),
    jobOffer: Type.Optional(Type.Object({}, { additionalProperties: true })),
    receipt: Type.Optional(Type.Object({}, { additionalProperties: true })),
    unverified: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const imageBodySchema = {
  content: Object.fromEntries(IMAGE_TYPES.map((t) => [t, { schema: { description: 'the image bytes' } }])),
};

export const barcodeRoutes: FastifyPluginAsyncTypebox<BarcodeRoutesOptions> = async (app, opts) => {
  acceptImages(app);
  const now = opts.now ?? (() => new Date());
  const reader = opts.reader ?? createBarcodeReader();
  if (!opts.reader) app.addHook('onClose', () => reader.close());

  app.post(
    '/api/barcodes/decode',
    {
      config: { access: 'officer' },
      bodyLimit: BARCODE_UPLOAD_LIMIT,
      schema: {
        summary: 'Read a QR code (receipt, job offer) or PDF417 (identity document) from a PNG or JPEG image',
        description:
          'Body: the raw image (Content-Type image/png or image/jpeg, up to 8 MiB). A receipt QR is verified against this ' +
          'appliance and the trusted appliances; a job offer (ZLMCJOB1) is parsed and shown as unverified; a PDF417 is returned ' +
          'as text (AAMVA detected). Read in a worker thread, one image at a time. 400 not an image or damaged, 413 body over ' +
          '8 MiB or image over 40 megapixels, 422 no readable barcode or reading took over 5 s, 503 with Retry-After when the ' +
          'reader is busy (4 images already waiting).',
        tags: ['barcodes'],
        body: imageBodySchema as never,
        response: { 200: Decoded, 400: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema, 422: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request) => {
      // A busy or restarting reader rejects with BARCODE_BUSY / BARCODE_READER_UNAVAILABLE carrying
      // context.retryAfterS: the app's error handler answers 503 with Retry-After.
      const found = await reader.decode(imageBody(request.body));
      const decoded = classifyBarcode(found, now());
      if (decoded.kind === 'receipt' && opts.verifyReceipt) return { ...decoded, receipt: opts.verifyReceipt(decoded.text) };
      if (decoded.kind === 'job-offer') {
        return { ...decoded, unverified: 'job offers are not signed: confirm the employer and the offer with the employer register' };
      }
      return decoded;
    },
  );
};
