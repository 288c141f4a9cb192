// The report of the line in the auditor view: GET /v1/audit/report[?at=] told in sentences
// (./sentences.js) — the verdict, the sides, a timeline of notices, the outages, implausible
// times and refused input — with an "as of" time that asks the node for the report as both
// sides could prove it then. The section is kept while the auditor switches between the logs;
// a language switch draws the last report again in the new language without asking anew.

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { dtg, parseTime, zulu } from '../time.js';
import { evidenceSentence, implausibleSentence, noticeSentence, outageSentence, sideSentence, span, verdictSentence } from './sentences.js';

const PAGE = 100; // notices drawn at once; "Show more" draws the next ones

export class ReportSection {
  constructor(ctx) {
    this.ctx = ctx;
    this.at = null; // unix ms, or null: everything the node holds
    this.data = null;
    this.error = null;
    this.shown = PAGE;
    this.el = null;
    this.loading = null;
  }

  canRead() {
    return this.ctx.session.permissions.includes('export');
  }

  /** The section element; asks for the report the first time. */
  section() {
    if (!this.el) {
      this.el = h('section', { class: 'card report', 'aria-labelledby': 'report-heading', 'data-report': 'loading' });
      this.draw();
      if (this.canRead()) this.reload();
    }
    return this.el;
  }

  relabel() {
    if (this.el) this.draw();
  }

  async reload() {
    if (!this.canRead()) return;
    const at = this.at;
    this.el.dataset.report = 'loading';
    this.el.setAttribute('aria-busy', 'true');
    const request = this.ctx.api.get('/v1/audit/report', at === null ? {} : { at });
    this.loading = request;
    try {
      const data = await request;
      if (this.loading !== request) return; // a later request answers instead
      this.data = data;
      this.error = null;
      this.shown = PAGE;
    } catch (exc) {
      if (this.loading !== request) return;
      this.error = String(exc.message || exc);
    }
    this.loading = null;
    this.draw();
  }

  draw() {
    const el = this.el;
    const focused = el.contains(document.activeElement) ? document.activeElement.id : null;
    this.paint(el);
    if (focused) document.getElementById(focused)?.focus();
  }

  paint(el) {
    const heading = h('h3', { id: 'report-heading' }, t('audit.report.title'));
    el.removeAttribute('aria-busy');
    if (!this.canRead()) {
      el.dataset.report = 'forbidden';
      replace(el, heading, h('p', { class: 'hint' }, t('audit.report.auditors_only')));
      return;
    }
    const form = this.asOfForm();
    if (this.error) {
      el.dataset.report = 'failed';
      replace(el, heading, form, h('p', { class: 'error', role: 'alert' }, this.error));
      return;
    }
    if (!this.data) {
      el.dataset.report = 'loading';
      el.setAttribute('aria-busy', 'true');
      replace(el, heading, form, h('p', { class: 'hint' }, t('app.loading')));
      return;
    }
    const r = this.data;
    el.dataset.report = 'ready';
    el.dataset.asOf = String(r.as_of);
    replace(
      el,
      heading,
      form,
      h('p', { class: 'as-of', 'data-as-of': r.as_of }, t(r.options?.at === null || r.options?.at === undefined ? 'audit.report.as_of_latest' : 'audit.report.as_of_at', { time: zulu(r.as_of, true) }), ' ', h('span', { class: 'hint' }, t('audit.report.times_note'))),
      this.verdict(r.verdict),
      h('ul', { class: 'report-sides' }, (r.sides || []).map((s) => h('li', { 'data-side': s.name }, sideSentence(s)))),
      this.timeline(r),
      this.list('outages', t('audit.report.outages_title', { duration: span((r.options?.outage_seconds ?? 120) * 1000) }), (r.outages || []).map(outageSentence)),
      this.list('implausible', t('audit.report.implausible_title', { duration: span((r.options?.tolerance_seconds ?? 300) * 1000) }), (r.implausible || []).map(implausibleSentence)),
      this.list('evidence', t('audit.report.evidence_title'), (r.evidence || []).map(evidenceSentence)),
      (r.disagreements || []).length ? this.list('disagreements', t('audit.report.disagreements_title'), r.disagreements.map((d) => `${d.check}${d.side ? ` [${d.side}]` : ''}: ${d.summary}`), 'en') : null,
    );
  }

