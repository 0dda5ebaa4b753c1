/** The CSCA list in its three accepted forms: PEM bundle, one DER certificate, ICAO master list (9303-12 §9). */
import type * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { loadCscaList, parseCscaList } from './csca-list.ts';
import { createCsca, signMasterList, toPem } from '@lmc/firmware-bridge/chip/simulator/sim-pki.ts';

const der = (c: pkijs.Certificate) => Buffer.from(c.toSchema().toBER());

describe('parseCscaList', () => {
  it('reads PEM bundles, a DER certificate and a master list to the same certificates', async () => {
    const a = await createCsca('ZWE');
    const b = await createCsca('ZAF');
    const fromPem = parseCscaList(Buffer.from(toPem([a.certificate, b.certificate])));
    expect(fromPem.map(der)).toEqual([der(a.certificate), der(b.certificate)]);
    expect(parseCscaList(der(b.certificate)).map(der)).toEqual([der(b.certificate)]);

    const ml = await signMasterList(a, [a.certificate, b.certificate]);
    expect(parseCscaList(ml).map(der)).toEqual([der(a.certificate), der(b.certificate)]);
  });

  it('refuses a file that is none of them with CHIP_CSCA_LIST_INVALID', () => {
    expect(() => parseCscaList(Buffer.from('not a certificate'))).toThrow(expect.objectContaining({ code: 'CHIP_CSCA_LIST_INVALID' }));
  });
});

describe('loadCscaList: the master list signature is verified', () => {
  const masterList = async (signer: Awaited<ReturnType<typeof createCsca>>, certs: pkijs.Certificate[], tamper = false) => {
    const ml = await signMasterList(signer, certs);
    if (tamper) {
      // A certificate of the signed content altered after signing (its subject "CSCA ZAF" becomes "CSCA XAF").
      ml[ml.indexOf(Buffer.from('CSCA ZAF')) + 5] = 0x58;
    }
    return ml;
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
