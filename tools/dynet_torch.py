#!/usr/bin/env python3
"""An independent PyTorch implementation of DyNet (Dudhane et al., 2024).

Written from ../shared/docs/dynet-architecture.md; parameter names equal the authors'
state-dict keys, so their checkpoints load with strict=True. DyNet-S and DyNet-L are one
module with one set of weights: each level applies its single transformer block f times
(S [2,3,3,4], L [4,6,6,8]); `model.variant` or `forward(x, variant=...)` picks f.

Module use:
    from dynet_torch import build_dynet, make_optimizer, train_step, load_checkpoint, export_onnx

CLI (prints one final line `RESULT {json}`):
    python3 tools/dynet_torch.py bench-train --variant S --preset full --batch 4 --size 128 --steps 5 --threads 2
    python3 tools/dynet_torch.py bench-export --variant S --preset full --size 256

Only torch and numpy are needed (Debian's python3-torch 1.13 works).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---- configuration ----

REUSE = {'S': (2, 3, 3, 4), 'L': (4, 6, 6, 8)}

# The released network; `small` is the repo's reduced preset (packages/graph/src/models/dynet/config.ts).
PRESETS = {
    'full': dict(dim=48, heads=(1, 2, 4, 8), noise_heads=4, ffn_factor=2.66,
                 prompt_dims=(64, 128, 320), prompt_sizes=(64, 32, 16), prompt_len=5, refinement=4),
}
PRESETS['small'] = dict(PRESETS['full'], dim=16, prompt_dims=(16, 32, 80))

# The fine-tuning optimiser as released (doc: "Training as released"; reference.json agrees).
ADAMW = dict(lr=2e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)


def conv3x3(c_in, c_out, groups=1):
    return nn.Conv2d(c_in, c_out, 3, padding=1, groups=groups, bias=False)


def conv1x1(c_in, c_out):
    return nn.Conv2d(c_in, c_out, 1, bias=False)


# ---- transformer block ----

class ChannelLayerNorm(nn.Module):
    """(x - mean_c) / sqrt(var_c + 1e-5) * weight + bias at every pixel (biased variance)."""

    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = ((x - mu) ** 2).mean(1, keepdim=True)
        return (x - mu) / torch.sqrt(var + 1e-5) * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class LayerNorm(nn.Module):
    """Wrapper so that the parameters are named `normX.body.weight` / `.body.bias`."""

    def __init__(self, d):
        super().__init__()
        self.body = ChannelLayerNorm(d)

    def forward(self, x):
        return self.body(x)


class MDTA(nn.Module):
    """Channel attention: softmax(norm(q) norm(k)^T * temperature) v per head, over H*W."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.qkv = conv1x1(d, 3 * d)
        self.qkv_dwconv = conv3x3(3 * d, 3 * d, groups=3 * d)
        self.project_out = conv1x1(d, d)

    def forward(self, x):
        n, d, h, w = x.shape
        q, k, v = self.qkv_dwconv(self.qkv(x)).chunk(3, dim=1)
        # channel index = head * (d/h) + c: the head is the slower-varying part
        q, k, v = (t.reshape(n, self.heads, d // self.heads, h * w) for t in (q, k, v))
        q = F.normalize(q, dim=-1, eps=1e-12)
        k = F.normalize(k, dim=-1, eps=1e-12)
        attn = torch.softmax((q @ k.transpose(-2, -1)) * self.temperature, dim=-1)
        return self.project_out((attn @ v).reshape(n, d, h, w))


class GDFN(nn.Module):
    """Gated feed-forward: gelu(x1) * x2 after a 1x1 and a depthwise 3x3 conv, m = floor(d * 2.66)."""

    def __init__(self, d, factor):
        super().__init__()
        m = int(d * factor)
        self.project_in = conv1x1(d, 2 * m)
        self.dwconv = conv3x3(2 * m, 2 * m, groups=2 * m)
        self.project_out = conv1x1(m, d)

    def forward(self, x):
        x1, x2 = self.dwconv(self.project_in(x)).chunk(2, dim=1)
        return self.project_out(F.gelu(x1) * x2)  # exact (erf) GELU


class TransformerBlock(nn.Module):
    """x = x + attn(norm1(x)); x = x + ffn(norm2(x))."""

    def __init__(self, d, heads, ffn_factor):
        super().__init__()
        self.norm1 = LayerNorm(d)
        self.attn = MDTA(d, heads)
        self.norm2 = LayerNorm(d)
        self.ffn = GDFN(d, ffn_factor)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))


