import { describe, expect, it } from 'vitest';
import { solveMaster } from '../../src/scoring/allocate/master.ts';

describe('the restricted master LP', () => {
  // A master of the column generation on a real market (a simulated world's job, seed 2, day 6):
  // three surfaces (capacity rows 0-2 <= 1, skip rows 3-5 <= 0, convexity row 6 <= 1), six priced
  // responses. Column 3 touches skip row 3 with 3.3e-6: taking that tiny pivot at a degenerate tie
  // used to leave the simplex at w = 0, objective 0, while the optimum (HiGHS) is 0.0554145, and the
  // market's certificate failed the gate with primal 0 against a dual bound of 0.40.
  const c = [
    0.011805580595293536,
    0.06969350256473658,
    0.03652973079182314,
    0.05795586955603216,
    0.0247920977831187,
    0.03777782725732889,
  ];
  const a = [
    [0, 0.02304612104975081, 0, 0, 1, 0, 1],
    [0.025300122705595122, 0.02016535591853196, 1.1219182299182298, 3.343635762650146e-06, 0.8087075578620424, -0.1286326687696628, 1],
    [0.6174709997343488, 0.02016535591853196, 0.2837902837902838, -0.05874434697488723, 0.8087075578620424, 0.0025888238919526117, 1],
    [0.025300122705595122, 0, 1.1219182299182298, 3.343635762650146e-06, 0, -0.1286326687696628, 1],
    [0.6174709997343488, 0, 0.2837902837902838, -0.05874434697488723, 0, 0.0025888238919526117, 1],
    [0.5763583003377567, 0, 0.1539201539201539, -0.05060532440588404, 0, -0.009081594994723975, 1],
  ];
  const b = [1, 1, 1, 0, 0, 0, 1];

  it('finds the optimum through degenerate ties on the skip rows', () => {
    const r = solveMaster(c, a, b);
    expect(r.objective).toBeCloseTo(0.05541446863667954, 12);
    expect(r.w[3]).toBeCloseTo(0.8740511650371585, 9);
    expect(r.w[5]).toBeCloseTo(0.12594883496284132, 9);
    // feasible, row by row
    for (let i = 0; i < b.length; i++) {
      let lhs = 0;
      for (let j = 0; j < c.length; j++) lhs += a[j][i] * r.w[j];
      expect(lhs).toBeLessThanOrEqual(b[i] + 1e-12);
    }
    // and the same with the first five columns only: never worse than a sub-master
    const five = solveMaster(c.slice(0, 5), a.slice(0, 5), b);
    expect(five.objective).toBeLessThanOrEqual(r.objective + 1e-15);
    for (let i = 0; i < b.length; i++) {
      let lhs = 0;
      for (let j = 0; j < 5; j++) lhs += a[j][i] * five.w[j];
      expect(lhs).toBeLessThanOrEqual(b[i] + 1e-12);
    }
  });
});
