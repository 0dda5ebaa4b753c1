/**
 * The registration in progress survives a reload: the server holds the registration (every step is saved
 * there); the browser only remembers which one and which step, and checks it against the server on resume.
 */
export type Step = 'document' | 'manual' | 'fingerprints' | 'details' | 'jobs' | 'costs' | 'review' | 'receipt';

export interface CurrentDraft {
  id: string;
  step: Step;
  /** How many earlier registrations of this passport the server reported (the returning-migrant banner). */
  previous?: number;
}

const KEY = 'bp.current';

export function loadDraft(): CurrentDraft | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const d = JSON.parse(raw) as Partial<CurrentDraft>;
    return typeof d.id === 'string' && typeof d.step === 'string' ? (d as CurrentDraft) : null;
  } catch {
    return null;
  }
}

export function saveDraft(d: CurrentDraft): void {
  localStorage.setItem(KEY, JSON.stringify(d));
}

export function clearDraft(): void {
  localStorage.removeItem(KEY);
}

/** The step to show for a registration the server returned, given the step the browser remembered. */
export function resumeStep(status: 'draft' | 'captured' | 'finalized', remembered: Step): Step | null {
  if (status === 'finalized') return remembered === 'receipt' ? 'receipt' : null;
  if (status === 'draft') return remembered === 'manual' ? 'manual' : 'document';
  return remembered === 'receipt' ? 'review' : remembered;
}
