import type { KeyObject } from 'node:crypto';
import type { CentralClientConfig } from './central-link.ts';

/**
 * What every device-signed client of the central is given (the relay, reference pulls, the network lookup,
 * recruitment events, remote prints): the link configuration, the device's signing identity and the central's key.
 */
export interface SignedClientOptions extends CentralClientConfig {
  /** The device's id and signing key from enrolment: every request is signed with it. */
  identity: { deviceId: string; privateKey: KeyObject };
  /** The central's answer-signing key pinned at enrolment: an answer counts only when it verifies; null: not enrolled, nothing is asked. */
  centralKey: KeyObject | null;
  /** The clock requests are signed with (tests move it). */
  now?: () => number;
}
