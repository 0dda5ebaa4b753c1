import type { Socket } from 'socket.io-client';

/**
 * The details an integration test saves before finalizing (PUT /api/registrations/:id/details): finalizing needs
 * them with the migrant's consent. Appliances in these tests have no fingerprint reader, so no prints are needed.
 */
export const CONSENTED_DETAILS = {
  homeProvince: 'ZW-MS', homeDistrict: 'ZW-MS-BEITBRIDGE', education: 'primary', occupationIsco: '9211',
  nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse' }, language: 'en',
  consent: { given: true, language: 'en', readAt: new Date().toISOString() },
};

/** The next socket.io event of that name whose payload passes the predicate; rejects after the timeout. */
export function nextSocketEvent<T>(socket: Socket, event: string, predicate: (payload: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    const handler = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
}
