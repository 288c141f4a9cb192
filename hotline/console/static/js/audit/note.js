// C2SP signed notes and checkpoints in the browser: vkeys, signature lines, Ed25519 log
// signatures and timestamped witness cosignatures (type 0x04), verified with WebCrypto.

import { b64decode, concat, equal, sha256 } from './merkle.js';

const ED25519 = 0x01;
const COSIGNATURE = 0x04;
const enc = new TextEncoder();

/** "<name>+<hex8>+<base64(type ‖ key)>" → {name, keyId, type, publicKey}. */
export async function parseVkey(vkey) {
  // the base64 part may itself hold '+': split at the first two only
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  const [name, hex, b64] = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
  const raw = b64decode(b64);
  const keyId = Uint8Array.from(hex.match(/../g).map((x) => parseInt(x, 16)));
  const type = raw[0];
  const publicKey = raw.slice(1);
  const expected = (await sha256(concat(enc.encode(`${name}\n`), raw))).slice(0, 4);
  if (!equal(expected, keyId)) throw new Error(`vkey ${name}: key ID does not match`);
  return { name, keyId, type, publicKey };
}

/** Split a note into its text (ending in a newline) and signature lines. */
export function splitNote(note) {
  const at = note.lastIndexOf('\n\n');
  if (at < 0) throw new Error('the note has no signature block');
  const text = note.slice(0, at + 1);
  const lines = note.slice(at + 2).split('\n').filter(Boolean);
  const sigs = lines.map((line) => {
    if (!line.startsWith('— ')) throw new Error('malformed signature line');
    const [name, b64] = line.slice(2).split(' ');
    const raw = b64decode(b64);
    return { name, keyId: raw.slice(0, 4), sig: raw.slice(4) };
  });
  return { text, sigs };
}

/** A checkpoint body: origin, size, root (bytes), extension lines. */
export function parseCheckpoint(text) {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || !/^(0|[1-9]\d*)$/.test(lines[1])) throw new Error('malformed checkpoint');
  return { origin: lines[0], size: Number(lines[1]), root: b64decode(lines[2]), rootText: lines[2], extensions: lines.slice(3) };
}

let ed25519 = null;
/** Whether this browser verifies Ed25519 (WebCrypto). */
export async function hasEd25519() {
  if (ed25519 === null) {
    try {
      await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'Ed25519' }, false, ['verify']);
      ed25519 = true;
    } catch {
      ed25519 = false;
    }
  }
  return ed25519;
}

async function ed25519Verify(publicKey, sig, message) {
  const key = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, message);
}

function u64(bytes) {
  let n = 0;
  for (const b of bytes) n = n * 256 + b;
  return n;
}

/**
 * Check every signature of a note against pinned keys. Returns the text and, per signature:
 * {name, keyHex, role: 'log'|'cosignature'|'unknown', status: 'valid'|'invalid'|'unknown'|
 * 'unchecked', timestamp (cosignatures, seconds)}.
 */
export async function verifyNote(note, keys) {
  const { text, sigs } = splitNote(note);
  const canVerify = await hasEd25519();
  const body = enc.encode(text);
  const out = [];
  for (const sig of sigs) {
    const keyHex = Array.from(sig.keyId, (b) => b.toString(16).padStart(2, '0')).join('');
    const key = keys.find((k) => k.name === sig.name && equal(k.keyId, sig.keyId));
    if (!key) {
      out.push({ name: sig.name, keyHex, role: 'unknown', status: 'unknown' });
      continue;
    }
    const role = key.type === COSIGNATURE ? 'cosignature' : 'log';
    let message = body;
    let signature = sig.sig;
    let timestamp = null;
    if (key.type === COSIGNATURE) {
      if (sig.sig.length !== 72) {
        out.push({ name: sig.name, keyHex, role, status: 'invalid' });
        continue;
      }
      timestamp = u64(sig.sig.slice(0, 8));
      message = concat(enc.encode(`cosignature/v1\ntime ${timestamp}\n`), body);
      signature = sig.sig.slice(8);
    } else if (key.type !== ED25519) {
      out.push({ name: sig.name, keyHex, role: 'unknown', status: 'unknown' });
      continue;
    }
    let status = 'unchecked';
    if (canVerify) status = (await ed25519Verify(key.publicKey, signature, message)) ? 'valid' : 'invalid';
    out.push({ name: sig.name, keyHex, role, status, timestamp });
  }
  return { text, signatures: out };
}
