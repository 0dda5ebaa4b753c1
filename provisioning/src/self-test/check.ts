/** One line of the self-test checklist. `ok: null` = skipped (not configured, or not testable here). */
export interface CheckResult {
  name: string;
  ok: boolean | null;
  detail: string;
  /** Error code when the check failed on a coded error. */
  code?: string;
  data?: Record<string, unknown>;
}

export async function runCheck(name: string, fn: () => Promise<Omit<CheckResult, 'name'>>): Promise<CheckResult> {
  try {
    return { name, ...(await fn()) };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { name, ok: false, detail: (err as Error).message, ...(typeof code === 'string' ? { code } : {}) };
  }
}
