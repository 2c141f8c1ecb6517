/**
 * Per-scan probe services: what probes build once and share (the file
 * locator and its walks, decoded file contents, the package database, the
 * account files, the systemd session), with a typed interface and an
 * explicit lifecycle.
 *
 * A service is declared by the probe module that owns it, as a typed key
 * (`serviceKey`), so the engine knows no probe's services and a probe gets
 * its own back with its type: `ctx.services.get(FILE_TEXT)`. A
 * `ServiceScope` makes each service the first time it is asked for, from
 * the scope's own target (never a probe's view of it), and holds it until
 * the scope is reset or closed. The app opens one scope per scan (every
 * engine of the scan shares it through a CollectionShare) and closes it
 * when the scan is done; nothing outlives it.
 */
import type { Target } from '../target/target.js';

/** A service that holds something to release (a connection, a worker): `close` is called when its scope closes or resets. */
export interface Closeable {
  close(): void | Promise<void>;
}

/** A typed key for one service: its name (for messages) and how a scope makes it. */
export interface ServiceKey<T> {
  readonly name: string;
  create(target: Target): T;
}

export function serviceKey<T>(name: string, create: (target: Target) => T): ServiceKey<T> {
  return { name, create };
}

/** What probes see of the scan's services. */
export interface ProbeServices {
  /** The scope's instance of the service, made on first use. */
  get<T>(key: ServiceKey<T>): T;
}

function isCloseable(x: unknown): x is Closeable {
  return typeof x === 'object' && x !== null && typeof (x as { close?: unknown }).close === 'function';
}

/** The services of one scan (or one evaluation): made on demand, dropped by `reset`, released by `close`. */
export class ServiceScope implements ProbeServices {
  private readonly made = new Map<ServiceKey<unknown>, unknown>();
  private closed = false;

  constructor(readonly target: Target) {}

  get<T>(key: ServiceKey<T>): T {
    if (this.closed) throw new Error(`probe service ${key.name} asked for after its scope was closed`);
    if (this.made.has(key)) return this.made.get(key) as T;
    const s = key.create(this.target);
    this.made.set(key, s);
    return s;
  }

  /** How many services are made (tests). */
  get size(): number {
    return this.made.size;
  }

  /** Drops every service (releasing those that hold something): the next use makes a fresh one, which sees the target as it is now. */
  async reset(): Promise<void> {
    const list = [...this.made.values()];
    this.made.clear();
    await Promise.all(list.filter(isCloseable).map((s) => s.close()));
  }

  /** Releases every service; the scope cannot be used again. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.reset();
    this.closed = true;
  }
}
