/** Test support: which coded error a call throws. */
import { ApplianceError } from './errors.ts';

/** The code of the ApplianceError `fn` throws, undefined when it returns; any other error is rethrown. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplianceError) return err.code;
    throw err;
  }
  return undefined;
}
