/**
 * `lev replay --diff --schema NAME` (DESIGN §9): compares a rebuilt read-model schema with the live one row by row
 * — every table of either schema, every row, matched by primary key, every column compared as Postgres prints it
 * (exact for numeric, json, arrays and timestamps) — and reports the first differences of each table. Columns that
 * record when a row was written rather than what the events say (`checkpoints.updated_at`,
 * `schema_migrations.applied_at`) are not compared.
 *
 * Runs in one read-only repeatable-read transaction, so both schemas are read at one instant.
 */
import pg from 'pg';
import { type PgPool, withTransaction } from '../db/index.ts';

/** Columns that carry wall-clock write times, not event content. */
export const UNCOMPARED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  checkpoints: ['updated_at'],
  schema_migrations: ['applied_at'],
};

export type RowDifference =
  | { kind: 'only'; in: string; key: Record<string, string | null> }
  | {
      kind: 'changed';
      key: Record<string, string | null>;
      columns: { column: string; left: string | null; right: string | null }[];
    };

export type TableDiff = {
  table: string;
  /** Set when the table exists in one schema only. */
  onlyIn?: string;
  /** Columns present on one side only. */
  columnsOnlyIn: { schema: string; columns: string[] }[];
  rows: { left: number; right: number };
  /** How many rows differ (missing on one side or changed). */
  differing: number;
  /** The first differences, by primary key. */
  first: RowDifference[];
};

export type SchemaDiff = {
  left: string;
  right: string;
  tables: TableDiff[];
  /** Lowest checkpoint position per schema (null: no checkpoints table). */
  positions: { left: string | null; right: string | null };
  /** Whether anything differs. */
  different: boolean;
};

type ColumnInfo = { name: string; type: string };

async function tablesOf(c: pg.PoolClient, schema: string): Promise<Map<string, ColumnInfo[]>> {
  const { rows } = await c.query<{ table_name: string; column_name: string; data_type: string }>(
    `select c.table_name, c.column_name, c.data_type
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = $1 and t.table_type = 'BASE TABLE'
      order by c.table_name, c.ordinal_position`,
    [schema],
  );
  const out = new Map<string, ColumnInfo[]>();
  for (const r of rows) {
    const cols = out.get(r.table_name) ?? [];
    cols.push({ name: r.column_name, type: r.data_type });
    out.set(r.table_name, cols);
  }
  return out;
}

async function primaryKey(c: pg.PoolClient, schema: string, table: string): Promise<string[]> {
  const { rows } = await c.query<{ column_name: string }>(
    `select a.attname as column_name
       from pg_index i
       join pg_class t on t.oid = i.indrelid
       join pg_namespace n on n.oid = t.relnamespace
       join unnest(i.indkey) with ordinality as k(attnum, ord) on true
       join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
      where i.indisprimary and n.nspname = $1 and t.relname = $2
      order by k.ord`,
    [schema, table],
  );
  return rows.map((r) => r.column_name);
}

async function lowestCheckpoint(c: pg.PoolClient, schema: string, has: boolean): Promise<string | null> {
  if (!has) return null;
  const { rows } = await c.query<{ p: string | null }>(
    `select min(position)::text as p from ${pg.escapeIdentifier(schema)}.checkpoints`,
  );
  return rows[0]?.p ?? null;
}

/**
 * Compares every table of `left` and `right` (schemas on `pool`'s database). Lists at most `maxRowsPerTable`
 * differences per table, plus their count.
 */
