// Training-time augmentation of upright, ink-high glyphs (0 = paper, 1 = ink), meant to make a model trained on
// clean EMNIST crops hold up on glyphs cut from phone photos: small affine jitter, elastic wobble, thinner or
// bolder strokes, blur, contrast loss and sensor noise. `strength` in [0,1] scales every effect; 0 is the identity.
#pragma once
#include <opencv2/core.hpp>
#include <random>

#include "scrawl/train/trainer.h"

namespace scrawl {

// Augments one h x w CV_32F glyph in place with draws from rng.
void augment_glyph(cv::Mat& img, float strength, std::mt19937& rng);

// Redraws one glyph the way `scrawl read` sees it: drawn larger (1.5-5x), binarized at a random level (0.35-0.65),
// then put through the reader's normalize_glyph (stroke width evened out, grey edges gone). The reader never
// classifies an EMNIST crop itself, and EMNIST's own cues that this path erases (its letters are drawn ~10%
// bolder than its digits: O vs 0, I vs 1) are ones a page cannot provide.
void page_redraw(cv::Mat& img, std::mt19937& rng);

// Redraws one glyph the way `scrawl read` sees small writing (a 150 dpi form's capitals, 10-18 px tall): shrunk to
// that size, in ink from faint, grainy pencil to pen, blurred by the lens (0.5-1.5 px), on noisy paper; then enlarged
// as segment() enlarges small writing, binarized as it does there (hysteresis, each stroke's edge cut at half the
// darkest pixel nearby) and put through normalize_glyph. Strokes a pixel wide come back thicker or broken, a T's bar
// faint or gone: what the reader's classifier gets from such a page.
void small_redraw(cv::Mat& img, std::mt19937& rng);

// A BatchTransform for (N,1,h,w) batches: one seed per sample is drawn from the trainer's rng in order, then
// samples are augmented in parallel, so the result does not depend on the thread count. Each augmented sample is
// then redrawn by page_redraw with probability `redraw`, or else by small_redraw with probability `small` (both 0:
// never; no extra random draws are made then).
BatchTransform make_augmenter(float strength, int h, int w, float redraw = 0.f, float small = 0.f);

}  // namespace scrawl
