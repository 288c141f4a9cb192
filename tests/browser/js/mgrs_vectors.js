// (vectors: [[lat, lon, mgrs]]) => [[forward, lat, lon, precision]]
async (vectors) => {
  const m = await import('/console/js/geo/mgrs.js');
  return vectors.map(([lat, lon, ref]) => {
    const back = m.fromMgrs(ref);
    return [m.toMgrs(lat, lon).replaceAll(' ', ''), back.lat, back.lon, back.precision];
  });
}
