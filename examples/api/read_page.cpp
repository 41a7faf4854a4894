// Reads a page with scrawl's C++ API and prints what `scrawl read IMAGE` prints, then each word's confidence.
//   read_page IMAGE [MODEL]
#include <scrawl/scrawl.h>

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: read_page IMAGE [MODEL]\n");
    return 2;
  }
  try {
    // The default model and the default word list, as the command uses them.
    scrawl::Reader reader(scrawl::load_model(argc > 2 ? argv[2] : scrawl::default_model_path()));
    // Small writing (a 150 dpi scan's 12 px capitals) with the model the command reads it with.
    const std::string small = scrawl::small_model_path("", argc > 2 ? argv[2] : "");
    if (!small.empty()) reader.set_small_model(scrawl::load_model(small));
    if (!reader.warning().empty()) std::fprintf(stderr, "read_page: warning: %s\n", reader.warning().c_str());
    const scrawl::PageResult page = reader.read(argv[1]);
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
