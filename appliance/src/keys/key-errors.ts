import { declareErrors } from '@lmc/core/errors.ts';

/** Codes of the appliance's identity (device id and Ed25519 key pair), declared once with their HTTP status (start-up faults). */
export const KeyErrors = declareErrors({
  /** The key files exist but cannot be read or parsed; never regenerated silently (the centre knows the old key). */
  IDENTITY_INVALID: { status: 500 },
  IDENTITY_IO_ERROR: { status: 500 },
  /** The central's pinned key or certificate (keys/central-ed25519.pub, keys/central-tls.pem) cannot be read or parsed. */
  CENTRAL_TRUST_INVALID: { status: 500 },
});

