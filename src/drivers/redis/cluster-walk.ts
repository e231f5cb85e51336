/**
 * Walking every key of a Redis Cluster while its slots move (a reshard, a
 * `CLUSTER SETSLOT … MIGRATING/IMPORTING` + `MIGRATE` by hand).
 *
 * A SCAN of one master sees only the keys that stay on it: a key MIGRATEd to
 * a master whose walk is over, or whose walk had already passed its place,
 * is missed. So the slot map is read from every master before and after
 * each round of walks (each master's own `myself` line of CLUSTER NODES:
 * its config epoch, its slots, and the slots it is migrating or importing,
 * with COUNTKEYSINSLOT of those, so keys still moving show too). When the
 * two differ, the masters that now serve, or are taking or giving, a slot
 * that changed are walked again, for the keys of those slots only, until
 * a whole round sees no change. A key present for the whole operation is
 * found at least once; one that moved may be found twice.
 */
import type { Cluster, Redis } from 'ioredis';
import slotOf from 'cluster-key-slot';
import { setTimeout as sleep } from 'node:timers/promises';
import { mergeAsync } from '../../core/async.js';
import { StoreUnavailableError } from '../../core/errors.js';

/** Rounds of walks before giving up on a cluster whose slots never stop moving. */
const MAX_ROUNDS = 50;
/** Pause between rounds while slots are mid-move, so the move can progress. */
const MOVING_PAUSE_MS = 50;

/** The slot map as the masters themselves state it. */
export interface Topology {
  /** Equal for two reads of an unchanged slot map (and unchanged moving slots). */
  fingerprint: string;
  /** Who serves each slot, as `host:port`. */
  owners: Map<number, string>;
  /** Slots being migrated or imported, with the masters on both ends. */
  moving: Map<number, Set<string>>;
}

/** One master's `myself` line: its slots, and the slots it is migrating (`[s->-id]`) or importing (`[s-<-id]`). */
interface OwnLine {
  address: string;
  epoch: string;
  slots: number[];
  moving: number[];
  /** The slots field as written, for the fingerprint. */
  text: string;
}

/** Parses the `myself` line of a CLUSTER NODES reply. */
export function ownLine(nodes: string): OwnLine | null {
  const line = nodes.split('\n').find((l) => l.split(' ')[2]?.split(',').includes('myself'));
  if (!line) return null;
  const fields = line.trim().split(' ');
  const address = fields[1]!.split('@')[0]!;
  const slots: number[] = [];
  const moving: number[] = [];
  for (const field of fields.slice(8)) {
    const marker = /^\[(\d+)-[<>]-/.exec(field);
    if (marker) {
      moving.push(Number(marker[1]));
      continue;
    }
    const [from, to = from] = field.split('-').map(Number);
    for (let s = from!; s <= to!; s++) slots.push(s);
  }
  return { address, epoch: fields[6]!, slots, moving, text: fields.slice(8).join(' ') };
}

const addressOf = (node: Redis) => `${node.options.host}:${node.options.port}`;

/**
 * Reads the slot map from every master the client knows; when some slot has
 * no owner among them (a master the client has not met yet took it), the
 * client's slot map is refreshed and it is read again.
 */
export async function readTopology(client: Cluster): Promise<Topology> {
  const read = await readOnce(client);
  if (read.owners.size === 16384) return read;
  await refresh(client);
  return readOnce(client);
}

function refresh(client: Cluster): Promise<void> {
  return new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve()));
}

async function readOnce(client: Cluster): Promise<Topology> {
  const masters = client.nodes('master');
  const lines = await Promise.all(
    masters.map(async (node) => {
      const own = ownLine(String(await node.call('CLUSTER', 'NODES')));
      // ioredis may name the node by the address it was given; keep that name.
      if (!own) return null;
      const counts = await Promise.all(own.moving.map((s) => node.call('CLUSTER', 'COUNTKEYSINSLOT', String(s))));
      return { ...own, address: addressOf(node), counts: counts.join(',') };
    }),
  );
  const owners = new Map<number, string>();
  const moving = new Map<number, Set<string>>();
  const parts: string[] = [];
  for (const line of lines) {
    if (!line) continue;
    parts.push(`${line.address} ${line.epoch} ${line.text} ${line.counts}`);
    for (const s of line.slots) owners.set(s, line.address);
    for (const s of line.moving) {
      const ends = moving.get(s) ?? new Set<string>();
      ends.add(line.address);
      moving.set(s, ends);
    }
  }
  return { fingerprint: parts.sort().join('\n'), owners, moving };
}

/** Slots whose owner changed between two reads, or that were moving in either. */
function changedSlots(before: Topology, after: Topology): Set<number> {
  const changed = new Set<number>([...before.moving.keys(), ...after.moving.keys()]);
  for (let s = 0; s < 16384; s++) if (before.owners.get(s) !== after.owners.get(s)) changed.add(s);
  return changed;
}

/** The masters to walk again: those serving, or on either end of a move of, a changed slot. */
function mastersFor(slots: Set<number>, after: Topology): Set<string> {
  const addresses = new Set<string>();
  for (const s of slots) {
    const owner = after.owners.get(s);
    if (owner) addresses.add(owner);
    for (const end of after.moving.get(s) ?? []) addresses.add(end);
  }
  return addresses;
}

/** The client's connections to these masters; refreshes its slot map once for a master it does not know yet. */
async function nodesAt(client: Cluster, addresses: Set<string>): Promise<Redis[]> {
  const find = () => client.nodes('master').filter((n) => addresses.has(addressOf(n)));
  let found = find();
  if (found.length < addresses.size) {
    await refresh(client);
    found = find();
  }
  return found;
}

/**
 * Walks every master (with `walkNode`, a SCAN of one node, given which keys
 * to keep), then walks again where slots moved, until a round sees the slot
 * map unchanged. Keys come as the walks yield them.
 */
export async function* walkCluster(
  client: Cluster,
  walkNode: (node: Redis, keep?: (key: string) => boolean) => AsyncIterable<string[]>,
  signal?: AbortSignal,
): AsyncIterable<string[]> {
  let before = await readTopology(client);
  let nodes = client.nodes('master');
  let only: Set<number> | undefined;
  for (let round = 1; ; round++) {
    const slots = only;
    const keep = slots ? (key: string) => slots.has(slotOf(key)) : undefined;
    yield* mergeAsync(nodes.map((n) => walkNode(n, keep)));
    if (signal?.aborted) return;
    const after = await readTopology(client);
    if (after.fingerprint === before.fingerprint) return;
    if (round >= MAX_ROUNDS) {
      throw new StoreUnavailableError(`redis cluster: the slots kept moving through ${round} walks; run it again once the reshard is over`);
    }
    only = changedSlots(before, after);
    nodes = await nodesAt(client, mastersFor(only, after));
    before = after;
    if (after.moving.size) await sleep(MOVING_PAUSE_MS);
  }
}
