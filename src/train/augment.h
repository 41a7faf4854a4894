// Training-time augmentation of upright, ink-high glyphs (0 = paper, 1 = ink), meant to make a model trained on
// clean EMNIST crops hold up on glyphs cut from phone photos: small affine jitter, elastic wobble, thinner or
// bolder strokes, blur, contrast loss and sensor noise. `strength` in [0,1] scales every effect; 0 is the identity.
#pragma once
#include <opencv2/core.hpp>
#include <random>

#include "train/trainer.h"

namespace scrawl {

// Augments one h x w CV_32F glyph in place with draws from rng.
void augment_glyph(cv::Mat& img, float strength, std::mt19937& rng);

// A BatchTransform for (N,1,h,w) batches: one seed per sample is drawn from the trainer's rng in order, then
// samples are augmented in parallel, so the result does not depend on the thread count.
BatchTransform make_augmenter(float strength, int h, int w);

}  // namespace scrawl
