#!/usr/bin/env python3
"""Checks tools/dynet_torch.py against the authors' reference fixtures (dynet-reference/).

    python3 tools/check_dynet_torch.py [--fixtures DIR] [--threads 2]

DIR defaults to <repo>/../shared/fixtures/dynet-reference. Checks, in order:
  1. state dict: names, order and shapes equal state_dict.tsv; the checkpoint loads strict;
     a fresh build_dynet(seed=0) reproduces the checkpoint (it is "random init, seed 0").
  2. MACs at 224x224 (Conv2d, Linear, the two attention matmuls) equal reference.json.
  3. outputs of S and L on input_a / input_b: max |diff| <= 1e-5.
  4. parameter gradients of the L1 and clamped-L1 losses on (grad_input_*, grad_target_*),
     against reference.json's per-parameter summaries (l2, sum, absmax, 8 samples).
  5. AdamW replay: losses before each of 3 steps, then after, starting from the checkpoint.
Exits 0 only if every check passes.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dynet_torch as dt  # noqa: E402

DEFAULT_FIXTURES = os.path.join(HERE, '..', '..', 'shared', 'fixtures', 'dynet-reference')

OUTPUT_TOL = 1e-5
# Gradients: error relative to the tensor's own scale (its l2 norm, absmax, or l2*sqrt(n) for the
# sum, which bounds its l1 norm). float32 reduction order alone moves these by ~1e-6..1e-5 through
# 30-60 block applications (worst seen: 1.4e-5, a prompt Linear bias in L); any structural mistake
# (head order, missing block, wrong resize) moves them by O(1e-2..1).
GRAD_TOL = 1e-4
LOSS_TOL = 1e-5  # relative, for the loss values themselves
# AdamW replay, relative (worst seen 4.6e-7). Step 1 of Adam is ~lr*sign(g), so gradients that are
# float noise take full-size random steps; 1e-5 leaves room for that on other BLAS builds.
ADAMW_TOL = 1e-5

rows = []  # (check, figure, tolerance, ok)


def record(name, figure, tol, ok=None):
    ok = figure <= tol if ok is None else ok
    rows.append((name, figure, tol, ok))
    print(f"  {name:<62} {figure:10.3e}  {tol:7.0e}  {'ok' if ok else 'FAIL'}", flush=True)


def load_model(fx, variant):
    return dt.load_checkpoint(dt.build_dynet(variant, 'full'), os.path.join(fx, 'dynet_seed0.ckpt'))


def npy(fx, name):
    return torch.from_numpy(np.load(os.path.join(fx, name)))


def check_state_dict(fx):
    print('[1] state dict')
    with open(os.path.join(fx, 'state_dict.tsv')) as f:
        ref = [line.rstrip('\n').split('\t') for line in f][1:]
    model = dt.build_dynet('S', 'full', seed=0)
    mine = [(k, 'x'.join(map(str, v.shape)) or '', str(v.numel())) for k, v in model.state_dict().items()]
    mism = sum(1 for a, b in zip(mine, [tuple(r) for r in ref]) if a != b) + abs(len(mine) - len(ref))
    record(f'names/order/shapes vs state_dict.tsv ({len(ref)} rows)', mism, 0)
    ck = torch.load(os.path.join(fx, 'dynet_seed0.ckpt'), map_location='cpu')['state_dict']
    diff = max((model.state_dict()[k[4:]] - v).abs().max().item() for k, v in ck.items())
    record('seed-0 init vs checkpoint, max |diff|', diff, 0)
    dt.load_checkpoint(model, os.path.join(fx, 'dynet_seed0.ckpt'))  # raises unless strict load works
    record('checkpoint loads with strict=True', 0, 0)


def count_macs(model, size):
    """MACs of Conv2d, Linear and the attention matmuls for one [1,3,size,size] forward."""
    total = [0]

    def conv(m, inp, out):
        total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear(m, inp, out):
        total[0] += out.numel() * m.in_features

    def mdta(m, inp, out):
        n, d, h, w = inp[0].shape
        total[0] += 2 * n * m.heads * (d // m.heads) ** 2 * h * w  # q@k^T and attn@v

    hooks = []
    for mod in model.modules():
        fn = conv if isinstance(mod, nn.Conv2d) else linear if isinstance(mod, nn.Linear) else \
            mdta if isinstance(mod, dt.MDTA) else None
        if fn:
            hooks.append(mod.register_forward_hook(fn))
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return total[0]


def check_macs(fx, ref):
    print('[2] MACs at 224x224')
    # Every counted term scales with H*W except the prompts' Linear layers (constant), and all
    # levels divide evenly at 32 and 224, so count at 32x32 and scale by (224/32)^2 = 49.
    for v in 'SL':
        model = dt.build_dynet(v, 'full')
        lin = sum(m.in_features * m.out_features for m in model.modules() if isinstance(m, nn.Linear))
        macs = (count_macs(model, 32) - lin) * 49 + lin
        record(f'{v}: {macs:,} vs {ref["macs_224"][v]:,}', abs(macs - ref['macs_224'][v]), 0)


def check_outputs(fx):
    print('[3] outputs (eval, no grad)')
    for v in 'SL':
        model = load_model(fx, v).eval()
        for ab in 'ab':
            x = npy(fx, f'input_{ab}.npy')
            with torch.no_grad():
                y = model(x)
            d = (y - npy(fx, f'output_{v}_{ab}.npy')).abs().max().item()
            record(f'output_{v}_{ab} {list(x.shape)} max |diff|', d, OUTPUT_TOL)


def grad_errors(g, ref):
    """Relative errors of one gradient tensor against its summary. The summaries were computed in
    float32 by torch (a float64 norm differs from them by up to 2e-4 on 2.6M-element tensors), so
    l2 and sum are computed the same way here."""
    g = g.detach().flatten()
    l2, amax = ref['l2'], ref['absmax']
    return dict(
        l2=abs(g.norm().item() - l2) / l2,
        absmax=abs(g.abs().max().item() - amax) / amax,
        sum=abs(g.sum().item() - ref['sum']) / (l2 * math.sqrt(g.numel())),
        samples=max(abs(g[i].item() - val) for i, val in ref['samples']) / amax,
    )


def check_gradients(fx, ref):
    print('[4] parameter gradients (errors relative to each tensor\'s scale, worst parameter)')
    for key, spec in ref['gradients'].items():
        v = spec['variant']
        model = load_model(fx, v).train()
        names = [k for k, _ in model.named_parameters()]
        params = [p for _, p in model.named_parameters()]
        x, t = npy(fx, spec['input']), npy(fx, spec['target'])
        out = model(x)
        clamped = int(((out < 0) | (out > 1)).sum())  # the reference stores count/numel as a float
        losses = {'l1': (out - t).abs().mean(), 'l1_clamped': dt.l1_clamped(out, t)}
        for lname, loss in losses.items():
            r = spec[lname]
            record(f'{key} ({v}) {lname}: loss rel diff', abs(loss.item() - r['loss']) / r['loss'], LOSS_TOL)
            record(f'{key} ({v}) {lname}: clamped outputs, count diff',
                   abs(clamped - round(r['fraction_clamped'] * out.numel())), 0)
            grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
            worst = dict(l2=0.0, absmax=0.0, sum=0.0, samples=0.0)
            where = {}
            none_ok = True
            for n, g in zip(names, grads):
                rg = r['grads'][n]
                if rg is None or g is None:  # reduce_noise_channel_*: off the forward path
                    none_ok &= rg is None and g is None
                    continue
                for m, e in grad_errors(g, rg).items():
                    if e >= worst[m]:
                        worst[m], where[m] = e, n
            record(f'{key} ({v}) {lname}: unused params have no grad', 0 if none_ok else 1, 0)
            for m in ('l2', 'absmax', 'sum', 'samples'):
                record(f'{key} ({v}) {lname}: grad {m} [{where[m]}]', worst[m], GRAD_TOL)


def check_adamw(fx, ref):
    print('[5] AdamW replay (fresh optimiser from the checkpoint, 3 steps)')
    for key, spec in ref['gradients'].items():
        r = spec.get('adamw_l1_clamped')
        if not r:
            continue
        hp = dict(lr=r['lr'], betas=tuple(r['betas']), eps=r['eps'], weight_decay=r['weight_decay'])
        record(f'{key}: reference hyper-parameters == dynet_torch.ADAMW', 0 if hp == dt.ADAMW else 1, 0)
        model = load_model(fx, spec['variant']).train()
        opt = dt.make_optimizer(model, **hp)
        x, t = npy(fx, spec['input']), npy(fx, spec['target'])
        want = r['losses_before_each_step_then_after']
        got = [dt.train_step(model, opt, x, t) for _ in want[:-1]]
        with torch.no_grad():
            got.append(dt.l1_clamped(model(x), t).item())
        rel = max(abs(a - b) / b for a, b in zip(got, want))
        print(f'       losses {[round(a, 8) for a in got]}\n       ref    {[round(b, 8) for b in want]}')
        record(f'{key} ({spec["variant"]}): AdamW losses max rel diff', rel, ADAMW_TOL)


def main():
    ap = argparse.ArgumentParser(description='check dynet_torch.py against the reference fixtures')
    ap.add_argument('--fixtures', default=DEFAULT_FIXTURES, help='fixture folder (default: %(default)s)')
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    fx = os.path.normpath(args.fixtures)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(os.path.join(fx, 'reference.json')) as f:
        ref = json.load(f)
    print(f'fixtures: {fx}\ntorch {torch.__version__}, {args.threads} threads')
    print(f'  {"check":<62} {"figure":>10}  {"tol":>7}  result')
    t0 = time.time()
    check_state_dict(fx)
    check_macs(fx, ref)
    check_outputs(fx)
    check_gradients(fx, ref)
    check_adamw(fx, ref)
    failed = [r for r in rows if not r[3]]
    print(f'\n{len(rows) - len(failed)}/{len(rows)} checks passed in {time.time() - t0:.0f} s'
          + ''.join(f'\nFAILED: {r[0]}' for r in failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
