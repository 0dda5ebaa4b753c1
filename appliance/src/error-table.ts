import type { ErrorDeclaration } from '@lmc/core/errors.ts';
import { ApplianceErrors } from './errors.ts';

/** The declaration of a code (errors.ts), or undefined for a code nobody declared (another package's, a peer's). */
export function declarationOf(code: string): ErrorDeclaration | undefined {
  return Object.hasOwn(ApplianceErrors, code) ? (ApplianceErrors as Record<string, ErrorDeclaration>)[code] : undefined;
}

/** The HTTP status of a code: its declaration's; 500 only for a code nobody declared. */
export function statusFor(code: string): number {
  return declarationOf(code)?.status ?? 500;
}
