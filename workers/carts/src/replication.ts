/**
 * How cart replicas talk, as pure decisions (`(replica, input) → (replica,
 * messages)`); the Durable Object persists the result and sends the messages
 * through its outbox. Every replica accepts writes on its own (AP).
 *
 * - A write makes a change and sends it to every peer.
 * - A peer applies it once (by dot) and answers with an ack carrying its
 *   vector; acks are never answered, so nothing loops.
 * - Each replica is responsible for its own changes: while a peer's last
 *   reported vector lacks any of them, its anti-entropy tick sends that peer
 *   its whole state (bounded: a cart is small), which carries everything
 *   dropped, reordered or never sent. A heal therefore converges within one
 *   tick plus one queue hop.
 */
import {
  applyChange,
  type CartState,
  type Change,
  joinState,
  type LineCounters,
  localChange,
  maxVV,
  type ReplicaId,
  type VersionVector,
} from './crdt';

export interface ReplicaState {
  id: ReplicaId;
  peers: readonly ReplicaId[];
  cart: CartState;
  /** Each peer's vector as it last reported it. */
  known: Readonly<Record<ReplicaId, VersionVector>>;
}

interface MessageBase {
  from: ReplicaId;
  to: ReplicaId;
  /** The sender's vector when it sent. */
  vv: VersionVector;
}

export type Message =
  | (MessageBase & { kind: 'changes'; changes: Change[] })
  | (MessageBase & { kind: 'state'; lines: Readonly<Record<string, LineCounters>> })
  | (MessageBase & { kind: 'ack' });

export interface Step {
  replica: ReplicaState;
  messages: Message[];
}

export const newReplica = (id: ReplicaId, peers: readonly ReplicaId[]): ReplicaState => ({
  id,
  peers: peers.filter((p) => p !== id),
  cart: { lines: {}, vv: {}, pending: [] },
  known: {},
});

function header(replica: ReplicaState, to: ReplicaId): MessageBase {
  return { from: replica.id, to, vv: replica.cart.vv };
}

/** A local write: the change is applied here and sent to every peer. */
export function write(
  replica: ReplicaState,
  lines: Record<string, LineCounters>,
): Step & { change: Change } {
  const { state, change } = localChange(replica.cart, replica.id, lines);
  const next = { ...replica, cart: state };
  const messages: Message[] = next.peers.map((to) => ({
    ...header(next, to),
    kind: 'changes',
    changes: [change],
  }));
  return { replica: next, messages, change };
}

function learn(replica: ReplicaState, message: Message): ReplicaState {
  const known = {
    ...replica.known,
    [message.from]: maxVV(replica.known[message.from] ?? {}, message.vv),
  };
  return { ...replica, known };
}

/** A message from a peer: learn its vector, merge what it carries, acknowledge data. */
export function receive(replica: ReplicaState, message: Message): Step {
  if (message.to !== replica.id || !replica.peers.includes(message.from))
    return { replica, messages: [] };
  let next = learn(replica, message);
  if (message.kind === 'changes') {
    let cart = next.cart;
    for (const change of message.changes) cart = applyChange(cart, change);
    next = { ...next, cart };
  } else if (message.kind === 'state') {
    next = { ...next, cart: joinState(next.cart, { lines: message.lines, vv: message.vv }) };
  }
  const messages: Message[] =
    message.kind === 'ack' ? [] : [{ ...header(next, message.from), kind: 'ack' }];
  return { replica: next, messages };
}

/** Peers that, as far as this replica knows, lack some of its own changes. */
export function behind(replica: ReplicaState): ReplicaId[] {
  const mine = replica.cart.vv[replica.id] ?? 0;
  return replica.peers.filter((p) => (replica.known[p]?.[replica.id] ?? 0) < mine);
}

/** Anti-entropy: the whole state to every peer that lacks some of this replica's changes. */
export function antiEntropy(replica: ReplicaState): Message[] {
  return behind(replica).map((to) => ({
    ...header(replica, to),
    kind: 'state',
    lines: replica.cart.lines,
  }));
}
