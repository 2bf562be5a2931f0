#!/usr/bin/env python3
"""scikit-image non-local means on the same noisy images `dynet eval --task denoise` scores.

The noise is the authors' test protocol, which `dynet eval` reproduces sample for sample:
numpy's legacy generator seeded once, images in the given order, each centred-cropped to a
multiple of 16, clip(x + randn(H, W, 3) * sigma, 0, 255).astype(uint8). NLM: fast mode,
h = 0.8 sigma, patch 5, distance 6. Prints one JSON object with the mean PSNR and the rows.

Usage: nlm_baseline.py SIGMA SEED FILE...   (Debian: python3-skimage)
"""
import json
import sys

import numpy as np
from PIL import Image
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.restoration import denoise_nl_means


def crop_img(image, base=16):
    h, w = image.shape[:2]
    ch, cw = h % base, w % base
    return image[ch // 2:h - ch + ch // 2, cw // 2:w - cw + cw // 2, :]


def main():
    sigma, seed, files = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    np.random.seed(seed)
    rows = []
    for f in files:
        clean = crop_img(np.array(Image.open(f).convert('RGB')))
        noisy = np.clip(clean + np.random.randn(*clean.shape) * sigma, 0, 255).astype(np.uint8)
        s = sigma / 255.0
        den = denoise_nl_means(noisy / 255.0, h=0.8 * s, patch_size=5, patch_distance=6, fast_mode=True, channel_axis=-1)
        den = np.clip(den, 0, 1)
        ref = clean / 255.0
        rows.append({
            'name': f,
            'psnr': peak_signal_noise_ratio(ref, den, data_range=1),
            'ssim': structural_similarity(ref, den, data_range=1, channel_axis=2),
            'psnr_noisy': peak_signal_noise_ratio(ref, noisy / 255.0, data_range=1),
        })
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ('psnr', 'ssim', 'psnr_noisy')}
    print(json.dumps({'sigma': sigma, 'seed': seed, 'mean': mean, 'rows': rows}))


if __name__ == '__main__':
    main()
