import { randomUUID } from 'node:crypto';
import { ApiError, quoted } from './errors';

export type OrderStatus = 'open' | 'fulfilled';

export interface Order {
  readonly id: string;
  readonly item: string;
  readonly quantity: number;
  readonly status: OrderStatus;
}

/** The body of `POST /orders` and `PUT /orders/{id}`. */
export interface OrderInput {
  readonly item: string;
  readonly quantity: number;
}

/** The rules of an order body; the error messages quote them. */
export const ORDER_RULES = { itemMaxLength: 100, quantityMin: 1, quantityMax: 1000, bodyMaxBytes: 16 * 1024 } as const;

const EXAMPLE_BODY = '{"item":"widget","quantity":2}';
const FIELDS = ['item', 'quantity'] as const;

// Frozen: requests read the seed and answer with what they would have done; nothing is ever stored.
const SEED: ReadonlyMap<string, Order> = new Map(
  (
    [
      { id: '1', item: 'widget', quantity: 3, status: 'open' },
      { id: '2', item: 'gadget', quantity: 1, status: 'fulfilled' },
      { id: '3', item: 'sprocket', quantity: 12, status: 'open' },
    ] as const
  ).map((order): [string, Order] => [order.id, Object.freeze({ ...order })]),
);

/**
 * Every seed order.
 *
 * @example
 * listOrders().map((order) => order.id); // ['1', '2', '3']
 */
export function listOrders(): Order[] {
  return [...SEED.values()];
}

/**
 * The seed order `id`, or a 404 `not_found` error.
 *
 * @example
 * findOrder('2').status; // 'fulfilled'
 */
export function findOrder(id: string | undefined): Order {
  const order = id === undefined ? undefined : SEED.get(id);
  if (!order) throw new ApiError(404, 'not_found', `order ${quoted(id ?? '')} not found; the sample backend has orders ${[...SEED.keys()].join(', ')}`);
  return order;
}

/**
 * The order that `POST /orders` would create: a fresh id, status `open`. Not stored.
 *
 * @example
 * newOrder({ item: 'widget', quantity: 2 }).status; // 'open'
 */
export function newOrder(input: OrderInput): Order {
  return { id: randomUUID(), item: input.item, quantity: input.quantity, status: 'open' };
}

/**
 * `order` as fulfilment would leave it, or a 409 `already_fulfilled` error.
 *
 * @example
 * fulfilled(findOrder('1')).status; // 'fulfilled'
 */
export function fulfilled(order: Order): Order {
  if (order.status === 'fulfilled') throw new ApiError(409, 'already_fulfilled', `order ${quoted(order.id)} is already fulfilled`);
  return { ...order, status: 'fulfilled' };
}

/**
 * Parses and checks an order body: a JSON object with exactly `item` (a non-empty string of at most
 * 100 characters) and `quantity` (an integer from 1 to 1000). Fails with 400 (`invalid_json` or
 * `invalid_request`, naming every bad field) or 413 (`payload_too_large`).
 *
 * @example
 * readOrderInput('{"item":"widget","quantity":2}'); // { item: 'widget', quantity: 2 }
 */
export function readOrderInput(body: string | undefined): OrderInput {
  if (body === undefined) throw invalid(`body: required; send a JSON object such as ${EXAMPLE_BODY}`);
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > ORDER_RULES.bodyMaxBytes) {
    throw new ApiError(413, 'payload_too_large', `body: must be at most ${ORDER_RULES.bodyMaxBytes} bytes; received ${bytes}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ApiError(400, 'invalid_json', `body: is not valid JSON; send a JSON object such as ${EXAMPLE_BODY}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`body: must be a JSON object such as ${EXAMPLE_BODY}; received ${kindOf(parsed)}`);
  }
  const fields = parsed as Record<string, unknown>;
  const problems = Object.keys(fields)
    .filter((key) => !(FIELDS as readonly string[]).includes(key))
    .map((key) => `${quoted(key)}: unknown field; the allowed fields are ${FIELDS.join(', ')}`);
  const item = itemProblem(fields.item);
  if (item) problems.push(`item: ${item}`);
  const quantity = quantityProblem(fields.quantity);
  if (quantity) problems.push(`quantity: ${quantity}`);
  if (problems.length > 0) throw invalid(problems.join('; '));
  return { item: fields.item as string, quantity: fields.quantity as number };
}

function itemProblem(item: unknown): string | undefined {
  const rule = `a non-empty string of at most ${ORDER_RULES.itemMaxLength} characters`;
  if (item === undefined) return `required; ${rule}`;
  if (typeof item !== 'string') return `must be ${rule}; received ${kindOf(item)}`;
  if (item.trim() === '') return `must be ${rule}; received an empty string`;
  const length = [...item].length;
  if (length > ORDER_RULES.itemMaxLength) return `must be ${rule}; received ${length} characters`;
  return undefined;
}

function quantityProblem(quantity: unknown): string | undefined {
  const rule = `an integer from ${ORDER_RULES.quantityMin} to ${ORDER_RULES.quantityMax}`;
  if (quantity === undefined) return `required; ${rule}`;
  if (typeof quantity !== 'number') return `must be ${rule}; received ${kindOf(quantity)}`;
  if (!Number.isInteger(quantity) || quantity < ORDER_RULES.quantityMin || quantity > ORDER_RULES.quantityMax) return `must be ${rule}; received ${quantity}`;
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_request', message);
}
