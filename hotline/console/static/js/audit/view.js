// The auditor view, per side: the latest checkpoint with its log signature and cosignatures
// checked in this browser, consistency with the previous checkpoint verified here (RFC 6962),
// the log's entries with their leaf hashes, the refused-input evidence, the export download and
// a single notice's proof bundle (verified here, then saved).

import { h, replace, bytes as formatBytes, saveBlob } from '../dom.js';
import { t, tEnum } from '../i18n.js';
import { dtg } from '../time.js';
import { b64decode, b64encode, leafHash, verifyConsistency, verifyInclusion } from './merkle.js';
import { parseCheckpoint, parseVkey, splitNote, verifyNote } from './note.js';
import { ReportSection } from './report.js';

const PAGE = 50;
const dec = new TextDecoder();

/** The pinned keys a side's checkpoints are checked with: its log key, the other's witness. */
async function keysFor(keys, side) {
  const own = keys.sides[side];
  const others = Object.entries(keys.sides).filter(([name]) => name !== side).map(([, v]) => v);
  return Promise.all([own.log_vkey, ...others.map((o) => o.witness_vkey)].map(parseVkey));
}

/** Verify a proof bundle answer {entry, bundle, origin, index} in the browser. */
export async function verifyBundle(answer, keys, side) {
  const entry = b64decode(answer.entry);
  const [head, note] = [answer.bundle.slice(0, answer.bundle.indexOf('\n\n') + 1), answer.bundle.slice(answer.bundle.indexOf('\n\n') + 2)];
  const lines = head.split('\n').filter(Boolean);
  if (lines[0] !== 'c2sp.org/tlog-proof@v1') throw new Error('not a tlog-proof bundle');
  const rest = lines.slice(1).filter((l) => !l.startsWith('extra '));
  const index = Number(rest[0].replace('index ', ''));
  const proof = rest.slice(1).map(b64decode);
  const checked = await verifyNote(note, await keysFor(keys, side));
  const log = checked.signatures.find((s) => s.role === 'log');
  if (!log || log.status === 'invalid' || log.status === 'unknown') throw new Error('the checkpoint is not signed by the pinned log key');
  const cp = parseCheckpoint(checked.text);
  if (cp.origin !== answer.origin) throw new Error('the checkpoint names another origin');
  await verifyInclusion(await leafHash(entry), index, cp.size, proof, cp.root);
  return { size: cp.size, index, cosigned: checked.signatures.some((s) => s.role === 'cosignature' && s.status !== 'invalid') };
}

