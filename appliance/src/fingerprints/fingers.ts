/**
 * Finger names and exception reasons. The order of FINGERS is the finger position code of
 * ISO/IEC 19794-2 and ANSI/NIST-ITL 1 (1 right thumb … 5 right little, 6 left thumb … 10 left little),
 * so `fingerPosition()` gives the code a central system or an interchange record would use.
 */
export const FINGERS = [
  'right-thumb',
  'right-index',
  'right-middle',
  'right-ring',
  'right-little',
  'left-thumb',
  'left-index',
  'left-middle',
  'left-ring',
  'left-little',
] as const;

export type FingerName = (typeof FINGERS)[number];

export function isFingerName(v: unknown): v is FingerName {
  return typeof v === 'string' && (FINGERS as readonly string[]).includes(v);
}

export function fingerPosition(f: FingerName): number {
  return FINGERS.indexOf(f) + 1;
}

/**
 * Why a finger of the plan has no print. Each needs a supervisor's approval. `unreadable` is the one
 * the desk reaches after the plan's attempts gave no usable print (worn ridges, manual labour).
 */
export const EXCEPTION_REASONS = ['amputated', 'bandaged', 'scarred', 'deformed', 'unreadable', 'other'] as const;

export type ExceptionReason = (typeof EXCEPTION_REASONS)[number];
