import type { Logger } from '@lmc/core/logger.ts';
import type { ApplianceConfig } from '../config/schema.ts';
import type { BusEventName, BusEvents, EventBus } from '../events/event-bus.ts';
import type { Store } from '../store/index.ts';

/** What every module is given: the one store connection, the bus, the whole validated configuration, a clock. */
export interface ModuleContext {
  store: Store;
  bus: EventBus;
  config: ApplianceConfig;
  log: Logger;
  clock: () => Date;
}

/** A bus subscription a module declares; the root subscribes it under the module's name and drops it at stop. */
export interface Subscription<K extends BusEventName = BusEventName> {
  event: K;
  listener: (payload: BusEvents[K]) => void;
}

export interface ModuleInstance {
  start?(): Promise<void>;
  /** Releases everything start() (and create()) took: ports, children, timers, listeners. */
  stop?(): Promise<void>;
  subscriptions?: Subscription[];
}

/** One part of the appliance (zigbee2mqtt's extension): created and started in order, stopped in reverse. */
export interface AppModule {
  readonly name: string;
  create(ctx: ModuleContext): Promise<ModuleInstance> | ModuleInstance;
}

export interface RunningModules {
  /** Stops every started module in reverse order; a failing stop is logged and the others still stop. */
  stop(): Promise<void>;
}

/**
 * The composition root's lifecycle: each module is created and started in the given order; its subscriptions are
 * registered on the bus under its name. If one fails, the modules already started are stopped in reverse and the
 * error is rethrown, so a failed start (e.g. the port in use) leaves no child process, connection or timer behind.
 */
export async function startModules(modules: readonly AppModule[], ctx: ModuleContext): Promise<RunningModules> {
  const started: { module: AppModule; instance: ModuleInstance }[] = [];
  const stopAll = async () => {
    for (const { module, instance } of started.reverse()) {
      try {
        await instance.stop?.();
      } catch (err) {
        ctx.log.error({ module: module.name, message: (err as Error).message }, 'module did not stop cleanly');
      } finally {
        ctx.bus.dropOwner(module.name);
      }
    }
    started.length = 0;
  };
  for (const module of modules) {
    let instance: ModuleInstance | undefined;
    try {
      instance = await module.create(ctx);
      for (const s of instance.subscriptions ?? []) ctx.bus.subscribe(s.event, s.listener as never, module.name);
      started.push({ module, instance });
      await instance.start?.();
    } catch (err) {
      ctx.log.error({ module: module.name, message: (err as Error).message }, 'module failed to start: stopping the ones already started');
      await stopAll();
      throw err;
    }
  }
  return { stop: stopAll };
}
