/**
 * Model test of cart replication: random writes at random replicas, over a
 * network that delivers in random order, duplicates, drops, and partitions,
 * with anti-entropy ticks and checkouts completed at any replica.
 *
 * The specification is written over events, not counters: a line's quantity
 * is the sum of the adds a replica has seen that no remove (or completed
 * checkout) it has seen had observed, where a remove observed exactly the
 * adds its replica had seen when it was made. After every step each replica
 * must hold the specification of what it has seen; once the partition heals
 * and the network drains, every replica must hold the same cart, equal to the
 * specification of everything that happened.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDelta,
  type CartItem,
  clearDelta,
  itemsOf,
  quantityIn,
  removeDelta,
  type Snapshot,
  snapshotOf,
} from './crdt';
import {
  antiEntropy,
  behind,
  type Message,
  newReplica,
  type ReplicaState,
  receive,
  write,
} from './replication';

const SKUS = ['A', 'B', 'C'] as const;

type SpecEvent =
  | { kind: 'add'; sku: string; quantity: number }
  | { kind: 'remove'; observed: ReadonlySet<string> };

interface World {
  replicas: ReplicaState[];
  /** Every change ever made, by dot ("replica:seq"). */
  events: Map<string, SpecEvent>;
  network: Message[];
  partitioned: boolean;
  checkouts: Array<{ snapshot: Snapshot; observed: ReadonlySet<string>; done: boolean }>;
  stats: { delivered: number; dropped: number; duplicated: number };
}

const dotKey = (replica: string, seq: number) => `${replica}:${seq}`;

/** The events a replica has seen: every dot its vector covers. */
function seenBy(replica: ReplicaState, events: Map<string, SpecEvent>): Set<string> {
  const seen = new Set<string>();
  for (const key of events.keys()) {
    const [origin = '', seq = '0'] = key.split(':');
    if (Number(seq) <= (replica.cart.vv[origin] ?? 0)) seen.add(key);
  }
  return seen;
}

/** The specification: adds seen and not observed by any removal seen. */
function spec(seen: ReadonlySet<string>, events: Map<string, SpecEvent>): CartItem[] {
  const removedAdds = new Set<string>();
  for (const key of seen) {
    const event = events.get(key);
    if (event?.kind === 'remove') for (const add of event.observed) removedAdds.add(add);
  }
  const quantities = new Map<string, number>();
  for (const key of seen) {
    const event = events.get(key);
    if (event?.kind !== 'add' || removedAdds.has(key)) continue;
    quantities.set(event.sku, (quantities.get(event.sku) ?? 0) + event.quantity);
  }
  return [...quantities]
    .filter(([, quantity]) => quantity > 0)
    .map(([sku, quantity]) => ({ sku, quantity }))
    .sort((a, b) => (a.sku < b.sku ? -1 : 1));
}

/** The adds of `skus` a replica has seen. */
function observedAdds(world: World, at: ReplicaState, skus: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const key of seenBy(at, world.events)) {
    const event = world.events.get(key);
    if (event?.kind === 'add' && skus.has(event.sku)) out.add(key);
  }
  return out;
}

type Command =
  | { op: 'add'; at: number; sku: string; quantity: number }
  | { op: 'remove'; at: number; sku: string }
  | { op: 'checkout'; at: number }
  | { op: 'complete'; at: number; which: number }
  | { op: 'deliver'; which: number }
  | { op: 'duplicate'; which: number }
  | { op: 'drop'; which: number }
  | { op: 'tick'; at: number }
  | { op: 'partition'; on: boolean };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      at: fc.nat(),
      sku: fc.constantFrom(...SKUS),
      quantity: fc.integer({ min: 1, max: 5 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('remove' as const),
      at: fc.nat(),
      sku: fc.constantFrom(...SKUS),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('checkout' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('complete' as const), at: fc.nat(), which: fc.nat() }),
  },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('deliver' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), which: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('partition' as const), on: fc.boolean() }),
  },
);

function localWrite(world: World, at: number, delta: ReturnType<typeof addDelta>, e: SpecEvent) {
  const replica = world.replicas[at];
  if (!replica) return;
  const step = write(replica, delta);
  world.replicas[at] = step.replica;
  world.events.set(dotKey(step.change.dot.replica, step.change.dot.seq), e);
  world.network.push(...step.messages);
}

function deliver(world: World, message: Message): void {
  const index = world.replicas.findIndex((r) => r.id === message.to);
  const replica = world.replicas[index];
  if (!replica) return;
  const step = receive(replica, message);
  world.replicas[index] = step.replica;
  world.network.push(...step.messages);
  world.stats.delivered++;
}

function take(world: World, which: number): Message | undefined {
  if (world.network.length === 0) return undefined;
  return world.network.splice(which % world.network.length, 1)[0];
}

