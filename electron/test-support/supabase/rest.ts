import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { asRole, isPgError, type PgError } from './as-role';
import type { StandInContext } from './context';
import { BadBody, isObject, readJson, sendJson } from './http';
import type { JwtClaims } from './jwt';

/** The schemas PostgREST exposes on a Supabase project (db-schemas); helpers in others stay unreachable. */
const exposedSchemas = ['public', 'graphql_public'];

class RestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: string | null = null,
    readonly hint: string | null = null) {
    super(message);
  }
}

/** PostgREST's mapping of SQLSTATE to HTTP status (its "errors" reference), for what policies and functions raise. */
function statusForSqlState(code: string, role: string): number {
  // A function may pick the HTTP status itself with SQLSTATE PTxyz.
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  if (code === '42501') return role === 'anon' ? 401 : 403;
  if (code === '23505' || code === '23503' || code === '40001' || code === '40P01') return 409;
  if (code === '42883' || code === '42P01') return 404;
  if (code === 'P0001') return 400;
  if (code.startsWith('23') || code.startsWith('22') || code.startsWith('42') || code.startsWith('P0')) return 400;
  return 500;
}

function sendRestError(res: ServerResponse, status: number, body: { code: string; message: string; details: string | null; hint: string | null }) {
  sendJson(res, status, body);
}

const ident = (name: string) => pg.escapeIdentifier(name);

function schemaOf(req: IncomingMessage): string {
  const header = req.method === 'GET' || req.method === 'HEAD' ? req.headers['accept-profile'] : req.headers['content-profile'];
  const schema = typeof header === 'string' && header ? header : 'public';
  if (!exposedSchemas.includes(schema)) {
    throw new RestError(406, 'PGRST106', 'Invalid schema: ' + schema, null, `Only the following schemas are exposed: ${exposedSchemas.join(', ')}`);
  }
  return schema;
}

function preferences(req: IncomingMessage): Set<string> {
  const header = req.headers.prefer;
  const values = Array.isArray(header) ? header : header ? [header] : [];
  return new Set(values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean));
}

function wantsObject(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('application/vnd.pgrst.object+json');
}

async function tableColumns(ctx: StandInContext, schema: string, table: string): Promise<Map<string, string>> {
  const found = await ctx.pool.query<{ attname: string; type: string }>(
    `select a.attname, format_type(a.atttypid, a.atttypmod) as type
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'v', 'm', 'p', 'f') and a.attnum > 0 and not a.attisdropped
      order by a.attnum`, [schema, table]);
  if (!found.rowCount) {
    throw new RestError(404, 'PGRST205', `Could not find the table '${schema}.${table}' in the schema cache`);
  }
  return new Map(found.rows.map((row) => [row.attname, row.type]));
}

/** `select=a,b,alias:c,d::text` — columns only; embedded resources are beyond this stand-in. */
function selectList(select: string | null, columns: Map<string, string>, table: string): string {
  if (!select || select.trim() === '*') return '*';
  return select.split(',').map((item) => {
    const match = /^\s*(?:([A-Za-z_][\w]*):)?([A-Za-z_][\w]*|\*)(?:::([A-Za-z_][\w ]*))?\s*$/.exec(item);
    if (!match) throw new RestError(400, 'PGRST100', `"failed to parse select parameter (${select})"`, `unexpected "${item}"`);
    const [, alias, column, cast] = match as unknown as [string, string | undefined, string, string | undefined];
    if (column === '*') return '*';
    if (!columns.has(column)) throw new RestError(400, '42703', `column ${table}.${column} does not exist`);
    const expression = cast ? `${ident(column)}::${cast.replace(/[^\w ]/g, '')}` : ident(column);
    return alias ? `${expression} as ${ident(alias)}` : expression;
  }).join(', ');
}

const reservedParams = new Set(['select', 'order', 'limit', 'offset', 'on_conflict', 'columns']);

/** `in.(a,"b c")` → ['a', 'b c'], PostgREST's list syntax. */
function parseList(value: string): string[] {
  const inner = value.replace(/^\(/, '').replace(/\)$/, '');
  const items: string[] = [];
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*(?:,|$)/g;
  for (const match of inner.matchAll(pattern)) {
    if (match.index >= inner.length && match[0] === '') break;
    items.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? '').trim());
  }
  return items;
}

