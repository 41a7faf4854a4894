// Reads a page with scrawl's C++ API and prints its text and per-word confidence.
//   read_page IMAGE [MODEL]
#include <cstdio>
#include <exception>

#include "scrawl/nn/model_io.h"
#include "scrawl/ocr/decode_page.h"
#include "scrawl/ocr/reader.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: read_page IMAGE [MODEL]\n");
    return 2;
  }
  try {
    scrawl::Model model = scrawl::load_model(argc > 2 ? argv[2] : SCRAWL_INSTALLED_MODEL);
    const std::string classes = model.classes();
    scrawl::Reader reader(std::move(model));
    scrawl::PageResult page = reader.read(argv[1]);
    // Re-read each word in context (word list, letter trigrams, number shapes), as `scrawl read` does.
    scrawl::decode_page(page, scrawl::make_word_decoder(classes));
    std::fputs(scrawl::to_text(page).c_str(), stdout);
    for (const auto& line : page.lines)
      for (const auto& word : line.words)
        std::fprintf(stderr, "%-12s %.2f  at (%d,%d)\n", word.text().c_str(), word.confidence(), word.box.x,
                     word.box.y);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "read_page: %s\n", e.what());
    return 1;
  }
  return 0;
}
