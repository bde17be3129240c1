/** Relay global IDs, base64 of `Type:dbId`: shared by the API and the jobs that report ids. */
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
