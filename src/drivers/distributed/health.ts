/**
 * Node health shared by every process on the machine through a small JSON
 * file, so a cron run does not rediscover a dead node from scratch: a node
 * that failed `maxFailures` times in a row is out of the ring until
 * `recoveryTime` has passed, then it is tried again.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** health settings (seconds). */
export interface HealthSettings {
  maxFailures: number;
  recoveryTime: number;
}

interface NodeHealth {
  failures: number;
  /** Unix ms when the node went down; 0 while it is up. */
  downSince: number;
}

/** Failure counts per node id, persisted in `path`. */
export class HealthState {
  private state: Record<string, NodeHealth> = {};

  constructor(
    private readonly path: string,
    private readonly settings: HealthSettings,
  ) {
    try {
      this.state = JSON.parse(readFileSync(path, 'utf8')) as Record<string, NodeHealth>;
    } catch {
      this.state = {};
    }
  }

  /** True while the node is out of the ring (failed too often, not yet due for a retry). */
  isDown(id: string, now = Date.now()): boolean {
    const node = this.state[id];
    return !!node && node.downSince > 0 && now - node.downSince < this.settings.recoveryTime * 1000;
  }

  /** Records a failure; returns true when it took the node out of the ring. */
  failed(id: string, now = Date.now()): boolean {
    const node = (this.state[id] ??= { failures: 0, downSince: 0 });
    node.failures++;
    const wentDown = node.failures >= this.settings.maxFailures && node.downSince === 0;
    if (node.failures >= this.settings.maxFailures) node.downSince = now;
    this.save();
    return wentDown;
  }

  /** Records a success: the node is healthy again. */
  succeeded(id: string): void {
    const node = this.state[id];
    if (!node || (node.failures === 0 && node.downSince === 0)) return;
    delete this.state[id];
    this.save();
  }

  /** What cache:status shows per node. */
  describe(id: string): { failures: number; down: boolean } {
    return { failures: this.state[id]?.failures ?? 0, down: this.isDown(id) };
  }

  private save(): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch {
      // Health is an optimisation: a read-only directory only costs rediscovery.
    }
  }
}
