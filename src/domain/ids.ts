/**
 * Relay global IDs: base64 of `Type:dbId` (the Pothos relay default), shared by the API and the
 * jobs that report ids. Decoding validates the type name and the id, so garbage is
 * BAD_USER_INPUT and never reaches SQL.
 */
import { badInput } from './errors.js';

export type NodeTypeName = 'User' | 'Category' | 'Expense' | 'Job' | 'Export';

export const NODE_TYPES: ReadonlySet<string> = new Set<NodeTypeName>([
  'User',
  'Category',
  'Expense',
  'Job',
  'Export',
]);

export function encodeGlobalId(type: NodeTypeName, id: number): string {
  return Buffer.from(`${type}:${id}`).toString('base64');
}

const DB_ID = /^[1-9]\d{0,15}$/;

/** Splits a global ID into type and numeric id, or null when it is not one of ours. */
export function parseGlobalId(value: string): { typename: NodeTypeName; id: number } | null {
  if (!/^[A-Za-z0-9+/]+=*$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const [typename, id, ...rest] = decoded.split(':');
  if (rest.length > 0 || !typename || !id || !NODE_TYPES.has(typename) || !DB_ID.test(id)) {
    return null;
  }
  return { typename: typename as NodeTypeName, id: Number(id) };
}

/** The db id in a global ID of the expected type, or null. */
export function decodeId(value: string, type: NodeTypeName): number | null {
  const parsed = parseGlobalId(value);
  return parsed?.typename === type ? parsed.id : null;
}

/** Like decodeId, but a wrong type or garbage is a BAD_USER_INPUT error naming the field. */
export function requireId(value: string, type: NodeTypeName, field: string): number {
  const id = decodeId(value, type);
  if (id === null) throw badInput(`${field} must be the ID of a ${type}`, field);
  return id;
}
