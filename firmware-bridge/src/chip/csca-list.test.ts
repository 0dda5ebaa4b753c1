/** The CSCA list in its three accepted forms: PEM bundle, one DER certificate, ICAO master list (9303-12 §9). */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { loadCscaList, parseCscaList } from './csca-list.ts';
import { createCsca, toPem } from './simulator/sim-pki.ts';

const der = (c: pkijs.Certificate) => Buffer.from(c.toSchema().toBER());

describe('parseCscaList', () => {
  it('reads PEM bundles, a DER certificate and a master list to the same certificates', async () => {
    const a = await createCsca('ZWE');
    const b = await createCsca('ZAF');
    const fromPem = parseCscaList(Buffer.from(toPem([a.certificate, b.certificate])));
    expect(fromPem.map(der)).toEqual([der(a.certificate), der(b.certificate)]);
    expect(parseCscaList(der(b.certificate)).map(der)).toEqual([der(b.certificate)]);

    const content = new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 }), new asn1js.Set({ value: [a.certificate.toSchema(), b.certificate.toSchema()] })] }).toBER();
    const sd = new pkijs.SignedData({
      version: 3,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '2.23.136.1.1.2', eContent: new asn1js.OctetString({ valueHex: content }) }),
      signerInfos: [new pkijs.SignerInfo({ version: 1, sid: new pkijs.IssuerAndSerialNumber({ issuer: a.certificate.issuer, serialNumber: a.certificate.serialNumber }) })],
      certificates: [a.certificate],
    });
    await sd.sign(a.privateKey, 0, 'SHA-256');
    const ml = Buffer.from(new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: sd.toSchema(true) }).toSchema().toBER());
    expect(parseCscaList(ml).map(der)).toEqual([der(a.certificate), der(b.certificate)]);
  });

  it('refuses a file that is none of them with CHIP_CSCA_LIST_INVALID', () => {
    expect(() => parseCscaList(Buffer.from('not a certificate'))).toThrow(expect.objectContaining({ code: 'CHIP_CSCA_LIST_INVALID' }));
  });
});

describe('loadCscaList: the master list signature is verified', () => {
  const masterList = async (signer: Awaited<ReturnType<typeof createCsca>>, certs: pkijs.Certificate[], tamper = false) => {
    const content = Buffer.from(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 }), new asn1js.Set({ value: certs.map((c) => c.toSchema()) })] }).toBER());
    const sd = new pkijs.SignedData({
      version: 3,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '2.23.136.1.1.2', eContent: new asn1js.OctetString({ valueHex: content }) }),
      signerInfos: [new pkijs.SignerInfo({ version: 1, sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.certificate.issuer, serialNumber: signer.certificate.serialNumber }) })],
      certificates: [signer.certificate],
    });
    await sd.sign(signer.privateKey, 0, 'SHA-256');
    if (tamper) {
      // Another certificate slipped into the signed content after signing.
      const rogue = await createCsca('XXA');
      const forged = new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 }), new asn1js.Set({ value: [...certs, rogue.certificate].map((c) => c.toSchema()) })] }).toBER();
      sd.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: forged });
    }
    return Buffer.from(new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: sd.toSchema(true) }).toSchema().toBER());
  };

  it('accepts a master list signed by a CSCA it lists, and says who signed it', async () => {
    const a = await createCsca('ZWE');
    const b = await createCsca('ZAF');
    const list = await loadCscaList(await masterList(a, [a.certificate, b.certificate]));
    expect(list.form).toBe('master-list');
    expect(list.certificates.map(der)).toEqual([der(a.certificate), der(b.certificate)]);
    expect(list.masterListSigner).toContain('ZWE');
  });

  it('refuses a master list altered after signing, and one signed by a CSCA it does not list', async () => {
    const a = await createCsca('ZWE');
    const b = await createCsca('ZAF');
    await expect(loadCscaList(await masterList(a, [a.certificate, b.certificate], true))).rejects.toMatchObject({ code: 'CHIP_CSCA_LIST_INVALID' });
    const outsider = await createCsca('XXB');
    await expect(loadCscaList(await masterList(outsider, [a.certificate, b.certificate]))).rejects.toMatchObject({ code: 'CHIP_CSCA_LIST_INVALID' });
  });

  it('reads PEM and DER lists unchanged', async () => {
    const a = await createCsca('ZWE');
    expect((await loadCscaList(Buffer.from(toPem([a.certificate])))).form).toBe('pem');
    expect((await loadCscaList(der(a.certificate))).form).toBe('der');
  });
});
