/**
 * Kiosk guard: the page runs only at an origin the appliance itself announced (ui-static.ts fills
 * <meta name="appliance-origins">). Saved to a file, proxied, or opened from another host, it refuses.
 */
export function kioskOriginCheck(metaContent: string | null | undefined, origin: string): { ok: boolean; expected: string } {
  const allowed = (metaContent ?? '').split(/\s+/).filter(Boolean);
  return { ok: allowed.includes(origin), expected: allowed.join(' ') || '(none announced)' };
}
