/**
 * One embedded engine for a whole simulation: the world's tables as generated (catalog `world`),
 * and per policy a catalog whose contract tables are views over the world's, except that its
 * `engagement_daily` adds the rows its own flight has produced so far. The job runs on a policy's
 * catalog through the ordinary DuckDB warehouse port, so it reads the same SQL as in production,
 * without reopening an engine or regenerating data each simulated day.
 */
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ChunkAppender, createIdTable, createNumericTable, type ColumnType } from '../warehouse/duckdb/chunks.ts';
import { openDuckDB, sqlString } from '../warehouse/duckdb/engine.ts';
import { DuckDBWarehouse } from '../warehouse/duckdb/warehouse.ts';
import { CONTRACT_TABLE_NAMES } from '../warehouse/tables.ts';
import { SAMPLE_SURFACES } from '../sample/markets.ts';
import type { Warehouse } from '../warehouse/port.ts';

export interface PolicyCatalog {
  name: string;
  conn: DuckDBConnection;
  warehouse: Warehouse;
  stage: ChunkAppender;
}

/** One day's engagement rows of a policy, by index (track, market, surface as the world numbers them). */
export interface EngagementRows {
  n: number;
  day: Int32Array;
  track: Int32Array;
  market: Int32Array;
  surface: Int32Array;
  promoted: Uint8Array;
  impressions: Int32Array;
  streams: Int32Array;
  skips: Int32Array;
  saves: Int32Array;
  completions: Int32Array;
}

const STAGE_COLUMNS: [string, ColumnType][] = [
  ['day', 'INTEGER'], ['track', 'INTEGER'], ['market', 'INTEGER'], ['surface', 'INTEGER'], ['promoted', 'BOOLEAN'],
  ['impressions', 'INTEGER'], ['streams', 'INTEGER'], ['skips', 'INTEGER'], ['saves', 'INTEGER'], ['completions', 'INTEGER'],
];

export class SimulationEngine {
  private readonly policies = new Map<string, PolicyCatalog>();

  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;

  private constructor(
    instance: DuckDBInstance,
    conn: DuckDBConnection,
  ) {
    this.instance = instance;
    this.conn = conn;
  }

  /** Loads the generated sample (one <table>.parquet per contract table) into the world catalog. */
  static async open(sampleDir: string, ids: { tracks: readonly string[]; markets: readonly string[] }, threads?: number): Promise<SimulationEngine> {
    const { instance, conn } = await openDuckDB(':memory:', { threads });
    const engine = new SimulationEngine(instance, conn);
    await conn.run(`ATTACH ':memory:' AS world`);
    await conn.run('USE world');
    for (const t of CONTRACT_TABLE_NAMES) {
      const file = sqlString(join(sampleDir, `${t}.parquet`));
      // the history as generated (key by key): sorting it by date cost more at load (8 s of 11 at scale 1)
      // than the window filter's skipped row groups ever saved (the window holds 28 of its 35 days), and
      // the features are integer sums, the same whatever the row order
      await conn.run(`CREATE TABLE ${t === 'engagement_daily' ? 'engagement_history' : t} AS SELECT * FROM read_parquet(${file})`);
    }
    await createIdTable(conn, 'track_ids', ids.tracks);
    await createIdTable(conn, 'market_ids', ids.markets);
    await createIdTable(conn, 'surface_ids', SAMPLE_SURFACES);
    return engine;
  }

  /** Rows of a world table (small ones: capacity). */
  async rows(sql: string): Promise<unknown[][]> {
    return (await this.conn.runAndReadAll(sql)).getRows() as unknown[][];
  }

  /** A catalog for one policy: the world's tables, and an engagement_daily of its own. */
  async addPolicy(name: string): Promise<PolicyCatalog> {
    const catalog = `p${this.policies.size}`;
    await this.conn.run(`ATTACH ':memory:' AS ${catalog}`);
    const conn = await this.instance.connect();
    await conn.run(`USE ${catalog}`);
    for (const t of CONTRACT_TABLE_NAMES) {
      if (t === 'engagement_daily') continue;
      await conn.run(`CREATE VIEW ${t} AS SELECT * FROM world.main.${t}`);
    }
    await conn.run(`CREATE TABLE flight_engagement AS SELECT * FROM world.main.engagement_history LIMIT 0`);
    await conn.run(`CREATE VIEW engagement_daily AS SELECT * FROM world.main.engagement_history UNION ALL SELECT * FROM flight_engagement`);
    await createNumericTable(conn, 'flight_stage', STAGE_COLUMNS);
    const stage = await ChunkAppender.open(conn, 'flight_stage', STAGE_COLUMNS.map(([, t]) => t));
    const warehouse = await DuckDBWarehouse.onConnection(`duckdb:simulated/${name}`, conn);
    const p: PolicyCatalog = { name, conn, warehouse, stage };
    this.policies.set(name, p);
    return p;
  }

  /** Appends a day's rows to the policy's engagement_daily (ids joined in the engine, not per row in JS). */
  async append(p: PolicyCatalog, rows: EngagementRows): Promise<void> {
    // numbers go in as whole data chunks copied from the typed arrays: no value per cell crosses over
    p.stage.appendAll([rows.day, rows.track, rows.market, rows.surface, rows.promoted, rows.impressions, rows.streams, rows.skips, rows.saves, rows.completions], rows.n);
    p.stage.flush();
    await p.conn.run(`INSERT INTO flight_engagement
      SELECT DATE '1970-01-01' + f.day, t.id, m.id, s.id, f.promoted, f.impressions, f.streams, f.skips, f.saves, f.completions
      FROM flight_stage f JOIN world.main.track_ids t ON t.idx = f.track JOIN world.main.market_ids m ON m.idx = f.market
        JOIN world.main.surface_ids s ON s.idx = f.surface`);
    await p.conn.run('DELETE FROM flight_stage');
  }

  async close(): Promise<void> {
    for (const p of this.policies.values()) {
      p.stage.close();
      await p.warehouse.close();
      p.conn.closeSync();
    }
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
