import { h } from 'preact';
import { t } from '../i18n/i18n.ts';
import { fieldRows, warningViews } from '../mrz-view.ts';
import type { MrzDocument } from '../types.ts';
import { ReturningBanner, type ReturningInfo } from './returning.ts';

const MARK = { ok: '✓', failed: '✗', none: '–' } as const;

/**
 * The parsed MRZ, field by field with each check digit's state, then every warning in plain words with what to
 * do. Rows animate in one after another (CSS), so the officer sees the read arrive.
 */
export function DocumentView(props: { doc: MrzDocument; previous: number; returning?: ReturningInfo | null }) {
  const { doc, previous } = props;
  const rows = fieldRows(doc);
  const warnings = warningViews(doc);
  return h(
    'div',
    { class: 'document-view', 'data-valid': String(doc.valid) },
    h('p', { class: `banner ${doc.valid ? 'banner-ok' : 'banner-bad'}`, role: doc.valid ? 'status' : 'alert', 'data-banner': doc.valid ? 'valid' : 'invalid' }, `${doc.valid ? '✓' : '✗'} ${doc.valid ? t('scan.valid') : t('scan.invalid')}`),
    props.returning ? h(ReturningBanner, { info: props.returning }) : previous > 0 ? h('p', { class: 'banner banner-info', 'data-banner': 'returning' }, `↺ ${t('scan.returning', { count: previous })}`) : null,
    h(
      'dl',
      { class: 'fields' },
      rows.map((r, i) =>
        h(
          'div',
          { key: r.key, class: `field-row check-${r.check}`, 'data-field': r.key, 'data-check': r.check, style: { animationDelay: `${i * 70}ms` } },
          h('dt', null, r.label),
          h('dd', null, r.value),
          h('span', { class: 'check' }, h('span', { 'aria-hidden': 'true' }, MARK[r.check]), ` ${t(`check.${r.check}`)}`),
        ),
      ),
    ),
    warnings.length > 0
      ? h(
          'ul',
          { class: 'warnings' },
          warnings.map((w, i) =>
            h(
              'li',
              { key: `${w.code}-${i}`, class: `warning warning-${w.severity}`, 'data-warning': w.code },
              h('p', { class: 'warning-text' }, w.text),
              w.action ? h('p', { class: 'warning-action' }, h('strong', null, `${t('scan.whatToDo')}: `), w.action) : null,
            ),
          ),
        )
      : null,
    h('pre', { class: 'mrz-lines', 'aria-label': 'MRZ' }, doc.lines.join('\n')),
  );
}
