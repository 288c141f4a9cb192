// spacing, lower precision and refusals of the MGRS parser
async () => {
  const m = await import('/console/js/geo/mgrs.js');
  const err = (f) => {
    try {
      f();
      return null;
    } catch (e) {
      return e.code;
    }
  };
  const a = m.fromMgrs('25t fm 96615 98621');
  const km = m.fromMgrs('33UXP0400');
  return {
    a: [a.lat, a.lon],
    km: [km.lat, km.lon, km.precision],
    square: m.toMgrs(46.912, -30.418, 0),
    errors: ['25TFM966159862', '61TFM00', '25TIM00', 'hello', '25T FM 123 45678'].map((t) => err(() => m.fromMgrs(t))),
    polar: err(() => m.toMgrs(85, 0)),
  };
}
