// scrawl's public API in one include: read pages, and the NN library beneath it.
//   #include <scrawl/scrawl.h>
//   scrawl::Reader reader(scrawl::load_model(scrawl::default_model_path()));
//   std::cout << scrawl::to_text(reader.read("note.jpg"));   // what `scrawl read note.jpg` prints
// Each module's headers can also be included on their own, as <scrawl/MODULE/NAME.h>.
#pragma once

#include "scrawl/data/dataset.h"
#include "scrawl/nn/gradcheck.h"
#include "scrawl/nn/model.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/threads.h"
#include "scrawl/ocr/decode_page.h"
#include "scrawl/ocr/default_model.h"
#include "scrawl/ocr/format.h"
#include "scrawl/ocr/reader.h"
#include "scrawl/ocr/score.h"
#include "scrawl/train/trainer.h"
