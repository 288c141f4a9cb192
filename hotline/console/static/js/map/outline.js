// The bundled coastline and border outline (Natural Earth 1:50m, public domain), loaded once.
// Rings and lines arrive delta-encoded in hundredths of a degree; here they become [lon, lat]
// arrays with their bounding boxes, so the map draws only what is in view.

let loading = null;

function decode(flat, scale) {
  const points = [];
  let lon = 0;
  let lat = 0;
  for (let i = 0; i < flat.length; i += 2) {
    lon += flat[i];
    lat += flat[i + 1];
    points.push([lon / scale, lat / scale]);
  }
  return points;
}

function withBox(points) {
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const [lon, lat] of points) {
    if (lon < minLon) minLon = lon;
    if (lon > maxLon) maxLon = lon;
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
  }
  return { points, box: [minLon, minLat, maxLon, maxLat] };
}

/** {land: [{points, box}], borders: [...], source} or null when the file is missing. */
export function loadOutline() {
  if (!loading) {
    loading = fetch('/console/data/outline.json', { cache: 'force-cache' })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => data && {
        source: data.source,
        land: data.land.map((flat) => withBox(decode(flat, data.scale))),
        borders: data.borders.map((flat) => withBox(decode(flat, data.scale))),
      })
      .catch(() => null);
  }
  return loading;
}
