/** Fixtures for the printing tests: a finalized registration and a real Ed25519 signer. */
import { generateKeyPairSync } from 'node:crypto';
import { EscPosCommandParser } from '@lmc/firmware-bridge/escpos/escpos-command-parser.ts';
import { encodeReceipt } from '@lmc/firmware-bridge/escpos/receipt-encoder.ts';
import { PAPER, type PaperWidth, type ReceiptDocument } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import { type RenderedReceipt, ReceiptRenderer } from '@lmc/firmware-bridge/escpos/receipt-renderer.ts';
import { EventBus } from '../events/event-bus.ts';
import type { Registration, Store, StoredDocument } from '../store/index.ts';
import { PrintingService, type PrintingServiceOptions } from './printing-service.ts';
import { type ReceiptSigner, signerFromKey } from './receipt-signature.ts';

export function testSigner(deviceId = 'apl-0123456789ab'): ReceiptSigner {
  return signerFromKey(deviceId, generateKeyPairSync('ed25519').privateKey);
}

/** Printing at Beitbridge with no printer attached (receipts render and queue; nothing prints): its own bus and a test signer unless given. */
export function startPrintingWithoutPrinter(store: Store, over: Partial<PrintingServiceOptions> = {}): Promise<PrintingService> {
  return PrintingService.start({
    store,
    bus: new EventBus(),
    signer: testSigner(),
    printer: { transport: 'none' },
    officeCode: 'BBR',
    officeName: 'Beitbridge Labour Migration Centre',
    ...over,
  });
}

export function zimPassport(overrides: Partial<StoredDocument> = {}): StoredDocument {
  return {
    format: 'TD3',
    documentCode: 'P',
    documentNumber: 'FN123456',
    issuingState: 'ZWE',
    nationality: 'ZWE',
    surname: 'MOYO',
    givenNames: 'TENDAI',
    sex: 'M',
    birthDate: '1995-03-14',
    expiryDate: '2030-01-01',
    valid: true,
    lines: [],
    ...overrides,
  };
}

export function finalizedRegistration(overrides: Partial<Registration> = {}): Registration {
  return {
    id: '6f1c7a52-3f5e-4a61-9d8e-2b7e4f0f9a10',
    officeCode: 'BBR',
    officerId: 'BBR-017',
    status: 'finalized',
    createdAt: '2026-11-23T07:50:00.000Z',
    updatedAt: '2026-11-23T07:55:00.000Z',
    // 07:55 UTC = 09:55 in Harare (CAT, UTC+2)
    finalizedAt: '2026-11-23T07:55:00.000Z',
    version: 3,
    document: zimPassport(),
    ...overrides,
  };
}

/** Encoder → ESC/POS parser → renderer, as the simulator does it, without a pty. */
export function renderOffline(doc: ReceiptDocument, paperWidth: PaperWidth = 80): RenderedReceipt {
  const renderer = new ReceiptRenderer(PAPER[paperWidth].dots);
  for (const cmd of new EscPosCommandParser().push(encodeReceipt(doc, { paperWidth }))) {
    const receipt = renderer.apply(cmd);
    if (receipt) return receipt;
  }
  throw new Error('the document has no cut: nothing rendered');
}
