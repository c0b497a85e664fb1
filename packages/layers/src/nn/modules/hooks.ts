/** Returned by `registerForwardPreHook`/`registerForwardHook`: `remove()` unregisters the hook (again: no-op). */
export interface RemovableHandle {
  remove(): void;
}

/**
 * Hooks in registration order. A hook registered or removed while the list runs takes effect from
 * the next call: `run` walks a copy.
 */
export class HookList<Hook> {
  // One entry per registration, so a function registered twice runs twice and each handle removes its own.
  private readonly entries: { readonly hook: Hook }[] = [];

  add(hook: Hook): RemovableHandle {
    const entry = { hook };
    this.entries.push(entry);
    return {
      remove: () => {
        const i = this.entries.indexOf(entry);
        if (i >= 0) this.entries.splice(i, 1);
      },
    };
  }

  get size(): number {
    return this.entries.length;
  }

  /** The hooks as they stand now, for one call. */
  snapshot(): Hook[] {
    return this.entries.map((e) => e.hook);
  }
}