  asOfForm() {
    const input = h('input', { type: 'text', id: 'report-at', name: 'at', autocomplete: 'off', placeholder: '241530ZNOV26', class: 'time', 'aria-describedby': 'report-at-hint report-at-preview' });
    if (this.at !== null) input.value = zulu(this.at, new Date(this.at).getUTCSeconds() !== 0);
    const preview = h('span', { class: 'preview', id: 'report-at-preview', 'aria-live': 'polite' });
    const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
    const show = () => {
      try {
        const ms = parseTime(input.value);
        preview.textContent = `${t('field.dtg', { dtg: dtg(ms) })} · ${zulu(ms, true)}`;
      } catch {
        preview.textContent = '';
      }
    };
    input.addEventListener('input', show);
    show();
    const submit = (event) => {
      event.preventDefault();
      if (!input.value.trim()) {
        this.at = null;
      } else {
        try {
          this.at = parseTime(input.value);
        } catch (exc) {
          problem.textContent = t(exc.code || 'time.invalid');
          problem.hidden = false;
          input.setAttribute('aria-invalid', 'true');
          return;
        }
      }
      this.data = null;
      this.draw();
      this.reload();
    };
    const latest = () => {
      this.at = null;
      this.data = null;
      this.draw();
      this.reload();
    };
    return h(
      'form',
      { class: 'report-at field', 'data-form': 'report-at', onsubmit: submit },
      h('label', { for: 'report-at' }, t('audit.report.at_label')),
      h(
        'div',
        { class: 'inline' },
        input,
        h('button', { type: 'submit', class: 'small' }, t('audit.report.at_show')),
        h('button', { type: 'button', class: 'small', 'data-action': 'report-latest', onclick: latest }, t('audit.report.at_latest')),
        preview,
      ),
      h('p', { class: 'hint', id: 'report-at-hint' }, t('audit.report.at_hint')),
      problem,
    );
  }

  verdict(v) {
    const result = ['PASS', 'FAIL', 'UNPINNED'].includes(v?.result) ? v.result : 'FAIL';
    return h(
      'div',
      { class: `verdict verdict-${result.toLowerCase()}`, 'data-verdict': result, role: 'status' },
      h('h4', null, t('audit.report.verdict')),
      h('p', null, h('strong', { class: 'verdict-result' }, result), ' — ', h('span', { class: 'verdict-text' }, verdictSentence(v || {}))),
    );
  }

  timeline(r) {
    const notices = r.notices || [];
    const items = notices.slice(0, this.shown).map((n) =>
      h(
        'li',
        { 'data-key': `${n.side}/${n.index}`, 'data-side': n.side, 'data-kind': n.kind ?? 'invalid', 'data-ack-state': n.ack_state ?? undefined, class: n.side === this.ctx.session.side ? 'ours' : 'theirs' },
        noticeSentence(r, n),
      ),
    );
    const rest = notices.length - this.shown;
    const more = rest > 0 ? h('button', { type: 'button', class: 'small', onclick: () => { this.shown += PAGE; this.draw(); } }, t('audit.report.more', { n: Math.min(rest, PAGE) })) : null;
    return h(
      'div',
      { class: 'report-timeline' },
      h('h4', { id: 'report-timeline-heading' }, t('audit.report.timeline_title')),
      notices.length ? h('ol', { class: 'report-notices', 'aria-labelledby': 'report-timeline-heading' }, items) : h('p', { class: 'hint' }, t('audit.report.none')),
      r.left_out ? h('p', { class: 'hint', 'data-left-out': r.left_out }, t('audit.report.left_out', { n: r.left_out })) : null,
      more,
    );
  }

  list(name, title, sentences, language) {
    return h(
      'div',
      { class: `report-list report-${name}`, 'data-report-list': name },
      h('h4', null, title),
      sentences.length ? h('ul', { lang: language }, sentences.map((s) => h('li', null, s))) : h('p', { class: 'hint' }, t('audit.report.none')),
    );
  }
}