export class AuditView {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.side = ctx.session.side;
    this.keys = null;
    this.oldest = null;
    this.report = new ReportSection(ctx); // the same while the logs are switched
  }

  show(route) {
    const [side] = route;
    const sides = this.sides();
    if (side && sides.includes(side)) this.side = side;
    this.render();
  }

  relabel() {
    this.report.relabel();
    this.render();
  }

  sides() {
    const { session } = this.ctx;
    return [session.side, ...(session.peer ? [session.peer.side] : [])];
  }

  canExport() {
    return this.ctx.session.permissions.includes('export');
  }

  render() {
    const sideButtons = h(
      'div',
      { class: 'side-tabs', role: 'group', 'aria-label': t('audit.side') },
      this.sides().map((side) => h('a', { href: `#audit/${side}`, class: 'button', 'aria-current': side === this.side ? 'true' : undefined }, `${t('audit.side')} ${side}`)),
      h('button', { type: 'button', onclick: () => { this.report.reload(); this.render(); } }, t('audit.refresh')),
    );
    this.checkpointBox = h('section', { class: 'card checkpoint', 'aria-labelledby': 'cp-heading', 'aria-busy': 'true' }, h('h3', { id: 'cp-heading' }, t('audit.checkpoint')), h('p', null, t('audit.checking')));
    this.logBody = h('tbody');
    this.logStatus = h('p', { class: 'hint', role: 'status' });
    this.olderButton = h('button', { type: 'button', hidden: true, onclick: () => this.loadEntries(this.oldest) }, t('audit.older'));
    const logBox = h(
      'section',
      { class: 'card log', 'aria-labelledby': 'log-heading' },
      h('h3', { id: 'log-heading' }, `${t('audit.log')} — ${this.side}`),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'log-table' },
          h('thead', null, h('tr', null, ['audit.col_index', 'audit.col_time', 'audit.col_kind', 'audit.col_author', 'audit.col_leaf', 'audit.col_proof'].map((k) => h('th', { scope: 'col' }, t(k))))),
          this.logBody,
        ),
      ),
      this.logStatus,
      this.olderButton,
    );
    this.exportStatus = h('p', { class: 'info', role: 'status' });
    const exportBox = h(
      'section',
      { class: 'card export', 'aria-labelledby': 'export-heading' },
      h('h3', { id: 'export-heading' }, t('audit.export')),
      h('p', { class: 'hint' }, t('audit.export_hint')),
      this.canExport() ? h('button', { type: 'button', class: 'primary', 'data-action': 'export', onclick: () => this.exportAll() }, t('audit.export')) : h('p', { class: 'hint' }, t('audit.evidence_auditor')),
      this.exportStatus,
    );
    this.evidenceBox = h('section', { class: 'card evidence', 'aria-labelledby': 'ev-heading' }, h('h3', { id: 'ev-heading' }, t('audit.evidence')));
    this.proofStatus = h('p', { class: 'info', role: 'status', 'data-proof-status': '' });
    replace(
      this.root,
      h('div', { class: 'audit' }, h('h2', null, t('audit.title')), this.report.section(), sideButtons, h('div', { class: 'audit-grid' }, this.checkpointBox, exportBox, this.evidenceBox), this.proofStatus, logBox),
    );
    this.load();
  }

  async load() {
    const { api } = this.ctx;
    try {
      this.keys = this.keys || (await api.get('/v1/keys'));
    } catch (exc) {
      replace(this.checkpointBox, h('p', { class: 'error' }, String(exc.message || exc)));
      return;
    }
    this.loadCheckpoint();
    this.loadEntries(null);
    this.loadEvidence();
  }

  async previousCheckpoint(latestSize) {
    const { api } = this.ctx;
    for (let back = 1; back <= latestSize; back *= 4) {
      const since = Math.max(0, latestSize - back);
      const data = await api.get(`/v1/logs/${this.side}/checkpoints`, { since });
      const earlier = data.checkpoints.filter((c) => c.size < latestSize && c.size > 0);
      if (earlier.length) return earlier[earlier.length - 1];
      if (since === 0) break;
    }
    return null;
  }

  async loadCheckpoint() {
    const { api } = this.ctx;
    const box = this.checkpointBox;
    const heading = h('h3', { id: 'cp-heading' }, `${t('audit.checkpoint')} — ${this.side}`);
    try {
      const note = await api.text(`/v1/logs/${this.side}/checkpoint`);
      const keys = await keysFor(this.keys, this.side);
      const checked = await verifyNote(note, keys);
      const cp = parseCheckpoint(checked.text);
      const sigRows = checked.signatures.map((sig) =>
        h(
          'li',
          { class: `sig sig-${sig.status}`, 'data-role': sig.role, 'data-status': sig.status },
          h('span', { class: 'sig-status' }, sig.status === 'valid' ? '✓ ' : sig.status === 'invalid' ? '✗ ' : '? '),
          `${sig.role === 'log' ? t('audit.sig_log') : sig.role === 'cosignature' ? t('audit.sig_cosig') : t('audit.sig_unknown')}: ${sig.name} (${sig.keyHex}) — `,
          h('strong', null, t(`audit.sig_${sig.status}`)),
          sig.timestamp ? ` · ${t('audit.cosigned_at', { time: dtg(sig.timestamp * 1000) })}` : '',
        ),
      );
      const cosigned = checked.signatures.some((s) => s.role === 'cosignature' && s.status === 'valid');
      const consistency = h('p', { class: 'consistency', 'data-consistency': 'checking' }, t('audit.checking'));
      replace(
        box,
        heading,
        h(
          'dl',
          { class: 'fields' },
          h('dt', null, t('audit.origin')), h('dd', null, cp.origin),
          h('dt', null, t('audit.size')), h('dd', { 'data-size': cp.size }, String(cp.size)),
          h('dt', null, t('audit.root')), h('dd', { class: 'hash' }, cp.rootText),
        ),
        h('h4', null, t('audit.signatures')),
        h('ul', { class: 'sigs' }, sigRows),
        cosigned ? null : h('p', { class: 'hint' }, t('audit.no_cosig')),
        h('h4', null, t('audit.consistency')),
        consistency,
      );
      box.setAttribute('aria-busy', 'false');
      await this.checkConsistency(cp, consistency);
    } catch (exc) {
      replace(box, heading, h('p', { class: 'hint' }, exc.code === 'no_checkpoint' ? t('audit.empty_log') : String(exc.message || exc)));
      box.setAttribute('aria-busy', 'false');
    }
  }

  async checkConsistency(cp, out) {
    const { api } = this.ctx;
    const prev = await this.previousCheckpoint(cp.size);
    if (!prev) {
      out.dataset.consistency = 'none';
      out.textContent = t('audit.no_previous');
      return;
    }
    try {
      const prevCp = parseCheckpoint(splitNote(prev.note).text);
      const proof = await api.get(`/v1/logs/${this.side}/proof/consistency`, { old: prevCp.size, size: cp.size });
      await verifyConsistency(prevCp.size, cp.size, proof.proof.map(b64decode), prevCp.root, cp.root);
      out.dataset.consistency = 'ok';
      out.className = 'consistency ok';
      out.textContent = `✓ ${t('audit.consistent', { old: prevCp.size, size: cp.size })}`;
    } catch (exc) {
      out.dataset.consistency = 'failed';
      out.className = 'consistency error';
      out.textContent = t('audit.inconsistent', { error: exc.message || String(exc) });
    }
  }

  async loadEntries(before) {
    const { api } = this.ctx;
    const [body, status, older] = [this.logBody, this.logStatus, this.olderButton]; // of this drawing
    try {
      const head = await api.get(`/v1/logs/${this.side}/checkpoints`, { since: 1_000_000_000_000 });
      const size = head.size;
      if (!size) {
        status.textContent = t('audit.empty_log');
        return;
      }
      const end = before === null ? size : before;
      const start = Math.max(0, end - PAGE);
      const data = await api.get(`/v1/logs/${this.side}/entries`, { start, end });
      const rows = [];
      for (let i = data.entries.length - 1; i >= 0; i -= 1) {
        const raw = b64decode(data.entries[i]);
        const entry = JSON.parse(dec.decode(raw));
        const leaf = b64encode(await leafHash(raw));
        const n = entry.notice;
        const index = data.start + i;
        rows.push(
          h(
            'tr',
            { 'data-index': index },
            h('td', { class: 'num' }, String(index)),
            h('td', null, h('time', { datetime: new Date(n.time).toISOString() }, dtg(n.time))),
            h('td', null, tEnum('Kind', n.kind)),
            h('td', null, `${n.author.id} (${n.author.unit}, ${n.author.nation})`),
            h('td', { class: 'hash', title: t('audit.leaf_ok') }, leaf),
            h('td', null, h('button', { type: 'button', class: 'small', 'data-proof': index, onclick: () => this.proof(this.side, index) }, t('audit.proof'))),
          ),
        );
      }
      body.append(...rows);
      if (body === this.logBody) this.oldest = start;
      older.hidden = start === 0;
      status.textContent = '';
    } catch (exc) {
      status.textContent = String(exc.message || exc);
    }
  }

  async loadEvidence() {
    const box = this.evidenceBox;
    const heading = h('h3', { id: 'ev-heading' }, t('audit.evidence'));
    if (!this.canExport()) {
      replace(box, heading, h('p', { class: 'hint' }, t('audit.evidence_auditor')));
      return;
    }
    try {
      const data = await this.ctx.api.get('/v1/audit/evidence', { limit: 50 });
      if (!data.evidence.length) {
        replace(box, heading, h('p', { class: 'hint', 'data-evidence': 'none' }, t('audit.evidence_none')));
        return;
      }
      replace(
        box,
        heading,
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            null,
            h('thead', null, h('tr', null, ['audit.ev_time', 'audit.ev_source', 'audit.ev_reason', 'audit.ev_detail', 'audit.ev_size'].map((k) => h('th', { scope: 'col' }, t(k))))),
            h('tbody', null, data.evidence.map((ev) => h('tr', null, h('td', null, dtg(ev.time)), h('td', null, ev.source), h('td', null, ev.reason), h('td', { class: 'detail' }, ev.detail), h('td', { class: 'num' }, String(ev.size))))),
          ),
        ),
      );
    } catch (exc) {
      replace(box, heading, h('p', { class: 'error' }, String(exc.message || exc)));
    }
  }

  async exportAll() {
    const { api } = this.ctx;
    this.exportStatus.textContent = t('app.loading');
    try {
      const { filename, size } = await api.download('/v1/audit/export', {}, 'hotline-audit-export.json');
      this.exportStatus.textContent = t('audit.exported', { file: filename, size: formatBytes(size) });
      this.exportStatus.dataset.exported = filename;
    } catch (exc) {
      this.exportStatus.textContent = String(exc.message || exc);
    }
  }

  /** Fetch a notice's proof bundle, verify it here, then save it: {ok, text}. */
  async proof(side, index) {
    const { api } = this.ctx;
    const ref = t('board.index', { side, index });
    const status = this.proofStatus && this.root.contains(this.proofStatus) ? this.proofStatus : null;
    let result;
    try {
      this.keys = this.keys || (await api.get('/v1/keys'));
      const answer = await api.get(`/v1/notices/${side}/${index}/proof`);
      const checked = await verifyBundle(answer, this.keys, side);
      const file = `hotline-proof-${side}-${index}.json`;
      saveBlob(new Blob([JSON.stringify(answer, null, 2)], { type: 'application/json' }), file);
      result = { ok: true, text: `✓ ${t('audit.proof_verified', { ref, size: checked.size, file })}` };
    } catch (exc) {
      result = { ok: false, text: t('audit.proof_failed', { ref, error: exc.message || String(exc) }) };
    }
    if (status) {
      status.className = result.ok ? 'info ok' : 'error';
      status.dataset.proofStatus = result.ok ? 'verified' : 'failed';
      status.textContent = result.text;
    }
    return result;
  }
}
