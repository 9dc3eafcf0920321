/**
 * Google's SQL analyzer (ZetaSQL, the GoogleSQL frontend) for the tests: the `remote_server` binary
 * that the npm package `@fivetrandevelopers/zetasql` ships in its tarball, started on a free loopback
 * port and stopped by its PID, spoken to over gRPC with the package's own protos. Nothing is
 * downloaded and the package needs no install script: its tarball carries the binaries, executable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
const PACKAGE_DIR = dirname(require.resolve('@fivetrandevelopers/zetasql/package.json'));
const PROTOS = join(PACKAGE_DIR, 'lib', 'zetasql', 'protos');

/** The binary for this platform, named as the package's own runServer names it. */
export function serverBinary(): string {
  const name = `remote_server${process.arch.startsWith('arm') ? '_arm' : ''}${process.platform === 'darwin' ? '' : '.so'}`;
  const path = join(PACKAGE_DIR, 'lib', 'zetasql', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: @fivetrandevelopers/zetasql ships no ZetaSQL server for ${process.platform}-${process.arch}`);
  return path;
}

export interface TypeProto {
  typeKind: string;
  arrayType?: { elementType: TypeProto };
}

/** An analysis error as the server reports it: the message and the 1-based line and column. */
export class AnalysisError extends Error {
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(message: string, line: number | undefined, column: number | undefined) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

export interface ZetaSql {
  /** BigQuery's language options: the server's maximum feature set in external product mode */
  languageOptions: Record<string, unknown>;
  /** registers a catalog (with BigQuery's builtin functions) once; returns its id for analyze */
  register(catalog: Record<string, unknown>): Promise<string>;
  /** resolves one statement against a registered catalog with typed named parameters; throws AnalysisError */
  analyze(sql: string, catalogId: string, params: Record<string, TypeProto>): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function call<T>(client: any, method: string, req: unknown, deadlineMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => client[method](req, { deadline: Date.now() + deadlineMs }, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startZetaSql(): Promise<ZetaSql> {
  const port = await freePort();
  const child = spawn(serverBinary(), ['127.0.0.1', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  // a test run that dies must not leave the server behind
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);

  const def = loadSync('local_service.proto', { includeDirs: [PROTOS], keepCase: false, enums: String, longs: String, defaults: false, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const client = new pkg.zetasql.local_service.ZetaSqlLocalService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const stop = async () => {
    client.close();
    await stopProcess(child);
    process.removeListener('exit', onExit);
  };
  try {
    let max: { enabledLanguageFeatures?: string[] } | undefined;
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`the ZetaSQL server exited with ${child.exitCode}: ${output.trim()}`);
      try {
        max = await call(client, 'getLanguageOptions', { maximumFeatures: true }, 2_000);
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== grpc.status.UNAVAILABLE && (err as { code?: number }).code !== grpc.status.DEADLINE_EXCEEDED) throw err;
        if (i >= 100) throw new Error(`the ZetaSQL server did not answer on 127.0.0.1:${port}: ${output.trim()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const languageOptions = {
      // BigQuery is ZetaSQL's external product mode (FLOAT64, no internal-only types or functions)
      productMode: 'PRODUCT_EXTERNAL',
      nameResolutionMode: 'NAME_RESOLUTION_DEFAULT',
      enabledLanguageFeatures: max?.enabledLanguageFeatures ?? [],
    };
    return {
      languageOptions,
      async register(catalog) {
        const res = await call<{ registeredId: string }>(client, 'registerCatalog', { simpleCatalog: { ...catalog, builtinFunctionOptions: { languageOptions } } });
        return res.registeredId;
      },
      async analyze(sql, catalogId, params) {
        try {
          await call(client, 'analyze', {
            sqlStatement: sql,
            registeredCatalogId: catalogId,
            options: {
              languageOptions,
              errorMessageMode: 'ERROR_MESSAGE_ONE_LINE',
              parameterMode: 'PARAMETER_NAMED',
              queryParameters: Object.entries(params).map(([name, type]) => ({ name, type })),
            },
          });
        } catch (err) {
          const details = String((err as { details?: string }).details ?? (err as Error).message);
          const at = /\[at (\d+):(\d+)\]/.exec(details);
          throw new AnalysisError(details, at ? Number(at[1]) : undefined, at ? Number(at[2]) : undefined);
        }
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
