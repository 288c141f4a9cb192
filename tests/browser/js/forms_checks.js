// the checks before sending, against the schema the node serves: each notice's problems
async (notices) => {
  const checks = await import('/console/js/forms/checks.js');
  const schema = await (await fetch('/console/schema')).json();
  return notices.map((n) => checks.checkNotice(n, schema).map((p) => [p.path, p.code, p.params]));
}
