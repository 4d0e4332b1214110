import { type IDataObject, type IExecuteFunctions, isExpression } from 'n8n-workflow';

/**
 * Per-item parameter reads at the cost they need. `getNodeParameter` resolves the value for every
 * call, and an expression costs a workflow data proxy and a sandboxed evaluation (~0.1 ms): on a
 * 1,000-item batch a few of them outweigh the node's database work. So a reader
 * - reads a value without any expression once (it cannot vary by item);
 * - reads a parameter still at its default expression over the item (`itemDefault`) from the
 *   item with the equivalent TypeScript;
 * - evaluates anything else — an expression the user wrote — per item, as n8n would.
 */
export interface ParameterReader<T> {
  (itemIndex: number): T;
  /** The same value for every item. */
  fixed: boolean;
}

/** A parameter's default expression (its `default` in description.ts) and what it reads from the item. */
export interface ItemDefault {
  expression: string;
  read(json: IDataObject): unknown;
}

export function parameterReader<T>(fn: IExecuteFunctions, name: string, fallback: T, itemDefault?: ItemDefault): ParameterReader<T> {
  const raw = fn.getNodeParameter(name, 0, fallback, { rawExpressions: true });
  if (itemDefault && raw === itemDefault.expression) {
    const items = fn.getInputData();
    return Object.assign((i: number) => itemDefault.read(items[i].json) as T, { fixed: false });
  }
  if (!holdsExpression(raw)) {
    const value = fn.getNodeParameter(name, 0, fallback) as T;
    return Object.assign(() => value, { fixed: true });
  }
  return Object.assign((i: number) => fn.getNodeParameter(name, i, fallback) as T, { fixed: false });
}

function holdsExpression(value: unknown): boolean {
  if (isExpression(value)) return true;
  if (Array.isArray(value)) return value.some(holdsExpression);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsExpression);
  return false;
}
