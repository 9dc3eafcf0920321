/**
 * Markets of the sample with relative listener volumes (largest ≈ 100, smallest well under 1), so
 * the dataset has the very uneven market sizes real traffic has.
 */
export const SAMPLE_MARKETS: readonly (readonly [string, number])[] = [
  ['US', 100], ['BR', 46], ['GB', 31], ['DE', 28], ['MX', 27], ['FR', 19], ['JP', 17], ['IN', 16],
  ['ES', 13], ['CA', 12], ['IT', 11], ['ID', 10], ['PH', 9.5], ['AU', 8], ['NL', 7], ['AR', 6.8],
  ['TR', 6.2], ['PL', 6], ['CO', 5.5], ['SE', 5.2], ['CL', 4.5], ['ZA', 3.6], ['BE', 3.1], ['NO', 2.6],
  ['DK', 2.2], ['FI', 2], ['CH', 1.9], ['AT', 1.8], ['PT', 1.7], ['IE', 1.4], ['NZ', 1.2], ['CZ', 1.1],
  ['GR', 0.9], ['HU', 0.7], ['UY', 0.5], ['EE', 0.25], ['IS', 0.12], ['LU', 0.08],
];

export const SAMPLE_SURFACES = ['radio', 'autoplay', 'mix'] as const;
/** relative traffic of each surface */
export const SURFACE_TRAFFIC = [1.0, 1.4, 0.8] as const;
/** how much each surface raises or lowers a track's skip rate */
export const SURFACE_SKIP = [1.15, 1.0, 0.9] as const;
/** how often a campaign targets each surface */
export const SURFACE_TARGETED = [0.75, 0.6, 0.5] as const;
