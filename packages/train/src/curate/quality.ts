/** Scoring an image with the enabled metrics and the keep decision ("mutual consensus"). */
import { blockinessFeatures } from './blockiness';
import { blurEffect, laplacianVariance } from './blur';
import { BT601, RgbImage, toGray } from './image';
import type { ImageReason, Scores } from './manifest';
import { niqe, NiqeModel } from './niqe';
import type { CurateSettings } from './settings';

/** Rounds to `digits` decimals; manifests store, and decisions use, the rounded value. */
export const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export interface QualityResult {
  scores: Scores;
  /** The enabled metrics that failed their thresholds, in METRICS order. */
  failed: ImageReason[];
}

/** Computes every enabled metric (all of them, even after one fails, so the manifest holds each score). */
export function scoreImage(img: RgbImage, s: CurateSettings, model: NiqeModel | null): QualityResult {
  const scores: Scores = {};
  const failed: ImageReason[] = [];
  if (s.metrics.includes('niqe')) {
    if (!model) throw new TypeError('scoreImage: NIQE is enabled but no model was given');
    const q = niqe(img, model);
    scores.niqe = Number.isFinite(q) ? round(q, 4) : null;
    if (scores.niqe === null || scores.niqe > s.niqeMax) failed.push('niqe');
  }
  if (s.metrics.includes('blur')) {
    scores.blur = round(blurEffect(img), 4);
    if (scores.blur > s.blurMax) failed.push('blur');
  }
  if (s.metrics.includes('blur') || s.metrics.includes('blockiness')) {
    const grey = toGray(img, BT601);
    if (s.metrics.includes('blur')) scores.laplacianVar = round(laplacianVariance(grey), 2);
    if (s.metrics.includes('blockiness')) {
      const b = blockinessFeatures(grey);
      scores.blockiness = round(b.blockiness, 4);
      scores.jpegQuality = round(b.score, 3);
      if (scores.blockiness > s.blockinessMax) failed.push('blockiness');
    }
  }
  return { scores, failed };
}
