/** A start/stop unit (zigbee2mqtt extension style): stop() releases everything start() took. */
export interface Feature {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
