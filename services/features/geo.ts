// Approximate country centroids (latitude, longitude in degrees). Precision of a few hundred km is
// plenty for the one question asked of them: could a card physically have travelled between two
// countries in the time between two transactions?
const CENTROIDS_TEXT =
  'AE 23.4 53.8 AR -38.4 -63.6 AT 47.5 14.6 AU -25.3 133.8 BD 23.7 90.4 BE 50.5 4.5 BG 42.7 25.5 ' +
  'BR -14.2 -51.9 CA 56.1 -106.3 CH 46.8 8.2 CL -35.7 -71.5 CN 35.9 104.2 CO 4.6 -74.3 CY 35.1 33.4 ' +
  'CZ 49.8 15.5 DE 51.2 10.5 DK 56.3 9.5 DZ 28.0 1.7 EE 58.6 25.0 EG 26.8 30.8 ES 40.5 -3.7 FI 61.9 25.7 ' +
  'FR 46.2 2.2 GB 55.4 -3.4 GH 7.9 -1.0 GR 39.1 21.8 HK 22.4 114.1 HR 45.1 15.2 HU 47.2 19.5 ID -0.8 113.9 ' +
  'IE 53.4 -8.2 IL 31.0 34.9 IN 20.6 79.0 IR 32.4 53.7 IS 64.9 -19.0 IT 41.9 12.6 JP 36.2 138.3 ' +
  'KE -0.0 37.9 KP 40.3 127.5 KR 35.9 127.8 KZ 48.0 66.9 LT 55.2 23.9 LU 49.8 6.1 LV 56.9 24.6 MA 31.8 -7.1 ' +
  'MT 35.9 14.4 MX 23.6 -102.6 MY 4.2 102.0 NG 9.1 8.7 NL 52.1 5.3 NO 60.5 8.5 NZ -40.9 174.9 PE -9.2 -75.0 ' +
  'PH 12.9 121.8 PK 30.4 69.3 PL 51.9 19.1 PT 39.4 -8.2 QA 25.4 51.2 RO 45.9 25.0 RS 44.0 21.0 RU 61.5 105.3 ' +
  'SA 23.9 45.1 SE 60.1 18.6 SG 1.4 103.8 SI 46.2 15.0 SK 48.7 19.7 SY 34.8 39.0 TH 15.9 101.0 TR 39.0 35.2 ' +
  'TW 23.7 121.0 UA 48.4 31.2 US 39.8 -98.6 UY -32.5 -55.8 VE 6.4 -66.6 VN 14.1 108.3 ZA -30.6 22.9';

const CENTROIDS = new Map<string, readonly [number, number]>();
{
  const parts = CENTROIDS_TEXT.split(' ');
  for (let i = 0; i + 2 < parts.length; i += 3) {
    CENTROIDS.set(parts[i]!, [Number(parts[i + 1]), Number(parts[i + 2])]);
  }
}

const EARTH_RADIUS_KM = 6371;
const toRadians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance between two countries' centroids in km, or null when either is unknown. */
export function countryDistanceKm(from: string, to: string): number | null {
  if (from === to) return 0;
  const a = CENTROIDS.get(from);
  const b = CENTROIDS.get(to);
  if (a === undefined || b === undefined) return null;
  const dLat = toRadians(b[0] - a[0]);
  const dLon = toRadians(b[1] - a[1]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(a[0])) * Math.cos(toRadians(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
