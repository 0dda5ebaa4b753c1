/** Test helpers: device keys, registration records, and injecting signed batches into a built app. */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { CentralApp } from '../src/app.ts';
import type { DeviceConfig } from '../src/devices/device-directory.ts';
import { BATCH_PATH, encodeBatch, type BatchRecordInput, type BatchResponse, type RegistrationPayload } from '@lmc/protocol/batch.ts';

export interface TestDevice {
  config: DeviceConfig;
  privateKey: KeyObject;
}

export function makeDevice(deviceId: string, officeCode: string): TestDevice {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    config: { deviceId, officeCode, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    privateKey,
  };
}

export function makeRecord(officeCode: string, payload: Partial<RegistrationPayload> = {}, finalizedAt = '2025-03-10T09:30:00+02:00'): BatchRecordInput {
  return {
    id: randomUUID(),
    officeCode,
    finalizedAt,
    payload: {
      surname: 'MOYO',
      givenNames: 'TENDAI',
      sex: 'F',
      birthDate: '1996-04-02',
      nationality: 'ZWE',
      districtOfOrigin: 'Gwanda',
      occupationIsco: '6111',
      destinationProvince: 'Limpopo',
      employerId: 'EMP-0001',
      returning: false,
      ...payload,
    },
  };
}

export async function sendBatch(app: CentralApp, device: TestDevice, records: BatchRecordInput[], batchId?: string) {
  const encoded = encodeBatch(records, { deviceId: device.config.deviceId, privateKey: device.privateKey, ...(batchId ? { batchId } : {}) });
  const res = await app.inject({ method: 'POST', url: BATCH_PATH, headers: encoded.headers, payload: encoded.body });
  return { res, encoded, json: () => res.json() as BatchResponse };
}
