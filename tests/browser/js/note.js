// ({note, vkeys}) => the signatures of a signed note as the console checks them
async ({ note, vkeys }) => {
  const n = await import('/console/js/audit/note.js');
  const keys = await Promise.all(vkeys.map((v) => n.parseVkey(v)));
  const checked = await n.verifyNote(note, keys);
  const cp = n.parseCheckpoint(checked.text);
  return { signatures: checked.signatures, origin: cp.origin, size: cp.size, root: cp.rootText };
}
