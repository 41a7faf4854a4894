// Training-time augmentation. Placeholder until the CNN work lands: strength 0 only.
#include <stdexcept>

#include "train/trainer.h"

namespace scrawl {

BatchTransform make_augmenter(float strength, int, int) {
  if (strength > 0.f) throw std::runtime_error("augmentation is not available yet");
  return {};
}

}  // namespace scrawl