const comparisons: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'like', ilike: 'ilike' };

interface FilterScope {
  columns: Map<string, string>;
  table: string;
  params: unknown[];
}

const arrayOperators: Record<string, string> = { cs: '@>', cd: '<@', ov: '&&' };

/** One `op.value` (or `not.op.value`) filter on a column, as SQL over numbered parameters. */
function condition(column: string, raw: string, scope: FilterScope): string {
  if (!scope.columns.has(column)) throw new RestError(400, '42703', `column ${scope.table}.${column} does not exist`);
  let filter = raw;
  let negate = false;
  if (filter.startsWith('not.')) {
    negate = true;
    filter = filter.slice(4);
  }
  const dot = filter.indexOf('.');
  const operator = dot < 0 ? filter : filter.slice(0, dot);
  const value = dot < 0 ? '' : filter.slice(dot + 1);
  const target = ident(column);
  const { params } = scope;
  let sql: string;
  if (operator in comparisons) {
    params.push(operator === 'like' || operator === 'ilike' ? value.replaceAll('*', '%') : value);
    sql = `${target} ${comparisons[operator]} $${params.length}`;
  } else if (operator === 'in') {
    params.push(parseList(value));
    sql = `${target} = any($${params.length})`;
  } else if (operator in arrayOperators) {
    // `{a,b}` for arrays, JSON for jsonb; Postgres casts the text to the column's type.
    params.push(value);
    sql = `${target} ${arrayOperators[operator]} $${params.length}::${scope.columns.get(column)}`;
  } else if (operator === 'is') {
    const allowed: Record<string, string> = { null: 'null', true: 'true', false: 'false', unknown: 'unknown' };
    if (!(value.toLowerCase() in allowed)) throw new RestError(400, 'PGRST100', `"failed to parse filter (is.${value})"`);
    sql = `${target} is ${allowed[value.toLowerCase()]}`;
  } else {
    throw new RestError(400, 'PGRST100', `"failed to parse filter (${raw})"`, `unexpected "${operator}"`);
  }
  return negate ? `not (${sql})` : sql;
}

/** Splits `a.eq.1,and(b.gt.2,c.lt.3),d.in.("x,y",z)` at the commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '\\' && quoted) {
      current += char + (text[index + 1] ?? '');
      index++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '(') depth++;
    else if (!quoted && char === ')') depth--;
    if (char === ',' && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

/** `or=(…)` / `and=(…)`, nested as PostgREST allows: `or=(a.eq.1,not.and(b.gt.2,c.not.is.null))`. */
function logicTree(operator: 'or' | 'and', negate: boolean, raw: string, scope: FilterScope): string {
  if (!raw.startsWith('(') || !raw.endsWith(')')) throw new RestError(400, 'PGRST100', `"failed to parse logic tree (${raw})"`);
  const terms = splitTopLevel(raw.slice(1, -1)).map((term) => {
    const nested = /^(not\.)?(or|and)(\(.*\))$/s.exec(term);
    if (nested) return logicTree(nested[2] as 'or' | 'and', Boolean(nested[1]), nested[3]!, scope);
    const dot = term.indexOf('.');
    if (dot < 0) throw new RestError(400, 'PGRST100', `"failed to parse logic tree (${raw})"`);
    return condition(term.slice(0, dot), term.slice(dot + 1), scope);
  });
  if (!terms.length) throw new RestError(400, 'PGRST100', `"failed to parse logic tree (${raw})"`);
  const joined = `(${terms.join(` ${operator} `)})`;
  return negate ? `not ${joined}` : joined;
}

/** The horizontal filters (`col=op.value`, `or=(…)`, `and=(…)`), as SQL over numbered parameters. */
function whereClause(url: URL, columns: Map<string, string>, table: string, params: unknown[]): string {
  const scope: FilterScope = { columns, table, params };
  const conditions: string[] = [];
  for (const [key, raw] of url.searchParams) {
    if (reservedParams.has(key)) continue;
    const logic = /^(not\.)?(or|and)$/.exec(key);
    conditions.push(logic ? logicTree(logic[2] as 'or' | 'and', Boolean(logic[1]), raw, scope) : condition(key, raw, scope));
  }
  return conditions.length ? `where ${conditions.join(' and ')}` : '';
}

