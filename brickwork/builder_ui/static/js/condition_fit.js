// Whether the filter builder (views_filter.js) can show a condition AST without losing any of
// it, and a condition in its simplest form. Shared by the form and rule designers.
export const GROUPS = ["AND", "OR"];
const MAX_DEPTH = 2;  // as deep as the filter builder nests

function fitsRow(ast, byId) {
  const [first, ...rest] = ast?.args || [];
  const known = first && typeof first.ref === "string" && !first.path && byId[first.ref];
  if (!known || !known.operators.includes(ast.fn)) return false;
  if (!rest.every((a) => a && "lit" in a && a.lit !== null && typeof a.lit !== "object")) return false;
  if (ast.fn === "ISBLANK") return rest.length === 0;
  return ast.fn === "IN" ? rest.length >= 1 : rest.length === 1;
}

function fitsGroup(ast, byId, depth) {
  return depth <= MAX_DEPTH && ast.args.length > 0 &&
    ast.args.every((a) => (GROUPS.includes(a?.fn) ? fitsGroup(a, byId, depth + 1) : fitsRow(a, byId)));
}

// Whether the builder can show this AST without losing any of it.
export function fitsBuilder(ast, fields) {
  if (!ast || typeof ast !== "object") return false;
  const byId = Object.fromEntries(fields.map((f) => [f.id, f]));
  return GROUPS.includes(ast.fn) ? fitsGroup(ast, byId, 0) : fitsRow(ast, byId);
}

// A group of one condition is that condition: `stage = "lost"`, not `AND(stage = "lost")`.
export function simplest(ast) {
  return ast && GROUPS.includes(ast.fn) && ast.args.length === 1 ? simplest(ast.args[0]) : ast;
}

