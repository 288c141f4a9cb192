// (texts) => positions parsed, formats, and refusals of the degree parsers
async (texts) => {
  const c = await import('/console/js/geo/coords.js');
  const err = (f) => {
    try {
      f();
      return null;
    } catch (e) {
      return e.code;
    }
  };
  return {
    parsed: texts.map((t) => c.parsePosition(t)),
    dm: c.formatDM(46.912, -30.418),
    dd: c.formatDD(-33.8568, 151.2153),
    angle: [c.parseAngle('030 25.08 W', 'lon'), c.parseAngle('S 33 51.408', 'lat')],
    out_of_range: c.parseAngle('95', 'lat'),
    errors: [
      err(() => c.parseAngle('46 61 N', 'lat')),
      err(() => c.parseAngle('46 E', 'lat')),
      err(() => c.parsePosition('46.9')),
      err(() => c.parseAngle('abc', 'lat')),
    ],
  };
}
