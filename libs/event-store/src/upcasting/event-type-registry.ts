import { UnknownSchemaVersionError } from '../errors';

/** Turns data stored at version n into version n + 1. */
export type Upcaster = (data: unknown) => unknown;

export interface EventTypeDefinition {
  type: string;
  /** The version new events of this type are written at. */
  currentVersion: number;
  /** upcasters[n] turns version n into n + 1, for every n below currentVersion. */
  upcasters?: Record<number, Upcaster>;
}

/**
 * The event types a store knows and how their stored shapes evolve. Readers always see the
 * current shape: old events are upcast on read, never rewritten (the store is append-only).
 */
export class EventTypeRegistry {
  private readonly types = new Map<string, Required<EventTypeDefinition>>();

  register(definition: EventTypeDefinition): this {
    const upcasters = definition.upcasters ?? {};
    for (let v = 1; v < definition.currentVersion; v++) {
      if (typeof upcasters[v] !== 'function') {
        throw new Error(`event type ${definition.type} is at version ${definition.currentVersion} but has no upcaster from version ${v}`);
      }
    }
    this.types.set(definition.type, { ...definition, upcasters });
    return this;
  }

  currentVersion(type: string): number {
    return this.types.get(type)?.currentVersion ?? 1;
  }

  /** The data in its current shape, and that shape's version. Unknown types pass through. */
  upcast(type: string, storedVersion: number, data: unknown): { data: unknown; schemaVersion: number } {
    const definition = this.types.get(type);
    if (!definition) return { data, schemaVersion: storedVersion };
    if (storedVersion > definition.currentVersion) {
      throw new UnknownSchemaVersionError(
        `event type ${type} is stored at schema version ${storedVersion}, newer than this code knows (${definition.currentVersion}); upgrade the reader`,
      );
    }
    let current = data;
    for (let v = storedVersion; v < definition.currentVersion; v++) current = definition.upcasters[v]!(current);
    return { data: current, schemaVersion: definition.currentVersion };
  }
}
