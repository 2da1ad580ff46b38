/**
 * The lab's default vantage points: the seed's four test servers first (Tokyo, Amsterdam, New
 * York, Seattle: "a quick http check from 4 servers around the world"), then world cities on
 * every inhabited continent, so a `probe sweep` from all of them draws a catchment map at once.
 * Coordinates are each city's centre, 0.01 degree (public geographic data).
 */
export interface City {
  /** Lowercase, hyphenated: what the printed commands and results.json call it. */
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
}

const city = (name: string, latitude: number, longitude: number): City => Object.freeze({ name, latitude, longitude });

/** The seed article's four test servers, in its order. */
export const SEED_CITIES: readonly City[] = Object.freeze([
  city('tokyo', 35.68, 139.69),
  city('amsterdam', 52.37, 4.9),
  city('new-york', 40.71, -74.01),
  city('seattle', 47.61, -122.33),
]);

/** The seed's cities, then 40 more. */
export const CITIES: readonly City[] = Object.freeze([
  ...SEED_CITIES,
  // Europe
  city('london', 51.51, -0.13),
  city('paris', 48.86, 2.35),
  city('frankfurt', 50.11, 8.68),
  city('madrid', 40.42, -3.7),
  city('rome', 41.9, 12.5),
  city('stockholm', 59.33, 18.07),
  city('warsaw', 52.23, 21.01),
  city('moscow', 55.76, 37.62),
  city('istanbul', 41.01, 28.98),
  city('dublin', 53.35, -6.26),
  // Africa and the Middle East
  city('cairo', 30.04, 31.24),
  city('lagos', 6.52, 3.38),
  city('nairobi', -1.29, 36.82),
  city('johannesburg', -26.2, 28.05),
  city('cape-town', -33.92, 18.42),
  city('dubai', 25.2, 55.27),
  city('tel-aviv', 32.09, 34.78),
  // Asia
  city('mumbai', 19.08, 72.88),
  city('delhi', 28.61, 77.21),
  city('singapore', 1.35, 103.82),
  city('jakarta', -6.21, 106.85),
  city('hong-kong', 22.32, 114.17),
  city('shanghai', 31.23, 121.47),
  city('seoul', 37.57, 126.98),
  city('manila', 14.6, 120.98),
  city('bangkok', 13.76, 100.5),
  // Oceania
  city('sydney', -33.87, 151.21),
  city('melbourne', -37.81, 144.96),
  city('auckland', -36.85, 174.76),
  city('perth', -31.95, 115.86),
  // the Americas
  city('san-francisco', 37.77, -122.42),
  city('los-angeles', 34.05, -118.24),
  city('chicago', 41.88, -87.63),
  city('dallas', 32.78, -96.8),
  city('miami', 25.76, -80.19),
  city('toronto', 43.65, -79.38),
  city('mexico-city', 19.43, -99.13),
  city('bogota', 4.71, -74.07),
  city('sao-paulo', -23.55, -46.63),
  city('buenos-aires', -34.6, -58.38),
]);
