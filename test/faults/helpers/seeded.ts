/** Kill moments are random but the same on every run: the core's seeded generator. */
export { mulberry32 as seeded } from '../../../src/core/rng.ts';
