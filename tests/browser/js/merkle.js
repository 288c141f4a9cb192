// ([inclusion probes, consistency probes]) => {probe name: 'ok' or the error code}
async ([inclusion, consistency]) => {
  const m = await import('/console/js/audit/merkle.js');
  const b = (x) => (x ? m.b64decode(x) : new Uint8Array());
  const proof = (p) => (p.proof || []).map(b);
  const outcome = async (f) => {
    try {
      await f();
      return 'ok';
    } catch (e) {
      return e.code || String(e);
    }
  };
  const out = {};
  for (const p of inclusion) {
    out[p.name] = await outcome(() => m.verifyInclusion(b(p.leafHash), p.leafIdx, p.treeSize, proof(p), b(p.root)));
  }
  for (const p of consistency) {
    out[p.name] = await outcome(() => m.verifyConsistency(p.size1, p.size2, proof(p), b(p.root1), b(p.root2)));
  }
  return out;
}
