/** The HiGHS wasm solver as the tests and the benchmark use it (its typings do not fit NodeNext's view of the package). */
import * as highsModule from 'highs';

export interface HighsResult {
  Status: string;
  ObjectiveValue: number;
}
export interface HighsSolver {
  solve(lp: string, options?: Record<string, unknown>): HighsResult;
}
type Loader = () => Promise<HighsSolver>;
const mod = highsModule as unknown as { default?: Loader };

export function loadHighs(): Promise<HighsSolver> {
  const loader = mod.default ?? (highsModule as unknown as Loader);
  return loader();
}
