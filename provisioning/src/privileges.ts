/**
 * Run as root (sudo), the CLI must not leave keys, the store or the config owned by root: the service
 * (user lmc) then cannot write them (STORE_READ_ONLY). So a root run becomes the service user before it
 * touches anything (setgroups/setgid/setuid: every file it then creates is lmc's), or refuses when that
 * user does not exist on an installed appliance. On a development checkout (no such user) root stays root.
 */
import { readFileSync } from 'node:fs';
import { ProvisioningErrorCodes, provisioningError } from './errors.ts';

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

export function lookupAccount(name: string, passwd = '/etc/passwd'): Account | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

export interface DropResult {
  dropped: boolean;
  account?: Account;
}

/**
 * When running as root: become `user` (default $LMC_SERVICE_USER or lmc). `required` (a production
 * install) refuses when the account is missing rather than write root-owned files.
 */
export function dropToServiceUser(o: { user?: string; required: boolean; env?: NodeJS.ProcessEnv }): DropResult {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { dropped: false };
  const env = o.env ?? process.env;
  const name = o.user ?? env.LMC_SERVICE_USER ?? 'lmc';
  const account = lookupAccount(name);
  if (!account) {
    if (o.required) {
      throw provisioningError(ProvisioningErrorCodes.UsageInvalid, `running as root, but the service user ${name} does not exist: reinstall the lmc-appliance package (it creates it)`);
    }
    return { dropped: false };
  }
  process.setgroups?.([account.gid]);
  process.setgid?.(account.gid);
  process.setuid?.(account.uid);
  return { dropped: true, account };
}
