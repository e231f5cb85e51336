/**
 * Node health shared by every process on the machine through a small JSON
 * file, so a cron run does not rediscover a dead node from scratch: a node
 * that failed `maxFailures` times in a row is out of the ring until
 * `recoveryTime` has passed, then it is tried again. The same file keeps the
 * round-robin turn, so writes from many processes take turns too.
 *
 * Format: `{"nodes": {"<id>": {"failures": n, "downSince": unix ms}}, "turn": n}`
 * (an older file is the bare `nodes` map).
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

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
  private turn = 0;

  constructor(
    private readonly path: string,
    private readonly settings: HealthSettings,
  ) {
    this.load();
  }

  private load(): void {
    let saved: unknown;
    try {
      saved = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      saved = undefined;
    }
    const file = isObject(saved) ? saved : {};
    // Anything else in the file (another version's, a hand edit) counts as no record: health is rediscovered.
    const nodes = isObject(file.nodes) ? file.nodes : 'nodes' in file ? {} : file;
    this.state = {};
    for (const [id, node] of Object.entries(nodes)) {
      if (isObject(node) && Number.isFinite(node.failures) && Number.isFinite(node.downSince)) {
        this.state[id] = { failures: node.failures as number, downSince: node.downSince as number };
      }
    }
    this.turn = Number.isSafeInteger(file.turn) ? (file.turn as number) : 0;
  }

  /**
   * The next round-robin turn, shared with every process through the file:
   * read fresh, taken, saved. Two processes racing may take the same turn;
   * that only skews the spread, never where a key is found.
   */
  nextTurn(): number {
    this.load();
    const turn = this.turn++;
    this.save();
    return turn;
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
      writeFileSync(tmp, JSON.stringify({ nodes: this.state, turn: this.turn }), { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch {
      // Health is an optimisation: a read-only directory only costs rediscovery.
    }
  }
}
