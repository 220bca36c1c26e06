// Fails when modules import each other in a loop. A cycle makes load order
// matter (a value read before its module finished evaluating is undefined)
// and means two files are one concept split badly. Type-only imports count
// too: they still tie the two files' meaning together.
import fs from 'node:fs';
import path from 'node:path';
import { root } from './workers.mjs';

const SOURCE_DIRS = ['src', 'common', 'workers', 'consistency'];
const EXTENSIONS = ['.ts', '.tsx', '.mjs', '.js'];
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return EXTENSIONS.includes(path.extname(entry.name)) && !entry.name.endsWith('.d.ts')
      ? [full]
      : [];
  });
}

function resolve(from, specifier) {
  let base;
  if (specifier.startsWith('@common/')) base = path.join(root, 'common', specifier.slice(8));
  else if (specifier.startsWith('.')) base = path.resolve(path.dirname(from), specifier);
  else return undefined;
  for (const candidate of [base, ...EXTENSIONS.map((e) => base + e), path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Strongly connected components with more than one file (or a self-import): Tarjan. */
export function cycles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const found = [];
  const visit = (node) => {
    meta.set(node, { index, low: index, onStack: true });
    index++;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!meta.has(next)) {
        visit(next);
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).low);
      } else if (meta.get(next).onStack) {
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).index);
      }
    }
    if (meta.get(node).low === meta.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        meta.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node)) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!meta.has(node)) visit(node);
  return found;
}

export function importGraph(dirs = SOURCE_DIRS) {
  const graph = new Map();
  for (const file of dirs.flatMap((d) => sourceFiles(path.join(root, d)))) {
    const text = fs.readFileSync(file, 'utf8');
    const targets = new Set();
    for (const match of text.matchAll(IMPORT)) {
      const target = resolve(file, match[1] ?? match[2]);
      if (target) targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const graph = importGraph();
  const found = cycles(graph);
  for (const component of found) {
    console.error(`import cycle: ${component.map((f) => path.relative(root, f)).join(' ↔ ')}`);
  }
  console.log(`${graph.size} modules, ${found.length} import cycles`);
  process.exit(found.length ? 1 : 0);
}
