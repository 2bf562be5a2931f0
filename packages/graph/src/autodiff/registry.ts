/** One map from op type to gradient rule, merged from the per-family tables. */
import { GradRule, RuleTable } from './rule';
import { convRules } from './rules/conv';
import { elementwiseRules } from './rules/elementwise';
import { matmulRules } from './rules/matmul';
import { normRules } from './rules/norm';
import { reduceRules } from './rules/reduce';
import { resizeRules } from './rules/resize';
import { shapeRules } from './rules/shape';

function merge(tables: Record<string, RuleTable>): ReadonlyMap<string, GradRule> {
  const rules = new Map<string, GradRule>();
  const owner = new Map<string, string>();
  for (const [family, table] of Object.entries(tables)) {
    for (const [op, rule] of Object.entries(table)) {
      if (rules.has(op)) throw new Error(`gradient rule for '${op}' is claimed by both ${owner.get(op)} and ${family}`);
      rules.set(op, rule);
      owner.set(op, family);
    }
  }
  return rules;
}

export const GRADIENT_RULES = merge({
  conv: convRules,
  elementwise: elementwiseRules,
  matmul: matmulRules,
  norm: normRules,
  reduce: reduceRules,
  resize: resizeRules,
  shape: shapeRules,
});
