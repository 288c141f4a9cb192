// date-time groups: formatting and parsing what operators type
async () => {
  const t = await import('/console/js/time.js');
  const ms = Date.UTC(2026, 10, 24, 15, 30);
  const now = Date.UTC(2026, 10, 24, 12, 0, 17);
  const err = (f) => {
    try {
      f();
      return null;
    } catch (e) {
      return e.code;
    }
  };
  const inputs = ['241530ZNOV26', '24 1530Z NOV 2026', '2026-11-24 15:30', '2026-11-24T15:30:00Z', '1530Z'];
  return {
    dtg: t.dtg(ms),
    parsed: inputs.map((x) => t.parseTime(x, now)),
    relative: [t.parseTime('+3.5h', now), t.parseTime('now', now)],
    errors: ['311530ZNOV26', '241560ZNOV26', 'soon'].map((x) => err(() => t.parseTime(x, now))),
    zulu: t.zulu(ms),
    hhmmz: t.hhmmz(ms),
  };
}
