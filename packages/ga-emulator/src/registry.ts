/**
 * What the emulator cannot learn from the API, told by whoever runs it (the lab):
 * - the endpoint registry: where each endpoint id (`i-0123...`) lives (a loopback address), in
 *   which Region, and which real port serves each endpoint port (the lab's origins listen on
 *   8080 for "80" because 80 needs root). The API refuses endpoint ids that are not registered.
 * - the vantage table: where a client is, by its source address (latitude and longitude, an
 *   optional Region override list for known anomalies, the edge code flow logs show), and the
 *   default location of any other source.
 * Both are plain tables; every change bumps `generation` so cached routes are rebuilt.
 */
import { ENDPOINT, VANTAGE, parseArgument } from './options.js';
import type { EndpointInput, RegisteredEndpoint, Vantage, VantageInput } from './options.js';
import type { LatLon } from './routing.js';

export class EndpointRegistry {
  readonly #entries = new Map<string, RegisteredEndpoint>();
  readonly #changed: () => void;

  constructor(initial: readonly RegisteredEndpoint[], changed: () => void) {
    for (const e of initial) this.#entries.set(e.id, e);
    this.#changed = changed;
  }

  /** Register (or move) an endpoint: `address` is a loopback IPv4; `ports` maps endpoint ports to real ports. */
  register(id: string, where: Omit<EndpointInput, 'id'>): RegisteredEndpoint {
    const e = Object.freeze(parseArgument(ENDPOINT, { ...where, id }, 'endpoint'));
    this.#entries.set(id, e);
    this.#changed();
    return e;
  }

  /** Forget an endpoint; groups that still name it fail its health checks. */
  unregister(id: string): boolean {
    const had = this.#entries.delete(id);
    if (had) this.#changed();
    return had;
  }

  get(id: string): RegisteredEndpoint | undefined {
    return this.#entries.get(id);
  }

  list(): RegisteredEndpoint[] {
    return [...this.#entries.values()];
  }

  /** The real port on the endpoint's address for an endpoint port (the port itself when not mapped). */
  static realPort(e: RegisteredEndpoint, port: number): number {
    return e.ports.get(port) ?? port;
  }
}

/** Where a source address is, as the data plane needs it. */
export interface Located extends LatLon {
  /** Cache key of the location: the vantage's address, or '' for the default location. */
  readonly key: string;
  readonly override: readonly string[];
  readonly edge: string | undefined;
}

export class VantageTable {
  readonly #entries = new Map<string, Located & { name: string | undefined }>();
  readonly #default: Located;
  readonly #changed: () => void;

  constructor(initial: readonly Vantage[], defaultLocation: LatLon, changed: () => void) {
    this.#default = Object.freeze({ key: '', lat: defaultLocation.lat, lon: defaultLocation.lon, override: Object.freeze([]), edge: undefined });
    for (const v of initial) this.#put(v);
    this.#changed = changed;
  }

  #put(v: Vantage): void {
    this.#entries.set(v.address, Object.freeze({ key: v.address, lat: v.lat, lon: v.lon, override: Object.freeze([...(v.override ?? [])]), edge: v.edge, name: v.name }));
  }

  /** Place a source address: `{ lat, lon, override?, edge?, name? }`. */
  set(address: string, where: Omit<VantageInput, 'address'>): void {
    this.#put(parseArgument(VANTAGE, { ...where, address }, 'vantage'));
    this.#changed();
  }

  delete(address: string): boolean {
    const had = this.#entries.delete(address);
    if (had) this.#changed();
    return had;
  }

  list(): Vantage[] {
    return [...this.#entries.values()].map((v) => ({ address: v.key, lat: v.lat, lon: v.lon, override: [...v.override], edge: v.edge, name: v.name }));
  }

  get defaultLocation(): LatLon {
    return { lat: this.#default.lat, lon: this.#default.lon };
  }

  /** The vantage of a source address, or the default location. */
  locate(address: string): Located {
    return this.#entries.get(address) ?? this.#default;
  }
}
