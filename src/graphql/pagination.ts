/**
 * Relay connection arguments on keyset cursors. A cursor is base64url JSON of
 * `[orderKey, sortValue, id]`: opaque to clients, tied to the ordering it came from, and never an
 * offset, so a page deep in a list costs what the first page costs.
 */
import type { PageInfoShape } from '@pothos/plugin-relay';
import type { KeysetWindow } from '../db/queries/keyset.js';
import { parseDate } from '../domain/dates.js';
import { badInput } from '../domain/errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

export interface PageRequest {
  /** The rows to show. */
  readonly size: number;
  /** One more than `size`, to learn whether there is a next page. */
  readonly window: KeysetWindow;
}

export function encodeCursor(orderKey: string, value: string | number, id: number): string {
  return Buffer.from(JSON.stringify([orderKey, value, id])).toString('base64url');
}

function decodeCursor(cursor: string, orderKey: string, field: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== orderKey ||
    !(typeof parsed[1] === 'string' || typeof parsed[1] === 'number') ||
    !Number.isSafeInteger(parsed[2]) ||
    parsed[2] < 1 ||
    !isSortValue(orderKey, parsed[1])
  ) {
    throw badInput(`${field} is not a valid cursor for this list`, field);
  }
  return { value: parsed[1] as string | number, id: parsed[2] as number };
}

/** A `YYYY-MM-DD` that names a day Postgres accepts (not 2026-02-30, not year 0). */
function isRealDate(value: string): boolean {
  try {
    parseDate(value);
    return true;
  } catch {
    return false;
  }
}

/** Sort values go into SQL casts; check they have the form of their key so a cast never fails. */
function isSortValue(orderKey: string, value: string | number): boolean {
  if (orderKey === 'id') return Number.isSafeInteger(value);
  if (typeof value !== 'string') return false;
  if (orderKey.startsWith('DATE')) return isRealDate(value);
  if (orderKey.startsWith('AMOUNT')) return /^-?\d{1,12}(\.\d{1,2})?$/.test(value);
  if (orderKey.startsWith('CREATED')) {
    const match =
      /^(\d{4}-\d{2}-\d{2})[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-](?:[01]\d|2[0-3])(:?[0-5]\d)?)?$/.exec(
        value,
      );
    return match !== null && isRealDate(match[1] as string);
  }
  return false;
}

function pageSize(value: number | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < 0) throw badInput(`${field} must not be negative`, field);
  if (value > MAX_PAGE_SIZE) throw badInput(`${field} must be at most ${MAX_PAGE_SIZE}`, field);
  return value;
}

/** Validates connection arguments into a keyset window for the given ordering. */
export function parseConnectionArgs(args: ConnectionArgs, orderKey: string): PageRequest {
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  if (first !== undefined && last !== undefined) {
    throw badInput('Pass either first or last, not both', 'last');
  }
  if (args.after != null && args.before != null) {
    throw badInput('Pass either after or before, not both', 'before');
  }
  const backward = last !== undefined || (first === undefined && args.before != null);
  if (backward && args.after != null) throw badInput('after goes with first, not last', 'after');
  if (!backward && args.before != null)
    throw badInput('before goes with last, not first', 'before');
  const size = (backward ? last : first) ?? DEFAULT_PAGE_SIZE;
  const cursorArg = backward ? args.before : args.after;
  const cursor =
    cursorArg == null ? null : decodeCursor(cursorArg, orderKey, backward ? 'before' : 'after');
  return { size, window: { limit: size + 1, backward, cursor } };
}

/**
 * An edge whose cursor is encoded when read. A class rather than an object literal with a
 * getter: the literal made a getter closure per row (a fan-out builds thousands of edges).
 */
class Edge<T> {
  constructor(
    readonly node: T,
    private readonly cursorOf: (row: T) => string,
  ) {}

  get cursor(): string {
    return this.cursorOf(this.node);
  }
}

/**
 * A page's flags and cursors, as getters: the far-side query runs only when a client selects
 * that flag (a getter may yield a promise, which GraphQL awaits like any other field value). A
 * class for the same reason as Edge: a literal with four getters made four closures per list.
 */
class LazyPageInfo<T> {
  constructor(
    private readonly edges: readonly Edge<T>[],
    private readonly hasMore: boolean,
    private readonly window: KeysetWindow,
    private readonly existsBeyondCursor: () => Promise<boolean>,
  ) {}

  private farSide(): Promise<boolean> {
    return this.window.cursor !== null ? this.existsBeyondCursor() : Promise.resolve(false);
  }

  get hasNextPage(): boolean | Promise<boolean> {
    return this.window.backward ? this.farSide() : this.hasMore;
  }

  get hasPreviousPage(): boolean | Promise<boolean> {
    return this.window.backward ? this.hasMore : this.farSide();
  }

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges.at(-1)?.cursor ?? null;
  }
}

export interface ConnectionResult<T> {
  readonly edges: { cursor: string; node: T }[];
  readonly pageInfo: PageInfoShape;
  readonly totalCount: () => Promise<number>;
}

/**
 * Builds a connection from `size + 1` fetched rows. Whether rows exist on the far side of the
 * cursor is asked of `existsBeyondCursor` only if the client selects that pageInfo field.
 */
export function buildConnection<T>(
  rows: readonly T[],
  page: PageRequest,
  cursorOf: (row: T) => string,
  existsBeyondCursor: () => Promise<boolean>,
  totalCount: () => Promise<number>,
): ConnectionResult<T> {
  const hasMore = rows.length > page.size;
  const { backward } = page.window;
  // Going backward, the extra row is the first (oldest in scan order) one.
  const shown = hasMore ? (backward ? rows.slice(1) : rows.slice(0, page.size)) : rows;
  // Cursors are getters too: a list asking for nodes only (the common nested case) never
  // encodes one per row.
  const edges = shown.map((node) => new Edge(node, cursorOf));
  return {
    edges,
    pageInfo: new LazyPageInfo(edges, hasMore, page.window, existsBeyondCursor) as PageInfoShape,
    totalCount,
  };
}

/** The window that holds the cursor row and what lies beyond it, one row deep. */
export function beyondCursorWindow(page: PageRequest): KeysetWindow {
  return { limit: 1, backward: !page.window.backward, cursor: page.window.cursor, inclusive: true };
}

/** Complexity of a connection field: its children count once per row it may return. */
export function connectionComplexity(args: ConnectionArgs) {
  return { field: 1, multiplier: Math.max(1, args.first ?? args.last ?? DEFAULT_PAGE_SIZE) };
}