export async function diffSchemas(
  pool: PgPool,
  left: string,
  right: string,
  opts: { maxRowsPerTable?: number } = {},
): Promise<SchemaDiff> {
  const max = opts.maxRowsPerTable ?? 5;
  return withTransaction(
    pool,
    async (c) => {
      const L = await tablesOf(c, left);
      const R = await tablesOf(c, right);
      const names = [...new Set([...L.keys(), ...R.keys()])].sort();
      const tables: TableDiff[] = [];
      for (const table of names) {
        const lc = L.get(table);
        const rc = R.get(table);
        if (!lc || !rc) {
          const onlyIn = lc ? left : right;
          const { rows } = await c.query<{ n: string }>(
            `select count(*)::text as n from ${pg.escapeIdentifier(onlyIn)}.${pg.escapeIdentifier(table)}`,
          );
          const n = Number(rows[0]?.n ?? 0);
          tables.push({
            table,
            onlyIn,
            columnsOnlyIn: [],
            rows: { left: lc ? n : 0, right: rc ? n : 0 },
            differing: n,
            first: [],
          });
          continue;
        }
        tables.push(await diffTable(c, { left, right, table, lc, rc, max }));
      }
      const positions = {
        left: await lowestCheckpoint(c, left, L.has('checkpoints')),
        right: await lowestCheckpoint(c, right, R.has('checkpoints')),
      };
      const different = tables.some((t) => t.onlyIn || t.columnsOnlyIn.length > 0 || t.differing > 0);
      return { left, right, tables, positions, different };
    },
    'isolation level repeatable read read only',
  );
}

async function diffTable(
  c: pg.PoolClient,
  o: { left: string; right: string; table: string; lc: ColumnInfo[]; rc: ColumnInfo[]; max: number },
): Promise<TableDiff> {
  const skip = new Set(UNCOMPARED_COLUMNS[o.table] ?? []);
  const rightNames = new Set(o.rc.map((x) => x.name));
  const leftNames = new Set(o.lc.map((x) => x.name));
  const columnsOnlyIn = [
    { schema: o.left, columns: o.lc.map((x) => x.name).filter((n) => !rightNames.has(n) && !skip.has(n)) },
    { schema: o.right, columns: o.rc.map((x) => x.name).filter((n) => !leftNames.has(n) && !skip.has(n)) },
  ].filter((x) => x.columns.length > 0);
  const common = o.lc.map((x) => x.name).filter((n) => rightNames.has(n) && !skip.has(n));
  const lt = `${pg.escapeIdentifier(o.left)}.${pg.escapeIdentifier(o.table)}`;
  const rt = `${pg.escapeIdentifier(o.right)}.${pg.escapeIdentifier(o.table)}`;
  const q = pg.escapeIdentifier;

  const { rows: counts } = await c.query<{ l: string; r: string }>(
    `select (select count(*) from ${lt})::text as l, (select count(*) from ${rt})::text as r`,
  );
  const rows = { left: Number(counts[0]?.l ?? 0), right: Number(counts[0]?.r ?? 0) };
  const pk = (await primaryKey(c, o.left, o.table)).filter((k) => common.includes(k));
  // Without a usable primary key, every compared column is the key (a multiset comparison).
  const key = pk.length > 0 ? pk : common;
  const rest = common.filter((n) => !key.includes(n));
  const text = (alias: string, col: string) => `${alias}.${q(col)}::text`;
  const keyExpr = key.map((k) => `coalesce(${text('l', k)}, ${text('r', k)}) as ${q(`k_${k}`)}`);
  const restExpr = rest.flatMap((n) => [
    `${text('l', n)} as ${q(`l_${n}`)}`,
    `${text('r', n)} as ${q(`r_${n}`)}`,
  ]);
  const rowOf = (alias: string) => `row(${common.map((n) => `${alias}.${q(n)}::text`).join(', ')})::text`;
  const orderBy = key.map((k) => `coalesce(l.${q(k)}, r.${q(k)})`).join(', ');

  let sql: string;
  if (pk.length > 0) {
    const on = key.map((k) => `l.${q(k)} = r.${q(k)}`).join(' and ');
    sql = `select (l.${q(key[0]!)} is not null) as in_l, (r.${q(key[0]!)} is not null) as in_r,
                  ${[...keyExpr, ...restExpr].join(', ')}, count(*) over () as total
             from ${lt} l full outer join ${rt} r on ${on}
            where l.${q(key[0]!)} is null or r.${q(key[0]!)} is null or ${rowOf('l')} is distinct from ${rowOf('r')}
            order by ${orderBy}
            limit ${o.max}`;
  } else {
    // Rows of each side not matched by the other (EXCEPT ALL both ways), shown by their full content.
    const cols = common.map((n) => `${q(n)}::text as ${q(`k_${n}`)}`).join(', ');
    sql = `with a as (select ${cols} from ${lt} except all select ${cols} from ${rt}),
                b as (select ${cols} from ${rt} except all select ${cols} from ${lt}),
                u as (select true as in_l, false as in_r, * from a union all select false, true, * from b)
           select *, count(*) over () as total from u order by ${common.map((n) => q(`k_${n}`)).join(', ')}
           limit ${o.max}`;
  }
  const res = await c.query<Record<string, string | boolean | null>>(sql);
  const first: RowDifference[] = res.rows.map((r) => {
    const k = Object.fromEntries(key.map((n) => [n, (r[`k_${n}`] as string | null) ?? null]));
    if (!r['in_l'] || !r['in_r']) return { kind: 'only', in: r['in_l'] ? o.left : o.right, key: k };
    const columns = rest
      .map((n) => ({
        column: n,
        left: (r[`l_${n}`] as string | null) ?? null,
        right: (r[`r_${n}`] as string | null) ?? null,
      }))
      .filter((x) => x.left !== x.right);
    return { kind: 'changed', key: k, columns };
  });
  return {
    table: o.table,
    columnsOnlyIn,
    rows,
    differing: Number(res.rows[0]?.['total'] ?? 0),
    first,
  };
}

