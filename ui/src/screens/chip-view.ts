import { type ComponentChildren, h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/i18n.ts';
import { live, onLive } from '../live.ts';
import { useStore } from '../state/store.ts';
import { deviceAdvice } from '../device-text.ts';
import { errorText } from './errors.ts';

/** GET /api/registrations/:id/chip (appliance chip/chip-types.ts ChipResult), read defensively. */
export interface ChipResult {
  status: 'read' | 'not-present' | 'failed';
  code: string | null;
  /** How the chip was opened; absent from an appliance older than it. */
  accessProtocol?: 'pace' | 'bac' | 'none' | null;
  dg1: { match: boolean; differingFields: string[] } | null;
  passiveAuthentication: { outcome: 'genuine' | 'data-altered' | 'unknown-issuer' | 'signer-expired' | 'no-csca' } | null;
  /** displayable: a JPEG to show (the image, or one derived from a JPEG 2000 face); false only for an undecodable JPEG 2000. */
  face: { mime: string; sha256: string; displayable: boolean } | null;
}

const ACCESS_KEY = { pace: 'chip.accessPace', bac: 'chip.accessBac', none: 'chip.accessNone' } as const;

/** How the chip was opened, in words ("Opened with PACE"), or null when not read or not said. */
export function ChipAccess(props: { chip: ChipResult }) {
  const p = props.chip.status === 'read' ? props.chip.accessProtocol : null;
  return p ? h('p', { class: 'chip-access', 'data-chip-access': p }, t(ACCESS_KEY[p])) : null;
}
type ChipState = ChipResult | { status: 'reading'; progress: { read: number; total: number } } | null;

const PA_CODE = { 'data-altered': 'CHIP_PA_DATA_ALTERED', 'unknown-issuer': 'CHIP_PA_UNKNOWN_ISSUER', 'signer-expired': 'CHIP_PA_SIGNER_EXPIRED' } as const;

/** The chip's verdict in one line and its tone: genuine (ok), altered / unknown issuer / expired signer (bad), no CSCA list (info). */
export function chipVerdict(c: ChipResult): { tone: 'ok' | 'bad' | 'info'; text: string; key: string } {
  if (c.status === 'not-present') return { tone: 'info', text: t('error.CHIP_NOT_PRESENT'), key: 'not-present' };
  if (c.status === 'failed') return { tone: 'bad', text: `${t('chip.failed')} ${t(`error.${c.code}`, { defaultValue: t('error.CHIP_UNREADABLE') })}`, key: 'failed' };
  const o = c.passiveAuthentication?.outcome ?? 'no-csca';
  if (o === 'genuine') return { tone: 'ok', text: t('chip.genuine'), key: o };
  if (o === 'no-csca') return { tone: 'info', text: t('chip.noCsca'), key: o };
  return { tone: 'bad', text: t(`error.${PA_CODE[o]}`), key: o };
}

/** The face read from the chip (a JPEG 2000 face through the JPEG the appliance derived), or the words saying why it is not shown. */
export function ChipFace(props: { registrationId: string; face: ChipResult['face']; small?: boolean }) {
  const { face } = props;
  if (!face) return null;
  return face.displayable
    ? h('img', {
        class: props.small ? 'chip-face chip-face-small' : 'chip-face',
        src: `/api/registrations/${props.registrationId}/chip/face?v=${face.sha256.slice(0, 12)}`,
        alt: t('chip.photo'),
        'data-chip-face': '',
      })
    : h('p', { class: 'chip-face-missing', 'data-chip-face': 'jp2' }, t('chip.photoJp2'));
}

/** The registration's chip result, kept current from chip:read pushes (progress, then the result). */
export function useChip(registrationId: string, documentKey: string): [ChipState, (s: ChipState) => void] {
  const [chip, setChip] = useState<ChipState>(null);
  useEffect(() => {
    let alive = true;
    api<{ chip: ChipState }>('GET', `/api/registrations/${registrationId}/chip`, undefined, { background: true }).then(
      (r) => alive && setChip(r.chip),
      () => {},
    );
    const off = onLive<{ registrationId: string | null; status: string; progress?: { read: number; total: number }; result?: ChipResult }>('chip:read', (e) => {
      if (e.registrationId !== registrationId) return;
      if (e.status === 'reading') setChip({ status: 'reading', progress: e.progress ?? { read: 0, total: 0 } });
      else if (e.result) setChip(e.result);
    });
    return () => {
      alive = false;
      off();
    };
  }, [registrationId, documentKey]);
  return [chip, setChip];
}

/**
 * The document step's chip panel: progress while the chip is read, then the verdict (passive authentication),
 * DG1 against the printed page, and the face to compare with the person; "read again" after a failure.
 */
export function ChipPanel(props: { registrationId: string; documentKey: string }) {
  const [chip, setChip] = useChip(props.registrationId, props.documentKey);
  const [error, setError] = useState<string | null>(null);
  const reader = useStore(live).devices.chip;
  if (!chip && (!reader || reader.state === 'absent')) return null;
  const readAgain = async () => {
    setError(null);
    setChip({ status: 'reading', progress: { read: 0, total: 0 } });
    try {
      setChip(await api<ChipResult>('POST', `/api/registrations/${props.registrationId}/chip/read`));
    } catch (err) {
      setError(errorText(err));
      setChip(null);
    }
  };
  const again = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-action': 'chip-read-again', onClick: () => void readAgain() }, t('chip.readAgain'));
  let body: ComponentChildren;
  if (!chip) {
    const advice = deviceAdvice('chip', reader);
    body = h('div', null, h('p', { 'data-chip-status': 'none' }, advice ?? t('chip.notChecked')), reader?.state === 'connected' ? again : null);
  } else if (chip.status === 'reading') {
    const pct = chip.progress.total > 0 ? Math.round((100 * chip.progress.read) / chip.progress.total) : 0;
    body = h(
      'div',
      { 'data-chip-status': 'reading' },
      h('p', { class: 'chip-reading' }, t('chip.reading')),
      h('progress', { max: 100, value: pct, 'aria-label': t('chip.progress', { percent: pct }) }),
      h('span', { class: 'chip-progress' }, ` ${t('chip.progress', { percent: pct })}`),
    );
  } else {
    const v = chipVerdict(chip);
    body = h(
      'div',
      { class: 'chip-result', 'data-chip-status': chip.status, 'data-chip-verdict': v.key },
      h(ChipFace, { registrationId: props.registrationId, face: chip.face }),
      h(
        'div',
        { class: 'chip-text' },
        h('p', { class: `banner banner-${v.tone}`, role: v.tone === 'bad' ? 'alert' : 'status' }, `${v.tone === 'ok' ? '✓' : v.tone === 'bad' ? '✗' : 'ℹ'} ${v.text}`),
        chip.dg1
          ? h(
              'p',
              { class: chip.dg1.match ? 'message' : 'message message-bad', 'data-chip-dg1': chip.dg1.match ? 'same' : 'differs' },
              chip.dg1.match ? t('chip.dg1Same') : t('chip.dg1Differs', { fields: chip.dg1.differingFields.map((f) => t(`field.${f}`, { defaultValue: f })).join(', ') }),
            )
          : null,
        h(ChipAccess, { chip }),
        chip.face?.displayable ? h('p', { class: 'chip-compare' }, t('chip.compare')) : null,
        v.tone !== 'ok' ? h('p', { class: 'chip-note' }, t('chip.notBlocking')) : null,
        chip.status !== 'read' ? again : null,
      ),
    );
  }
  return h('section', { class: 'chip-panel', 'aria-live': 'polite', 'data-chip-panel': '' }, h('h3', null, t('chip.title')), body, error ? h('p', { class: 'message message-bad', role: 'alert' }, error) : null);
}

/** The review's chip row: the verdict in words and the face, beside the document's other fields. */
export function ChipSummaryRow(props: { registrationId: string; documentKey: string }) {
  const [chip] = useChip(props.registrationId, props.documentKey);
  const reader = useStore(live).devices.chip;
  if (!chip && (!reader || reader.state === 'absent')) return null;
  const text = !chip ? t('chip.notChecked') : chip.status === 'reading' ? t('chip.reading') : chipVerdict(chip).text;
  return h(
    'div',
    { class: 'summary-row chip-summary', key: 'chip' },
    h('dt', null, t('chip.title')),
    h('dd', { 'data-summary': 'chip' }, chip && chip.status !== 'reading' ? h(ChipFace, { registrationId: props.registrationId, face: chip.face, small: true }) : null, text),
  );
}
