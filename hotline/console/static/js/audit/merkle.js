// RFC 6962 / RFC 9162 Merkle proofs verified in the browser with WebCrypto SHA-256: leaf and
// node hashes, inclusion proofs and consistency proofs (the transparency-dev algorithms, as the
// protocol library implements them).

export class ProofError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export function b64decode(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

export function b64encode(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** SHA-256(0x00 ‖ entry). */
export function leafHash(entry) {
  return sha256(concat(new Uint8Array([0]), entry));
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([1]), left, right));
}

const bitLength = (n) => (n === 0 ? 0 : Math.floor(Math.log2(n)) + 1);
function bitCount(n) {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}
// sizes stay below 2^53: use arithmetic, not 32-bit bit operators
const shiftRight = (n, k) => Math.floor(n / 2 ** k);
const bit = (n, i) => shiftRight(n, i) % 2;
function xor(a, b) {
  let out = 0;
  for (let i = 0, p = 1; i < 53; i += 1, p *= 2) if (bit(a, i) !== bit(b, i)) out += p;
  return out;
}

function checkHashes(proof) {
  for (const h of proof) if (h.length !== 32) throw new ProofError('bad_hash_size', 'a proof hash is not 32 bytes');
}

async function chainInner(seed, proof, index) {
  let h = seed;
  for (let i = 0; i < proof.length; i += 1) h = bit(index, i) === 0 ? await nodeHash(h, proof[i]) : await nodeHash(proof[i], h);
  return h;
}

async function chainInnerRight(seed, proof, index) {
  let h = seed;
  for (let i = 0; i < proof.length; i += 1) if (bit(index, i) === 1) h = await nodeHash(proof[i], h);
  return h;
}

async function chainBorder(seed, proof) {
  let h = seed;
  for (const p of proof) h = await nodeHash(p, h);
  return h;
}

/** The root an inclusion proof of `leaf` at `index` in a tree of `size` leads to. */
export async function rootFromInclusion(leaf, index, size, proof) {
  if (!(index >= 0 && index < size)) throw new ProofError('bad_index', `index ${index} is not in a tree of size ${size}`);
  const inner = bitLength(xor(index, size - 1));
  const border = bitCount(shiftRight(index, inner));
  if (leaf.length !== 32) throw new ProofError('bad_hash_size', 'the leaf hash is not 32 bytes');
  if (proof.length !== inner + border) throw new ProofError('bad_proof_length', `proof has ${proof.length} hashes, want ${inner + border}`);
  checkHashes(proof);
  return chainBorder(await chainInner(leaf, proof.slice(0, inner), index), proof.slice(inner));
}

export async function verifyInclusion(leaf, index, size, proof, root) {
  const found = await rootFromInclusion(leaf, index, size, proof);
  if (root.length !== 32) throw new ProofError('bad_hash_size', 'the root is not 32 bytes');
  if (!equal(found, root)) throw new ProofError('root_mismatch', 'the inclusion proof leads to another root');
}

/** Check that the tree of `oldSize` with `oldRoot` is a prefix of the tree of `size` with `root`. */
export async function verifyConsistency(oldSize, size, proof, oldRoot, root) {
  if (oldSize < 1 || size < oldSize) throw new ProofError('bad_size', `sizes ${oldSize} → ${size} do not grow`);
  if (oldSize === size) {
    if (proof.length) throw new ProofError('bad_proof_length', 'a proof between equal sizes must be empty');
    if (!equal(oldRoot, root)) throw new ProofError('root_mismatch', 'two trees of the same size have different roots');
    return;
  }
  checkHashes([oldRoot, root]);
  let shift = 0;
  while (bit(oldSize, shift) === 0) shift += 1;
  let inner = bitLength(xor(oldSize - 1, size - 1));
  const border = bitCount(shiftRight(oldSize - 1, inner));
  inner -= shift;
  const start = oldSize === 2 ** shift ? 0 : 1;
  if (proof.length !== start + inner + border) throw new ProofError('bad_proof_length', `proof has ${proof.length} hashes, want ${start + inner + border}`);
  checkHashes(proof);
  const seed = start === 0 ? oldRoot : proof[0];
  const rest = proof.slice(start);
  const mask = shiftRight(oldSize - 1, shift);
  const oldFound = await chainBorder(await chainInnerRight(seed, rest.slice(0, inner), mask), rest.slice(inner));
  if (!equal(oldFound, oldRoot)) throw new ProofError('root_mismatch', 'the proof does not lead to the old root');
  const found = await chainBorder(await chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner));
  if (!equal(found, root)) throw new ProofError('root_mismatch', 'the proof does not lead to the new root');
}