const show = (v: string | null) =>
  v === null ? 'null' : JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
const keyText = (k: Record<string, string | null>) =>
  Object.entries(k)
    .map(([n, v]) => `${n}=${v ?? 'null'}`)
    .join(' ');

/** The report lines (no trailing newline). Pure. */
export function formatSchemaDiff(d: SchemaDiff): string {
  const lines: string[] = [];
  lines.push(
    `comparing ${d.left} (at position ${d.positions.left ?? '?'}) with ${d.right} (at position ${d.positions.right ?? '?'}): ${d.tables.length} tables`,
  );
  if (d.positions.left !== d.positions.right) {
    lines.push(
      `note: the schemas are at different log positions (${d.left} ${d.positions.left ?? '?'}, ${d.right} ${d.positions.right ?? '?'}); rows written after the lower one differ as expected`,
    );
  }
  let rowsCompared = 0;
  for (const t of d.tables) {
    rowsCompared += Math.max(t.rows.left, t.rows.right);
    if (t.onlyIn) {
      lines.push(`${t.table}: only in ${t.onlyIn} (${t.differing} rows)`);
      continue;
    }
    for (const x of t.columnsOnlyIn)
      lines.push(`${t.table}: columns only in ${x.schema}: ${x.columns.join(', ')}`);
    if (t.differing === 0) continue;
    lines.push(
      `${t.table}: ${t.differing} row${t.differing === 1 ? ' differs' : 's differ'} (${d.left} ${t.rows.left} rows, ${d.right} ${t.rows.right} rows)`,
    );
    for (const r of t.first) {
      if (r.kind === 'only') lines.push(`  ${t.table} ${keyText(r.key)}: only in ${r.in}`);
      else {
        for (const c of r.columns) {
          lines.push(
            `  ${t.table} ${keyText(r.key)}: ${c.column}: ${d.left} ${show(c.left)} ≠ ${d.right} ${show(c.right)}`,
          );
        }
      }
    }
    if (t.differing > t.first.length) lines.push(`  … ${t.differing - t.first.length} more in ${t.table}`);
  }
  if (!d.different) lines.push(`no difference (${d.tables.length} tables, ${rowsCompared} rows)`);
  return lines.join('\n');
}
