// altitude conversions, the precedence suggested from a window's start, durations by language
async () => {
  const alt = await import('/console/js/forms/altitude.js');
  const { suggestPrecedence } = await import('/console/js/forms/precedence.js');
  const i18n = await import('/console/js/i18n.js');
  const time = await import('/console/js/time.js');
  const draw = await import('/console/js/map/draw.js');
  const words = { sfc: 'SFC', ft: 'ft', m: 'm', FL: 'FL' };
  const deadlines = { FLASH: 300, IMMEDIATE: 1800, PRIORITY: 10800, ROUTINE: 21600 };
  const now = Date.UTC(2026, 10, 24, 12, 0);
  const min = 60_000;
  const durations = {};
  for (const code of ['en', 'ru']) {
    i18n.setLang(code);
    durations[code] = [time.duration(3 * 60 * min), time.duration(4 * min + 30_000), time.duration(12_000)];
  }
  i18n.setLang('en');
  return {
    conversions: [
      alt.conversionText(100, 'FL', 'STD', words),
      alt.conversionText(10000, 'ft', 'AMSL', words),
      alt.conversionText(3048, 'm', 'AMSL', words),
      alt.conversionText(0, 'ft', 'SFC', words),
      alt.conversionText(NaN, 'ft', 'AMSL', words),
    ],
    metres: [alt.metres({ value: 100, unit: 'FL' }), alt.metres({ value: 1000, unit: 'ft' })],
    comparable: [
      alt.comparable({ reference: 'AMSL' }, { reference: 'STD' }),
      alt.comparable({ reference: 'AGL' }, { reference: 'AMSL' }),
      alt.comparable({ reference: 'AMSL' }, { reference: 'AGL' }),
    ],
    suggested: [
      suggestPrecedence(now, now, deadlines), // starts now
      suggestPrecedence(now + 10 * min, now, deadlines), // FLASH's 5 min fits, IMMEDIATE's 30 do not
      suggestPrecedence(now + 45 * min, now, deadlines),
      suggestPrecedence(now + 4 * 60 * min, now, deadlines),
      suggestPrecedence(now + 7 * 60 * min, now, deadlines),
      suggestPrecedence(now - 60 * min, now, deadlines), // started an hour ago
    ],
    durations,
    // a circle drawn from its centre to its edge: the great-circle distance
    distances: [draw.distanceM({ lat: 0, lon: 0 }, { lat: 1, lon: 0 }), draw.distanceM({ lat: 60, lon: 10 }, { lat: 60, lon: 11 })],
  };
}
