import { SymDim, dimEquals, dimToString, divDim, evalDim, isStatic, mulDim, numel, shapeToString } from '../../src/ir/dim';

const H = SymDim.of('H');
const W = SymDim.of('W');
const N = SymDim.of('N');

describe('SymDim construction and printing', () => {
  test('SymDim.of(H) prints as H', () => {
    expect(H.toString()).toBe('H');
    expect(dimToString(H)).toBe('H');
  });

  test('a static dim prints as its number', () => {
    expect(dimToString(48)).toBe('48');
  });

  test('shapeToString [N,3,H,W]', () => {
    expect(shapeToString([N, 3, H, W])).toBe('[N,3,H,W]');
  });
});

describe('mulDim', () => {
  test('static 3 * 4 = 12 (a plain number)', () => {
    expect(mulDim(3, 4)).toBe(12);
  });

  test('H * W prints as H*W', () => {
    expect(dimToString(mulDim(H, W))).toBe('H*W');
  });

  test('W * H prints as H*W (symbols sorted)', () => {
    expect(dimToString(mulDim(W, H))).toBe('H*W');
  });

  test('2 * H prints as 2*H', () => {
    expect(dimToString(mulDim(2, H))).toBe('2*H');
  });

  test('H * H prints as H^2', () => {
    expect(dimToString(mulDim(H, H))).toBe('H^2');
  });

  test('(H/2) * 2 is H again', () => {
    const back = mulDim(divDim(H, 2), 2);
    expect(dimToString(back)).toBe('H');
    expect(dimEquals(back, H)).toBe(true);
  });

  test('(H/4) * 2 = H/2', () => {
    expect(dimToString(mulDim(divDim(H, 4), 2))).toBe('H/2');
  });

  test('(H/2) * (W/8) = H*W/16', () => {
    expect(dimToString(mulDim(divDim(H, 2), divDim(W, 8)))).toBe('H*W/16');
  });

  test('(3*H/4) * 6 = 9*H/2 (coefficient reduced)', () => {
    const threeQuarterH = divDim(mulDim(3, H), 4);
    expect(dimToString(threeQuarterH)).toBe('3*H/4');
    expect(dimToString(mulDim(threeQuarterH, 6))).toBe('9*H/2');
  });

  test('multiplying by 1 keeps a SymDim unchanged', () => {
    expect(dimToString(mulDim(mulDim(H, W), 1))).toBe('H*W');
  });
});

describe('divDim', () => {
  test('static 12 / 4 = 3', () => {
    expect(divDim(12, 4)).toBe(3);
  });

  test('static 10 / 4 throws RangeError naming both numbers', () => {
    expect(() => divDim(10, 4)).toThrow(RangeError);
    expect(() => divDim(10, 4)).toThrow(/10.*4/);
  });

  test('static 7 / 2 throws (non-integer static division)', () => {
    expect(() => divDim(7, 2)).toThrow(RangeError);
  });

  test('H / 2 prints as H/2', () => {
    expect(dimToString(divDim(H, 2))).toBe('H/2');
  });

  test('(H/2) / 2 = H/4', () => {
    expect(dimToString(divDim(divDim(H, 2), 2))).toBe('H/4');
  });

  test('(H*W) / 16 = H*W/16', () => {
    expect(dimToString(divDim(mulDim(H, W), 16))).toBe('H*W/16');
  });

  test('(4*H) / 2 = 2*H (coefficient reduced, no denominator)', () => {
    expect(dimToString(divDim(mulDim(4, H), 2))).toBe('2*H');
  });

  test('(6*H) / 4 = 3*H/2', () => {
    expect(dimToString(divDim(mulDim(6, H), 4))).toBe('3*H/2');
  });
});

describe('dimEquals', () => {
  test('H equals a fresh SymDim.of(H)', () => {
    expect(dimEquals(H, SymDim.of('H'))).toBe(true);
  });

  test('H does not equal W', () => {
    expect(dimEquals(H, W)).toBe(false);
  });

  test('H*W equals W*H', () => {
    expect(dimEquals(mulDim(H, W), mulDim(W, H))).toBe(true);
  });

  test('H/2 does not equal H', () => {
    expect(dimEquals(divDim(H, 2), H)).toBe(false);
  });

  test('(2*H)/4 equals H/2', () => {
    expect(dimEquals(divDim(mulDim(2, H), 4), divDim(H, 2))).toBe(true);
  });

  test('static 4 equals 4, not 5', () => {
    expect(dimEquals(4, 4)).toBe(true);
    expect(dimEquals(4, 5)).toBe(false);
  });

  test('static 4 does not equal symbol H', () => {
    expect(dimEquals(4, H)).toBe(false);
  });
});

describe('evalDim', () => {
  test('static 7 evaluates to 7 with no sizes', () => {
    expect(evalDim(7, {})).toBe(7);
  });

  test('H*W/16 at H=224 W=224 is 3136', () => {
    expect(evalDim(divDim(mulDim(H, W), 16), { H: 224, W: 224 })).toBe(3136);
  });

  test('3*H/2 at H=8 is 12', () => {
    expect(evalDim(divDim(mulDim(3, H), 2), { H: 8 })).toBe(12);
  });

  test('H^2 at H=5 is 25', () => {
    expect(evalDim(mulDim(H, H), { H: 5 })).toBe(25);
  });

  test('H*W with only H given throws naming W', () => {
    expect(() => evalDim(mulDim(H, W), { H: 2 })).toThrow(RangeError);
    expect(() => evalDim(mulDim(H, W), { H: 2 })).toThrow(/'W'/);
  });
});

describe('numel and isStatic', () => {
  test('numel [2,3,4] = 24', () => {
    expect(numel([2, 3, 4])).toBe(24);
  });

  test('numel [] = 1', () => {
    expect(numel([])).toBe(1);
  });

  test('numel [N,3,H,W] = 3*H*N*W', () => {
    expect(dimToString(numel([N, 3, H, W]))).toBe('3*H*N*W');
  });

  test('numel [N,16,H/2,W/2] equals numel [N,4,H,W]', () => {
    const a = numel([N, 16, divDim(H, 2), divDim(W, 2)]);
    const b = numel([N, 4, H, W]);
    expect(dimEquals(a, b)).toBe(true);
    expect(dimToString(a)).toBe('4*H*N*W');
  });

  test('isStatic [1,2] true, [1,H] false', () => {
    expect(isStatic([1, 2])).toBe(true);
    expect(isStatic([1, H])).toBe(false);
  });
});