/** `order=a.desc.nullslast,b` */
function orderClause(order: string | null, columns: Map<string, string>, table: string): string {
  if (!order) return '';
  return 'order by ' + order.split(',').map((term) => {
    const [column = '', ...modifiers] = term.trim().split('.');
    if (!columns.has(column)) throw new RestError(400, '42703', `column ${table}.${column} does not exist`);
    const direction = modifiers.includes('desc') ? 'desc' : 'asc';
    const nulls = modifiers.includes('nullsfirst') ? ' nulls first' : modifiers.includes('nullslast') ? ' nulls last' : '';
    return `${ident(column)} ${direction}${nulls}`;
  }).join(', ');
}

function integerParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) throw new RestError(400, 'PGRST100', `"failed to parse ${name} parameter (${value})"`);
  return Number(value);
}

/** Rows as PostgREST answers: an array, or one object under `Accept: application/vnd.pgrst.object+json`. */
function sendRows(req: IncomingMessage, res: ServerResponse, status: number, rows: unknown[], headers: Record<string, string> = {}) {
  if (wantsObject(req)) {
    if (rows.length !== 1) {
      throw new RestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${rows.length} rows`);
    }
    return sendJson(res, status, rows[0], headers);
  }
  sendJson(res, status, rows, headers);
}

async function readTable(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, schema: string, table: string, url: URL) {
  const columns = await tableColumns(ctx, schema, table);
  const params: unknown[] = [];
  const where = whereClause(url, columns, table, params);
  const limit = integerParam(url, 'limit');
  const offset = integerParam(url, 'offset') ?? 0;
  const relation = `${ident(schema)}.${ident(table)}`;
  const sql = `select coalesce(json_agg(t), '[]'::json) as rows from (select ${selectList(url.searchParams.get('select'), columns, table)}
    from ${relation} ${where} ${orderClause(url.searchParams.get('order'), columns, table)}
    ${limit === undefined ? '' : `limit ${limit}`} offset ${offset}) t`;
  const countWanted = [...preferences(req)].some((value) => value === 'count=exact' || value === 'count=planned' || value === 'count=estimated');
  const { rows, total } = await asRole(ctx.pool, claims, async (db) => {
    const found = await db.query<{ rows: unknown[] }>(sql, params);
    const counted = countWanted ? await db.query<{ n: string }>(`select count(*) as n from ${relation} ${where}`, params) : undefined;
    return { rows: found.rows[0]!.rows, total: counted?.rows[0]?.n };
  });
  const range = rows.length ? `${offset}-${offset + rows.length - 1}` : '*';
  const headers = { 'content-range': `${range}/${total ?? '*'}` };
  if (req.method === 'HEAD') {
    res.writeHead(200, headers).end();
    return;
  }
  sendRows(req, res, 200, rows, headers);
}

async function primaryKey(ctx: StandInContext, schema: string, table: string): Promise<string[]> {
  const found = await ctx.pool.query<{ attname: string }>(
    `select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass and i.indisprimary`, [schema, table]);
  return found.rows.map((row) => row.attname);
}

async function writeTable(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, schema: string, table: string, url: URL) {
  const columns = await tableColumns(ctx, schema, table);
  const relation = `${ident(schema)}.${ident(table)}`;
  const prefer = preferences(req);
  const returning = prefer.has('return=representation');
  const body = req.method === 'DELETE' ? undefined : await readJson(req);
  const params: unknown[] = [];
  let sql: string;
  if (req.method === 'POST') {
    const records = Array.isArray(body) ? body : [body];
    if (!records.every(isObject)) throw new RestError(400, 'PGRST102', 'All object keys must match');
    for (const column of new Set(records.flatMap((record) => Object.keys(record)))) {
      if (!columns.has(column)) throw new RestError(400, 'PGRST204', `Could not find the '${column}' column of '${table}' in the schema cache`);
    }
    const merge = prefer.has('resolution=merge-duplicates');
    const conflictTarget = merge || prefer.has('resolution=ignore-duplicates')
      ? url.searchParams.get('on_conflict')?.split(',').map((column) => column.trim()) ?? await primaryKey(ctx, schema, table)
      : undefined;
    // `Prefer: missing=default` (supabase-js's default): a key a record leaves out gets the column default, so records
    // are inserted in runs that share their keys; without it, a missing key is null across the whole batch.
    const runs = prefer.has('missing=default') ? runsByKeys(records) : [records];
    const statements = runs.map((run) => {
      const given = [...new Set(run.flatMap((record) => Object.keys(record)))];
      const runParams = [JSON.stringify(run)];
      const list = given.map(ident).join(', ');
      let statement = given.length
        ? `insert into ${relation} (${list}) select ${list} from json_populate_recordset(null::${relation}, $1::json)`
        : `insert into ${relation} default values`;
      if (conflictTarget) {
        const updates = given.filter((column) => !conflictTarget.includes(column));
        statement += ` on conflict (${conflictTarget.map(ident).join(', ')}) ` + (merge && updates.length
          ? `do update set ${updates.map((column) => `${ident(column)} = excluded.${ident(column)}`).join(', ')}`
          : 'do nothing');
      }
      return { sql: statement, params: given.length ? runParams : [] };
    });
    return finishWrite(ctx, claims, req, res, statements, returning, columns, table, url);
  } else if (req.method === 'PATCH') {
    if (!isObject(body)) throw new RestError(400, 'PGRST102', 'Empty or invalid json');
    const given = Object.keys(body);
    for (const column of given) if (!columns.has(column)) throw new RestError(400, 'PGRST204', `Could not find the '${column}' column of '${table}' in the schema cache`);
    params.push(JSON.stringify(body));
    const assignments = given.map((column) => `${ident(column)} = (json_populate_record(null::${relation}, $1::json)).${ident(column)}`);
    sql = `update ${relation} set ${assignments.join(', ')} ${whereClause(url, columns, table, params)}`;
  } else {
    sql = `delete from ${relation} ${whereClause(url, columns, table, params)}`;
  }
  return finishWrite(ctx, claims, req, res, [{ sql, params }], returning, columns, table, url);
}

function runsByKeys(records: Record<string, unknown>[]): Record<string, unknown>[][] {
  const runs: Record<string, unknown>[][] = [];
  let previous = '';
  for (const record of records) {
    const keys = Object.keys(record).sort().join(',');
    if (runs.length && keys === previous) runs[runs.length - 1]!.push(record);
    else runs.push([record]);
    previous = keys;
  }
  return runs;
}

async function finishWrite(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse,
  statements: { sql: string; params: unknown[] }[], returning: boolean, columns: Map<string, string>, table: string, url: URL) {
  // Without return=representation PostgREST writes without RETURNING, so a row the caller may write but not read is fine.
  const picked = selectList(url.searchParams.get('select'), columns, table);
  const rows = await asRole(ctx.pool, claims, async (db) => {
    const all: unknown[] = [];
    for (const statement of statements) {
      if (!returning) {
        await db.query(statement.sql, statement.params);
        continue;
      }
      const result = await db.query<{ rows: unknown[] }>(
        `with changed as (${statement.sql} returning *) select coalesce(json_agg(t), '[]'::json) as rows from (select ${picked} from changed) t`,
        statement.params);
      all.push(...result.rows[0]!.rows);
    }
    return all;
  });
  const status = req.method === 'POST' ? 201 : returning ? 200 : 204;
  if (!returning) {
    res.writeHead(status, { 'content-range': `*/*` }).end();
    return;
  }
  sendRows(req, res, status, rows);
}

interface FunctionCandidate {
  argNames: string[];
  argTypes: string[];
  argModes: string[];
  defaults: number;
  returnsSet: boolean;
  returnType: string;
}

async function findFunction(ctx: StandInContext, schema: string, name: string, args: Record<string, unknown>): Promise<FunctionCandidate> {
  const found = await ctx.pool.query<{ names: string[] | null; types: string[]; modes: string[] | null; defaults: number; retset: boolean; rettype: string }>(
    `select p.proargnames as names, array(select format_type(t, null) from unnest(p.proargtypes) t) as types,
            p.proargmodes::text[] as modes, p.pronargdefaults as defaults, p.proretset as retset, format_type(p.prorettype, null) as rettype
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = $1 and p.proname = $2`, [schema, name]);
  const given = Object.keys(args);
  for (const row of found.rows) {
    const inNames = (row.names ?? []).filter((_, index) => !row.modes || ['i', 'b', 'v'].includes(row.modes[index] ?? 'i'));
    const required = inNames.slice(0, inNames.length - row.defaults);
    if (given.every((arg) => inNames.includes(arg)) && required.every((arg) => given.includes(arg))) {
      return { argNames: inNames, argTypes: row.types, argModes: row.modes ?? [], defaults: row.defaults, returnsSet: row.retset, returnType: row.rettype };
    }
  }
  const signature = given.join(', ');
  throw new RestError(404, 'PGRST202', `Could not find the function ${schema}.${name}${given.length ? `(${signature})` : ' without parameters'} in the schema cache`,
    `Searched for the function ${schema}.${name}${given.length ? ` with parameters ${signature}` : ' without parameters'} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`);
}

/** `POST /rpc/<fn>` with named arguments; the answer shaped as PostgREST shapes it for the return type. */
async function callFunction(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, schema: string, name: string, url: URL) {
  let args: Record<string, unknown>;
  if (req.method === 'GET' || req.method === 'HEAD') {
    args = Object.fromEntries(url.searchParams);
  } else {
    const body = await readJson(req);
    if (body !== undefined && !isObject(body)) throw new RestError(400, 'PGRST102', 'Empty or invalid json');
    args = body ?? {};
  }
  const fn = await findFunction(ctx, schema, name, args);
  const params: unknown[] = [];
  const named = Object.entries(args).map(([arg, value]) => {
    const type = fn.argTypes[fn.argNames.indexOf(arg)] ?? 'text';
    params.push(type === 'json' || type === 'jsonb' ? JSON.stringify(value) : value);
    return `${ident(arg)} => $${params.length}::${type}`;
  });
  const call = `${ident(schema)}.${ident(name)}(${named.join(', ')})`;
  const isVoid = fn.returnType === 'void';
  if (fn.returnsSet) {
    const result = await asRole(ctx.pool, claims, (db) => db.query<{ result: unknown[] }>(
      `select coalesce(json_agg(r), '[]'::json) as result from ${call} r`, params));
    return sendRows(req, res, 200, result.rows[0]?.result ?? []);
  }
  // A single value goes out as the text Postgres made: a pull of thousands of rows is not parsed and re-serialised.
  const result = await asRole(ctx.pool, claims, (db) => db.query<{ result: string | null }>(
    isVoid ? `select ${call}` : `select to_json(r)::text as result from ${call} r`, params));
  if (isVoid) {
    res.writeHead(204).end();
    return;
  }
  const text = result.rows[0]?.result ?? 'null';
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** `/rest/v1/*`: the PostgREST subset supabase-js and the app use, every statement as the caller's role. */
export async function handleRest(ctx: StandInContext, claims: JwtClaims, req: IncomingMessage, res: ServerResponse, route: string, url: URL) {
  try {
    const schema = schemaOf(req);
    const parts = route.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'rpc' && parts.length === 2) return await callFunction(ctx, claims, req, res, schema, parts[1]!, url);
    if (parts.length !== 1) throw new RestError(404, 'PGRST125', `Invalid path specified in request URL`);
    if (req.method === 'GET' || req.method === 'HEAD') return await readTable(ctx, claims, req, res, schema, parts[0]!, url);
    if (req.method === 'POST' || req.method === 'PATCH' || req.method === 'DELETE') return await writeTable(ctx, claims, req, res, schema, parts[0]!, url);
    throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${req.method}`);
  } catch (error) {
    if (error instanceof RestError) return sendRestError(res, error.status, { code: error.code, details: error.details, hint: error.hint, message: error.message });
    if (error instanceof BadBody) return sendRestError(res, 400, { code: 'PGRST102', details: null, hint: null, message: error.message });
    if (isPgError(error)) {
      const pgError: PgError = error;
      return sendRestError(res, statusForSqlState(pgError.code, claims.role), {
        code: pgError.code, details: pgError.detail ?? null, hint: pgError.hint ?? null, message: pgError.message,
      });
    }
    throw error;
  }
}