function run(world: World, command: Command): void {
  const n = world.replicas.length;
  const replica = 'at' in command ? world.replicas[command.at % n] : undefined;
  switch (command.op) {
    case 'add':
      if (!replica) return;
      localWrite(
        world,
        command.at % n,
        addDelta(replica.cart, replica.id, command.sku, command.quantity),
        {
          kind: 'add',
          sku: command.sku,
          quantity: command.quantity,
        },
      );
      return;
    case 'remove': {
      if (!replica) return;
      const delta = removeDelta(replica.cart, command.sku);
      if (!delta) return;
      const observed = observedAdds(world, replica, new Set([command.sku]));
      localWrite(world, command.at % n, delta, { kind: 'remove', observed });
      return;
    }
    case 'checkout': {
      if (!replica) return;
      const snapshot = snapshotOf(replica.cart);
      if (Object.keys(snapshot).length === 0) return;
      const observed = observedAdds(world, replica, new Set(Object.keys(snapshot)));
      world.checkouts.push({ snapshot, observed, done: false });
      return;
    }
    case 'complete': {
      const open = world.checkouts.filter((c) => !c.done);
      const checkout = open[command.which % Math.max(1, open.length)];
      if (!checkout) return;
      checkout.done = true;
      localWrite(world, command.at % n, clearDelta(checkout.snapshot), {
        kind: 'remove',
        observed: checkout.observed,
      });
      return;
    }
    case 'deliver': {
      const message = take(world, command.which);
      if (!message) return;
      if (world.partitioned) world.stats.dropped++;
      else deliver(world, message);
      return;
    }
    case 'duplicate': {
      const message = world.network[command.which % Math.max(1, world.network.length)];
      if (message) world.network.push(message);
      world.stats.duplicated++;
      return;
    }
    case 'drop':
      if (take(world, command.which)) world.stats.dropped++;
      return;
    case 'tick':
      if (replica) world.network.push(...antiEntropy(replica));
      return;
    case 'partition':
      world.partitioned = command.on;
      return;
  }
}

/** Each replica holds the specification of what it has seen. */
function expectEachReplicaMatchesSpec(world: World): void {
  for (const replica of world.replicas)
    expect(itemsOf(replica.cart), replica.id).toEqual(
      spec(seenBy(replica, world.events), world.events),
    );
}

/** Heal and drain: ticks and deliveries until nobody lacks anything (bounded). */
function heal(world: World): number {
  world.partitioned = false;
  for (let round = 1; round <= 20; round++) {
    for (const replica of world.replicas) world.network.push(...antiEntropy(replica));
    let budget = 10_000;
    while (world.network.length > 0 && budget-- > 0) {
      const message = world.network.shift();
      if (message) deliver(world, message);
    }
    if (world.replicas.every((r) => behind(r).length === 0)) return round;
  }
  throw new Error('replication did not quiesce within 20 anti-entropy rounds');
}

const worldArb = fc.record({
  replicas: fc.constantFrom(['us', 'eu', 'apac'], ['weur', 'eeur']),
  commands: fc.array(commandArb, { minLength: 1, maxLength: 80 }),
});

const MODEL_RUNS = 3000;

describe('cart replication model', () => {
  it('every replica holds the specification of what it has seen, and after a heal all converge to the specification of everything', () => {
    let runs = 0;
    let messages = 0;
    fc.assert(
      fc.property(worldArb, ({ replicas: ids, commands }) => {
        const world: World = {
          replicas: ids.map((id) => newReplica(id, ids)),
          events: new Map(),
          network: [],
          partitioned: false,
          checkouts: [],
          stats: { delivered: 0, dropped: 0, duplicated: 0 },
        };
        for (const command of commands) {
          run(world, command);
          expectEachReplicaMatchesSpec(world);
        }
        heal(world);
        const everything = new Set(world.events.keys());
        const expected = spec(everything, world.events);
        for (const replica of world.replicas) {
          expect(itemsOf(replica.cart), replica.id).toEqual(expected);
          expect(seenBy(replica, world.events)).toEqual(everything);
          expect(replica.cart.pending).toEqual([]);
        }
        runs++;
        messages += world.stats.delivered;
      }),
      { numRuns: MODEL_RUNS },
    );
    expect(runs).toBe(MODEL_RUNS);
    expect(messages).toBeGreaterThan(MODEL_RUNS);
  });

  it('concurrent adds of one SKU at two replicas sum; a remove keeps the add it had not seen', () => {
    const ids = ['us', 'eu'];
    let us = newReplica('us', ids);
    let eu = newReplica('eu', ids);
    const a = write(us, addDelta(us.cart, 'us', 'TEE', 2));
    const b = write(eu, addDelta(eu.cart, 'eu', 'TEE', 3));
    us = a.replica;
    eu = b.replica;
    const [toEu] = a.messages;
    const [toUs] = b.messages;
    if (!toEu || !toUs) throw new Error('writes send to their peer');
    us = receive(us, toUs).replica;
    eu = receive(eu, toEu).replica;
    expect(quantityIn(us.cart, 'TEE')).toBe(5);
    expect(quantityIn(eu.cart, 'TEE')).toBe(5);
    // us removes the line it sees (5) while eu adds 4 more, concurrently.
    const removal = removeDelta(us.cart, 'TEE');
    if (!removal) throw new Error('us holds the line');
    const r = write(us, removal);
    const more = write(eu, addDelta(eu.cart, 'eu', 'TEE', 4));
    us = receive(r.replica, more.messages[0] as Message).replica;
    eu = receive(more.replica, r.messages[0] as Message).replica;
    expect(quantityIn(us.cart, 'TEE')).toBe(4);
    expect(quantityIn(eu.cart, 'TEE')).toBe(4);
  });
});