def rep(block, x, f):
    """Applies the same block (same weights) f times in a row."""
    for _ in range(f):
        x = block(x)
    return x


# ---- resampling and prompts ----

class Downsample(nn.Module):
    """3x3 conv n -> n/2, then pixel-unshuffle by 2 (channel c*4 + i*2 + j)."""

    def __init__(self, n):
        super().__init__()
        self.body = nn.Sequential(conv3x3(n, n // 2), nn.PixelUnshuffle(2))

    def forward(self, x):
        return self.body(x)


class Upsample(nn.Module):
    """3x3 conv n -> 2n, then pixel-shuffle by 2."""

    def __init__(self, n):
        super().__init__()
        self.body = nn.Sequential(conv3x3(n, 2 * n), nn.PixelShuffle(2))

    def forward(self, x):
        return self.body(x)


class PromptGen(nn.Module):
    """out = conv3x3(resize(sum_k softmax(linear(mean_HW x))_k * prompt_param_k, (H, W)))."""

    def __init__(self, p, length, s, l):
        super().__init__()
        self.prompt_param = nn.Parameter(torch.rand(1, length, p, s, s))
        self.linear_layer = nn.Linear(l, length)
        self.conv3x3 = conv3x3(p, p)

    def forward(self, x):
        _, _, h, w = x.shape
        weights = torch.softmax(self.linear_layer(x.mean(dim=(2, 3))), dim=1)  # [N, L]
        prompt = (weights[:, :, None, None, None] * self.prompt_param).sum(dim=1)  # [N, p, s, s]
        prompt = F.interpolate(prompt, size=(h, w), mode='bilinear', align_corners=False)
        return self.conv3x3(prompt)


# ---- the network ----

class DyNet(nn.Module):
    """The DyNet forward pass; submodules are created in the authors' state-dict order."""

    def __init__(self, cfg, variant='S'):
        super().__init__()
        c, (h1, h2, h3, h4), fac = cfg['dim'], cfg['heads'], cfg['ffn_factor']
        p1, p2, p3 = cfg['prompt_dims']
        s1, s2, s3 = cfg['prompt_sizes']
        nh, plen = cfg['noise_heads'], cfg['prompt_len']
        self.cfg = cfg
        self.variant = variant

        self.patch_embed = nn.Module()
        self.patch_embed.proj = conv3x3(3, c)
        self.prompt1 = PromptGen(p1, plen, s1, 2 * c)
        self.prompt2 = PromptGen(p2, plen, s2, 4 * c)
        self.prompt3 = PromptGen(p3, plen, s3, 8 * c)
        # declared by the released model, never used by forward (shape rule as in the repo's TS builder)
        self.reduce_noise_channel_1 = conv1x1(c + p1, c)
        self.encoder_level1 = TransformerBlock(c, h1, fac)
        self.down1_2 = Downsample(c)
        self.reduce_noise_channel_2 = conv1x1(2 * c + 2 * p1, 2 * c)
        self.encoder_level2 = TransformerBlock(2 * c, h2, fac)
        self.down2_3 = Downsample(2 * c)
        self.reduce_noise_channel_3 = conv1x1(4 * c + 4 * p1, 4 * c)
        self.encoder_level3 = TransformerBlock(4 * c, h3, fac)
        self.down3_4 = Downsample(4 * c)
        self.latent = TransformerBlock(8 * c, h4, fac)

        self.up4_3 = Upsample(4 * c)  # takes the 4c-channel output of reduce_noise_level3
        self.reduce_chan_level3 = conv1x1(2 * c + 4 * c, 4 * c)
        self.noise_level3 = TransformerBlock(8 * c + p3, nh, fac)
        self.reduce_noise_level3 = conv1x1(8 * c + p3, 4 * c)
        self.decoder_level3 = TransformerBlock(4 * c, h3, fac)

        self.up3_2 = Upsample(4 * c)
        self.reduce_chan_level2 = conv1x1(4 * c, 2 * c)
        self.noise_level2 = TransformerBlock(4 * c + p2, nh, fac)
        self.reduce_noise_level2 = conv1x1(4 * c + p2, 4 * c)
        self.decoder_level2 = TransformerBlock(2 * c, h2, fac)

        self.up2_1 = Upsample(2 * c)
        self.noise_level1 = TransformerBlock(2 * c + p1, nh, fac)
        self.reduce_noise_level1 = conv1x1(2 * c + p1, 2 * c)
        self.decoder_level1 = TransformerBlock(2 * c, h1, fac)
        self.refinement = nn.Sequential(*[TransformerBlock(2 * c, h1, fac) for _ in range(cfg['refinement'])])
        self.output = conv3x3(2 * c, 3)

    def forward(self, inp, variant=None):
        f1, f2, f3, f4 = REUSE[variant or self.variant]
        cat = lambda a, b: torch.cat([a, b], dim=1)

        e1 = rep(self.encoder_level1, self.patch_embed.proj(inp), f1)
        e2 = rep(self.encoder_level2, self.down1_2(e1), f2)
        e3 = rep(self.encoder_level3, self.down2_3(e2), f3)
        lat = rep(self.latent, self.down3_4(e3), f4)

        lat = self.reduce_noise_level3(self.noise_level3(cat(lat, self.prompt3(lat))))
        d3 = self.up4_3(lat)
        e3p = self.reduce_noise_level2(self.noise_level2(cat(e3, self.prompt2(e3))))
        d3 = rep(self.decoder_level3, self.reduce_chan_level3(cat(d3, e3p)), f3)

        d2 = self.up3_2(d3)
        e2p = self.reduce_noise_level1(self.noise_level1(cat(e2, self.prompt1(e2))))
        d2 = rep(self.decoder_level2, self.reduce_chan_level2(cat(d2, e2p)), f2)

        d1 = rep(self.decoder_level1, cat(self.up2_1(d2), e1), f1)
        d1 = self.refinement(d1)
        return self.output(d1) + inp


def build_dynet(variant='S', preset='full', seed=None):
    """A DyNet module of the given variant ('S' or 'L') and preset ('full' or 'small')."""
    if variant not in REUSE:
        raise ValueError(f"variant must be 'S' or 'L', got {variant!r}")
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    if seed is not None:
        torch.manual_seed(seed)
    return DyNet(PRESETS[preset], variant)


def load_checkpoint(model, path):
    """Loads the authors' checkpoint (a Lightning dict with keys prefixed `net.`, or a plain state dict)."""
    ck = torch.load(path, map_location='cpu')
    sd = ck.get('state_dict', ck) if isinstance(ck, dict) else ck
    sd = {k[4:] if k.startswith('net.') else k: v for k, v in sd.items()}
    model.load_state_dict(sd, strict=True)
    return model


# ---- training ----

def make_optimizer(model, **overrides):
    """AdamW with the released fine-tuning settings (lr 2e-4, betas 0.9/0.999, eps 1e-8, wd 0.01)."""
    return torch.optim.AdamW(model.parameters(), **dict(ADAMW, **overrides))


def l1_clamped(output, target):
    return (output.clamp(0, 1) - target).abs().mean()


def train_step(model, optimizer, input, target):
    """One step: L1 loss on clamp(output, 0, 1), backward, AdamW step. Returns the loss before the step."""
    optimizer.zero_grad(set_to_none=True)
    loss = l1_clamped(model(input), target)
    loss.backward()
    optimizer.step()
    return loss.item()


# ---- export ----

def export_onnx(model, path, opset=17, size=256, batch=1):
    """torch.onnx.export of the current variant with dynamic N, H, W axes."""
    model.eval()
    x = torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(0))
    axes = {0: 'N', 2: 'H', 3: 'W'}
    with torch.no_grad():
        torch.onnx.export(model, (x,), path, opset_version=opset, input_names=['input'],
                          output_names=['output'], dynamic_axes={'input': axes, 'output': axes},
                          do_constant_folding=True)
    return path


# ---- CLI ----

def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def setup(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if getattr(args, 'device', 'cpu') == 'cuda':
        if not torch.cuda.is_available():
            sys.exit('cuda requested but torch.cuda.is_available() is False')
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.cuda.reset_peak_memory_stats()
    return torch.device(getattr(args, 'device', 'cpu'))


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize()


def bench_train(args):
    device = setup(args)
    model = build_dynet(args.variant, args.preset, seed=args.seed).to(device).train()
    opt = make_optimizer(model)
    g = torch.Generator().manual_seed(args.seed)
    target = torch.rand(args.batch, 3, args.size, args.size, generator=g)
    inp = (target + 0.1 * torch.randn(target.shape, generator=g)).clamp(0, 1)
    inp, target = inp.to(device), target.to(device)
    times, losses = [], []
    for i in range(args.steps):
        sync(device)
        t0 = time.perf_counter()
        losses.append(train_step(model, opt, inp, target))  # .item() synchronises too
        sync(device)
        times.append(time.perf_counter() - t0)
        print(f'step {i}: {times[-1] * 1000:.1f} ms  loss {losses[-1]:.6f}', flush=True)
    warm = args.warmup if args.steps > args.warmup else 0
    res = dict(mode='bench-train', variant=args.variant, preset=args.preset, batch=args.batch, size=args.size,
               steps=args.steps, warmup=warm, threads=args.threads, device=args.device, torch=torch.__version__,
               params=sum(p.numel() for p in model.parameters()),
               step_ms=[round(t * 1000, 2) for t in times],
               median_ms=round(statistics.median(times[warm:]) * 1000, 2),
               losses=losses, peak_rss_mib=round(peak_rss_mib(), 1))
    if device.type == 'cuda':
        res['cuda_max_allocated_mib'] = round(torch.cuda.max_memory_allocated() / 2 ** 20, 1)
        res['gpu'] = torch.cuda.get_device_name()
    print(f"median after {warm} warm-up step(s): {res['median_ms']} ms; peak RSS {res['peak_rss_mib']} MiB"
          + (f"; cuda max allocated {res['cuda_max_allocated_mib']} MiB" if device.type == 'cuda' else ''))
    print('RESULT ' + json.dumps(res), flush=True)


def bench_export(args):
    setup(args)
    model = build_dynet(args.variant, args.preset, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.out or os.path.join(tmp, 'dynet.onnx')
        t0 = time.perf_counter()
        export_onnx(model, path, opset=args.opset, size=args.size)
        secs = time.perf_counter() - t0
        nbytes = os.path.getsize(path)
    res = dict(mode='bench-export', variant=args.variant, preset=args.preset, size=args.size, opset=args.opset,
               threads=args.threads, torch=torch.__version__, export_ms=round(secs * 1000, 1), onnx_bytes=nbytes,
               peak_rss_mib=round(peak_rss_mib(), 1))
    print(f"torch.onnx.export: {res['export_ms']} ms, {nbytes} bytes; peak RSS {res['peak_rss_mib']} MiB")
    print('RESULT ' + json.dumps(res), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    for name in ('bench-train', 'bench-export'):
        s = sub.add_parser(name)
        s.add_argument('--variant', choices=sorted(REUSE), default='S')
        s.add_argument('--preset', choices=sorted(PRESETS), default='full')
        s.add_argument('--size', type=int, default=128 if name == 'bench-train' else 256)
        s.add_argument('--threads', type=int, default=2)
        s.add_argument('--seed', type=int, default=0)
    tr = sub.choices['bench-train']
    tr.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    tr.add_argument('--batch', type=int, default=4)
    tr.add_argument('--steps', type=int, default=5)
    tr.add_argument('--warmup', type=int, default=1, help='steps left out of the median')
    ex = sub.choices['bench-export']
    ex.add_argument('--opset', type=int, default=17)
    ex.add_argument('--out', help='keep the .onnx file here')
    args = ap.parse_args(argv)
    if args.size % 8:
        ap.error('--size must be a multiple of 8')
    (bench_train if args.cmd == 'bench-train' else bench_export)(args)


if __name__ == '__main__':
    main()
