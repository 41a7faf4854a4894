// scrawl synth: not built yet (placeholder so the CLI links while the command is written).
#include "cli/commands.h"

namespace scrawl::cli {
void add_synth(CLI::App&) {}
}  // namespace scrawl::cli
