#include "scrawl/ocr/decode_page.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "scrawl/util/chars.h"

namespace scrawl {

namespace {
// ---- Letter/digit context ----

// Re-reads a glyph as the best class of the wanted kind among its first `candidates` alternatives. Only a close call
// is overturned: the class must be among the top few (the best of a kind overall is among them whenever any of that
// kind is, since they are the top classes).
void prefer_kind(CharResult& ch, bool letters, size_t candidates) {
  for (size_t i = 0; i < ch.alternatives.size() && i < candidates; ++i)
    if (const Alternative& a = ch.alternatives[i]; letters ? is_letter(a.label) : is_digit(a.label)) {
      ch.label = a.label;
      ch.confidence = a.prob;
      return;
    }
}

void prefer_kind(WordResult& w, bool letters, size_t candidates) {
  for (auto& c : w.chars) prefer_kind(c, letters, candidates);  // punctuation lists no class of either kind
}

struct KindCounts {
  int letters = 0, digits = 0;
};

KindCounts kinds_of(const WordResult& w) {
  KindCounts k;
  for (const auto& c : w.chars) {
    k.letters += is_letter(c.label);
    k.digits += is_digit(c.label);
  }
  return k;
}

// The line's one-glyph words (one letter or digit, any punctuation aside), by kind.
KindCounts single_glyph_kinds(const LineResult& line) {
  KindCounts singles;
  for (const auto& w : line.words) {
    const KindCounts k = kinds_of(w);
    if (k.letters + k.digits != 1) continue;
    (k.letters == 1 ? singles.letters : singles.digits)++;
  }
  return singles;
}

// Whether the word should read as letters (true) or digits (false): its own majority when it has 2+ class glyphs,
// else its line's one-glyph words' when there are at least `min_singles` of them. Ties decide nothing.
std::optional<bool> wanted_kind(const WordResult& w, const KindCounts& singles, int min_singles) {
  const KindCounts k = kinds_of(w);
  if (k.letters + k.digits >= 2) {
    if (k.letters == k.digits) return std::nullopt;
    return k.letters > k.digits;
  }
  if (singles.letters + singles.digits >= min_singles && singles.letters != singles.digits)
    return singles.letters > singles.digits;
  return std::nullopt;
}

void apply_kind_context(PageResult& page, int min_singles, size_t candidates) {
  for (auto& line : page.lines) {
    const KindCounts singles = single_glyph_kinds(line);
    for (auto& w : line.words)
      if (const std::optional<bool> letters = wanted_kind(w, singles, min_singles))
        prefer_kind(w, *letters, candidates);
  }
}

// ---- Glyph probabilities for the decoder ----

bool is_class(const CharResult& c, const std::string& classes) {
  return !c.alternatives.empty() && classes.find(c.alternatives[0].label) != std::string::npos;
}
bool all_classes(const std::vector<CharResult>& chars, const std::string& classes) {
  return std::all_of(chars.begin(), chars.end(), [&](const CharResult& c) { return is_class(c, classes); });
}

// The glyph's listed alternatives as a distribution over the classes; the mass not listed is spread evenly.
GlyphProbs probs_of(const CharResult& c, const std::string& classes) {
  GlyphProbs g;
  g.p.assign(classes.size(), 0.f);
  float listed = 0;
  size_t hits = 0;
  for (const auto& a : c.alternatives) {
    const size_t k = classes.find(a.label);
    if (k == std::string::npos || g.p[k] > 0) continue;
    g.p[k] = std::max(a.prob, 1e-9f);
    listed += g.p[k];
    ++hits;
  }
  if (hits < classes.size()) {
    const float rest = std::max(1.f - listed, 0.f) / float(classes.size() - hits);
    for (auto& p : g.p)
      if (p == 0) p = std::max(rest, 1e-9f);
  }
  return g;
}

// Only the listed alternatives are candidates: top_k capped at the fewest any glyph lists.
DecodeConfig capped_to_listed(DecodeConfig dc, size_t listed) {
  dc.top_k = int(std::min<size_t>(size_t(std::max(dc.top_k, 1)), std::max<size_t>(listed, 1)));
  return dc;
}

// ---- Cells read cut or whole ----

// The word's chars with the other reading taken for each cell whose bit is set in `mask`.
std::vector<CharResult> with_readings(const WordResult& word, unsigned mask) {
  std::vector<CharResult> out;
  size_t i = 0;
  for (size_t a = 0; a < word.other_readings.size(); ++a) {
    const CellReading& cell = word.other_readings[a];
    while (i < cell.first) out.push_back(word.chars[i++]);
    if (mask >> a & 1u)
      out.insert(out.end(), cell.other.begin(), cell.other.end());
    else
      out.insert(out.end(), word.chars.begin() + long(i), word.chars.begin() + long(i + cell.count));
    i += cell.count;
  }
  out.insert(out.end(), word.chars.begin() + long(i), word.chars.end());
  return out;
}

// Takes the readings of `mask` into the word; the readings it gives up become the cells' other readings.
void swap_readings(WordResult& word, unsigned mask) {
  std::vector<CharResult> chars = with_readings(word, mask);
  size_t shift = 0;  // how far later cells moved
  for (size_t a = 0; a < word.other_readings.size(); ++a) {
    CellReading& cell = word.other_readings[a];
    const size_t first = cell.first + shift;
    if (mask >> a & 1u) {
      std::vector<CharResult> given_up(word.chars.begin() + long(cell.first),
                                       word.chars.begin() + long(cell.first + cell.count));
      const size_t count = cell.other.size();
      shift = shift + count - cell.count;
      cell.count = count;
      cell.other = std::move(given_up);
    }
    cell.first = first;
  }
  word.chars = std::move(chars);
}

// The decoder's score of `chars` read as a word (classifier log-probs plus the weighted prior) when it decodes to a
// lexicon word of at least sure_word_min glyphs, else -inf. `decoded`, when given, receives the decoder's result.
float lexicon_score(const std::vector<CharResult>& chars, const WordDecoder& decoder, const PageDecodeConfig& cfg,
                    DecodeResult* decoded = nullptr) {
  if (chars.size() < cfg.sure_word_min) return -INFINITY;
  std::vector<GlyphProbs> probs;
  size_t listed = chars[0].alternatives.size();
  for (const auto& c : chars) {
    probs.push_back(probs_of(c, decoder.classes()));
    listed = std::min(listed, c.alternatives.size());
  }
  const DecodeConfig rc = capped_to_listed(cfg.decode, listed);
  const DecodeResult d = decoder.decode(probs, rc);
  if (!(decoder.log_terms(d.text, rc).lexicon > -INFINITY)) return -INFINITY;
  if (decoded) *decoded = d;
  double score = rc.lm_weight * decoder.log_prior(d.text, rc);
  for (size_t i = 0; i < probs.size(); ++i) score += std::log(double(probs[i].p[size_t(d.classes[i])]));
  return float(score);
}

// Cells the reader could have read cut or whole: the other readings win when only they decode to a lexicon word
// long enough to be sure of (sure_word_min), the reader's own reading does not, and the word is all classes.
// Returns whether the word changed. At most 3 cells, so at most 7 combinations to decode.
bool take_word_reading(WordResult& word, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  const std::string& classes = decoder.classes();
  const size_t cells = word.other_readings.size();
  if (cells == 0 || cells > 3 || word.chars.size() < cfg.sure_word_min || !all_classes(word.chars, classes) ||
      lexicon_score(word.chars, decoder, cfg) > -INFINITY)
    return false;
  unsigned best_mask = 0;
  float best = -INFINITY;
  for (unsigned mask = 1; mask < (1u << cells); ++mask) {
    const std::vector<CharResult> chars = with_readings(word, mask);
    if (!all_classes(chars, classes)) continue;
    const float score = lexicon_score(chars, decoder, cfg);
    if (score > best) {
      best = score;
      best_mask = mask;
    }
  }
  if (best_mask == 0) return false;
  swap_readings(word, best_mask);
  return true;
}

size_t take_word_readings(PageResult& page, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  if (!cfg.decode.use_lexicon || decoder.lexicon().empty()) return 0;
  size_t changed = 0;
  for (auto& line : page.lines)
    for (auto& word : line.words) changed += take_word_reading(word, decoder, cfg);
  return changed;
}

// ---- Word spaces from the lexicon ----
// The segmenter puts word spaces where a line's gaps say (image/segment.h word_breaks). Letters written with wide
// spacing make that hard: their letter gaps come close to word gaps, and a line of evenly spaced letters is either
// one word or a word per letter. Where the lexicon recognizes a stretch of letters as a word, it decides.

// The gap before char k of `chars` (k >= 1), floored at `floor_ratio` x the taller of the two (overlapping or
// touching letters still have a gap to compare).
double gap_before(const std::vector<const CharResult*>& chars, size_t k, double floor_ratio) {
  const double floor = floor_ratio * double(std::max(chars[k]->box.height, chars[k - 1]->box.height));
  return std::max(floor, double(chars[k]->box.x - chars[k - 1]->box.br().x));
}

// The widest and narrowest gap inside chars [begin, end) (0 and inf for one char).
std::pair<double, double> inner_gaps(const std::vector<const CharResult*>& chars, size_t begin, size_t end,
                                     double floor_ratio) {
  double lo = INFINITY, hi = 0;
  for (size_t k = begin + 1; k < end; ++k) {
    const double g = gap_before(chars, k, floor_ratio);
    lo = std::min(lo, g);
    hi = std::max(hi, g);
  }
  return {hi, lo};
}

// A stretch [first, last) of a row of chars that decodes to the lexicon word `word`.
struct Stretch {
  size_t first, last;
  DecodeResult word;
};

// The stretches of `chars` that decode to a lexicon word of sure_word_min to join_max_glyphs glyphs and that
// `allowed(first, last)` admits, chosen to cover the most chars (then for the best sum of decoder scores).
template <typename Allowed>
std::vector<Stretch> word_stretches(const std::vector<const CharResult*>& chars, Allowed allowed,
                                    const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  const size_t n = chars.size();
  struct Best {
    size_t covered = 0;
    float score = 0;
    size_t from = 0;    // where the last piece starts (i - 1: a char on its own)
    DecodeResult word;  // the last piece's word, when it is one
  };
  std::vector<Best> best(n + 1);
  for (size_t i = 1; i <= n; ++i) {
    best[i] = {best[i - 1].covered, best[i - 1].score, i - 1, {}};
    const size_t min_len = std::max<size_t>(cfg.sure_word_min, 2);
    for (size_t j = i >= cfg.join_max_glyphs ? i - cfg.join_max_glyphs : 0; j + min_len <= i; ++j) {
      if (!allowed(j, i)) continue;
      std::vector<CharResult> piece;
      for (size_t k = j; k < i; ++k) piece.push_back(*chars[k]);
      DecodeResult word;
      const float s = lexicon_score(piece, decoder, cfg, &word);
      if (!(s > -INFINITY)) continue;
      const size_t covered = best[j].covered + (i - j);
      const float score = best[j].score + s;
      if (covered > best[i].covered || (covered == best[i].covered && score > best[i].score))
        best[i] = {covered, score, j, std::move(word)};
    }
  }
  std::vector<Stretch> out;
  for (size_t i = n; i > 0; i = best[i].from)
    if (!best[i].word.text.empty()) out.push_back({best[i].from, i, std::move(best[i].word)});
  std::reverse(out.begin(), out.end());
  return out;
}

// Chars [first, last) of `words` (concatenated, with their cells' other readings) as one word; `decoded`, when
// given, is the lexicon word they read (one label per char).
struct CharAt {
  size_t word, index;
};
WordResult word_of(std::vector<WordResult>& words, const std::vector<CharAt>& at, size_t first, size_t last,
                   const DecodeResult* decoded) {
  WordResult w;
  for (size_t k = first; k < last; ++k) {
    WordResult& from = words[at[k].word];
    for (const CellReading& cell : from.other_readings)
      if (cell.first == at[k].index) {
        CellReading moved = cell;
        moved.first = w.chars.size();
        w.other_readings.push_back(std::move(moved));
      }
    CharResult c = from.chars[at[k].index];
    if (decoded) {
      c.label = decoded->text[k - first];
      c.confidence = decoded->probs[k - first];
    }
    w.box = w.chars.empty() ? c.box : (w.box | c.box);
    w.chars.push_back(std::move(c));
  }
  return w;
}

// Whether `w` is a word on its own: it decodes to a lexicon word of at least sure_word_min letters, or, shorter, reads
// as a lexicon word as it stands (of one letter only A and I: the word list holds every letter as an abbreviation).
bool is_lexicon_word(const WordResult& w, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  if (w.chars.size() >= cfg.sure_word_min) return lexicon_score(w.chars, decoder, cfg) > -INFINITY;
  const std::string text = w.text();
  if (text.size() == 1) return text == "A" || text == "I";
  return decoder.lexicon().contains(text);
}

// Letters written apart ("M A K E", "PIGL ONS"): each row of consecutive words of class glyphs is searched for
// stretches of two or more whole words, evenly spaced (every gap among their letters within join_gap_ratio of the
// narrowest), that decode together to a lexicon word while at least one of them is no lexicon word on its own
// ("HOUSE BOAT" stays two words); each becomes one word.
size_t join_spaced_letters(LineResult& line, const WordDecoder& decoder, const PageDecodeConfig& cfg,
                           std::vector<double>& letter_gaps) {
  const std::string& classes = decoder.classes();
  std::vector<WordResult> out;
  size_t joined = 0;
  for (size_t i = 0; i < line.words.size();) {
    size_t end = i;
    while (end < line.words.size() && !line.words[end].chars.empty() && all_classes(line.words[end].chars, classes))
      ++end;
    std::vector<const CharResult*> row;
    std::vector<CharAt> at;
    std::vector<bool> starts;   // starts[k]: char k begins a word (starts[row.size()] too)
    std::vector<bool> is_word;  // per char: its word is a lexicon word on its own
    for (size_t k = i; k < end; ++k) {
      const bool word = is_lexicon_word(line.words[k], decoder, cfg);
      for (size_t c = 0; c < line.words[k].chars.size(); ++c) {
        row.push_back(&line.words[k].chars[c]);
        at.push_back({k, c});
        starts.push_back(c == 0);
        is_word.push_back(word);
      }
    }
    starts.push_back(true);
    auto joinable = [&](size_t first, size_t last) {
      if (!starts[first] || !starts[last] || at[first].word == at[last - 1].word) return false;
      bool all_words = true;
      for (size_t k = first; k < last; ++k) all_words = all_words && is_word[k];
      const auto [hi, lo] = inner_gaps(row, first, last, cfg.join_gap_floor);
      if (all_words || hi > cfg.join_gap_ratio * lo) return false;
      // It stands apart as a word does: its neighbours in the row further away than its own letters.
      const double edge = cfg.join_edge_ratio * hi;
      if (first > 0 && gap_before(row, first, cfg.join_gap_floor) < edge) return false;
      if (last < row.size() && gap_before(row, last, cfg.join_gap_floor) < edge) return false;
      return true;
    };
    size_t next = i;
    if (row.size() >= cfg.sure_word_min && end - i >= 2)
      for (const Stretch& s : word_stretches(row, joinable, decoder, cfg)) {
        while (next < at[s.first].word) out.push_back(std::move(line.words[next++]));
        out.push_back(word_of(line.words, at, s.first, s.last, &s.word));
        // Only a row of spaced letters (three words or more) shows this writer's letter gaps: a word the segmenter
        // cut once ("PIGL ONS") shows one gap that may be a word gap.
        if (at[s.last - 1].word - at[s.first].word + 1 >= 3)
          for (size_t k = s.first + 1; k < s.last; ++k)
            letter_gaps.push_back(double(row[k]->box.x - row[k - 1]->box.br().x) /
                                  double(std::max({row[k]->box.height, row[k - 1]->box.height, 1})));
        next = at[s.last - 1].word + 1;
        ++joined;
      }
    end = std::max(end, i + 1);  // a word with punctuation passes on its own
    while (next < end) out.push_back(std::move(line.words[next++]));
    i = end;
  }
  line.words = std::move(out);
  return joined;
}

// Words run together ("WOODENLY9005", "XOLDSMOBILE"): a word of class glyphs that does not decode to a lexicon word
// is searched for stretches that do, set off by gaps at least split_gap_ratio x the widest gap inside the stretch
// and split_min_gap x the letter height; the word is split at each such stretch's edges. A split never falls inside
// a cell read cut or whole.
size_t split_run_together(LineResult& line, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  const std::string& classes = decoder.classes();
  std::vector<WordResult> out;
  size_t splits = 0;
  for (size_t w = 0; w < line.words.size(); ++w) {
    WordResult& word = line.words[w];
    const size_t n = word.chars.size();
    if (n <= cfg.sure_word_min || !all_classes(word.chars, classes) ||
        lexicon_score(word.chars, decoder, cfg) > -INFINITY) {
      out.push_back(std::move(word));
      continue;
    }
    std::vector<const CharResult*> chars;
    std::vector<CharAt> at;
    for (size_t k = 0; k < n; ++k) {
      chars.push_back(&word.chars[k]);
      at.push_back({w, k});
    }
    std::vector<bool> in_cell(n + 1, false);  // in_cell[k]: a cell spans the edge before char k
    for (const CellReading& cell : word.other_readings)
      for (size_t k = cell.first + 1; k < cell.first + cell.count && k <= n; ++k) in_cell[k] = true;
    auto set_off = [&](size_t first, size_t last) {
      if (first == 0 && last == n) return false;
      const double inner = inner_gaps(chars, first, last, cfg.join_gap_floor).first;
      for (const size_t edge : {first, last}) {
        if (edge == 0 || edge == n) continue;
        const double g = gap_before(chars, edge, cfg.join_gap_floor);
        const double h = std::max(chars[edge]->box.height, chars[edge - 1]->box.height);
        if (in_cell[edge] || g < cfg.split_gap_ratio * inner || g < cfg.split_min_gap * h) return false;
      }
      return true;
    };
    const std::vector<Stretch> found = word_stretches(chars, set_off, decoder, cfg);
    if (found.empty()) {
      out.push_back(std::move(word));
      continue;
    }
    std::vector<WordResult> words_here{std::move(word)};
    for (CharAt& a : at) a.word = 0;
    size_t next = 0;
    for (const Stretch& s : found) {
      if (next < s.first) out.push_back(word_of(words_here, at, next, s.first, nullptr));
      out.push_back(word_of(words_here, at, s.first, s.last, &s.word));
      next = s.last;
    }
    if (next < n) out.push_back(word_of(words_here, at, next, n, nullptr));
    ++splits;
  }
  line.words = std::move(out);
  return splits;
}

// Wide writing's other words: neighbouring words of class glyphs, one of them a single glyph and neither a lexicon
// word of sure_word_min letters (the lexicon already had its say on those), no further apart than `max_gap` letter
// heights, join (numbers and codes spaced like the writer's words: "5 8 1 1 8").
size_t join_by_letter_gaps(LineResult& line, const WordDecoder& decoder, const PageDecodeConfig& cfg, double max_gap) {
  const std::string& classes = decoder.classes();
  auto joinable = [&](const WordResult& w) {
    // Only words the lexicon is sure of stay as they are: a short one (I, AM) no wider from its neighbour than this
    // writer's letters is more likely part of a longer token than a word of its own.
    return !w.chars.empty() && all_classes(w.chars, classes) && !(lexicon_score(w.chars, decoder, cfg) > -INFINITY);
  };
  std::vector<WordResult> out;
  size_t joined = 0;
  for (WordResult& w : line.words) {
    if (!out.empty() && (w.chars.size() == 1 || out.back().chars.size() == 1) && joinable(w) && joinable(out.back())) {
      const CharResult &a = out.back().chars.back(), &b = w.chars.front();
      const double gap = double(b.box.x - a.box.br().x) / double(std::max({a.box.height, b.box.height, 1}));
      if (gap <= max_gap) {
        WordResult& into = out.back();
        for (CellReading cell : w.other_readings) {
          cell.first += into.chars.size();
          into.other_readings.push_back(std::move(cell));
        }
        into.chars.insert(into.chars.end(), w.chars.begin(), w.chars.end());
        into.box |= w.box;
        ++joined;
        continue;
      }
    }
    out.push_back(std::move(w));
  }
  line.words = std::move(out);
  return joined;
}

}  // namespace

size_t respace_words(PageResult& page, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  if (!cfg.respace || !(cfg.decode.lm_weight > 0) || !cfg.decode.use_lexicon || decoder.lexicon().empty()) return 0;
  std::vector<bool> in_comb(page.lines.size(), false);
  for (const FieldResult& f : page.fields)
    if (f.kind == "comb")
      for (size_t i = f.first_line; i < f.first_line + f.line_count && i < in_comb.size(); ++i) in_comb[i] = true;
  size_t changed = 0;
  std::vector<double> letter_gaps;  // inside rows of spaced letters the lexicon joined
  for (size_t i = 0; i < page.lines.size(); ++i)
    if (!in_comb[i]) {
      changed += join_spaced_letters(page.lines[i], decoder, cfg, letter_gaps);
      changed += split_run_together(page.lines[i], decoder, cfg);
    }
  if (!letter_gaps.empty() && letter_gaps.size() >= cfg.letter_gaps_min) {
    std::sort(letter_gaps.begin(), letter_gaps.end());
    const double q = std::clamp(cfg.letter_gap_quantile, 0.0, 1.0);  // rounded down: of 3 gaps, 0.9 is the middle
    const double max_gap = letter_gaps[size_t(q * double(letter_gaps.size() - 1))];
    for (size_t i = 0; i < page.lines.size(); ++i)
      if (!in_comb[i]) changed += join_by_letter_gaps(page.lines[i], decoder, cfg, max_gap);
  }
  return changed;
}

namespace {
// ---- Runs and lone glyphs ----

// A maximal run of class glyphs within a word, long enough to decode.
struct Run {
  std::vector<CharResult>* chars;
  size_t begin, end;
  std::vector<GlyphProbs> probs;
  size_t listed;  // the fewest alternatives any of its glyphs lists
};

struct LoneGlyph {
  CharResult* c;
  bool in_list;  // its line is a list of lone glyphs of one kind
};

struct Tokens {
  std::vector<Run> runs;
  std::vector<LoneGlyph> lone;
};

Run run_of(std::vector<CharResult>& chars, size_t begin, size_t end, const std::string& classes) {
  Run r{&chars, begin, end, {}, chars[begin].alternatives.size()};
  for (size_t k = begin; k < end; ++k) {
    r.probs.push_back(probs_of(chars[k], classes));
    r.listed = std::min(r.listed, chars[k].alternatives.size());
  }
  return r;
}

// A list of one kind: at least list_min lone glyphs, all but at most one letters, or all but one digits (by the
// classifier's top class).
bool is_list_of_one_kind(const std::vector<CharResult*>& lone, size_t list_min) {
  size_t letters = 0, digits = 0;
  for (const CharResult* c : lone) {
    letters += is_letter(c->alternatives[0].label);
    digits += is_digit(c->alternatives[0].label);
  }
  return lone.size() >= list_min && std::min(letters, digits) <= 1;
}

// The word's maximal runs of class glyphs (punctuation splits them: "1." decodes "1"): those of at least
// min_glyphs go to `out`, the glyphs of shorter ones to `lone`.
void collect_word(std::vector<CharResult>& chars, const std::string& classes, size_t min_glyphs, Tokens& out,
                  std::vector<CharResult*>& lone) {
  for (size_t i = 0; i < chars.size();) {
    if (!is_class(chars[i], classes)) {
      ++i;
      continue;
    }
    const size_t begin = i;
    while (i < chars.size() && is_class(chars[i], classes)) ++i;
    if (i - begin >= min_glyphs)
      out.runs.push_back(run_of(chars, begin, i, classes));
    else
      for (size_t k = begin; k < i; ++k) lone.push_back(&chars[k]);
  }
}

// The line's runs and lone glyphs; the lone glyphs keep the reader's line rule only on a list of one kind.
void collect_line(LineResult& line, const std::string& classes, const PageDecodeConfig& cfg, Tokens& out) {
  std::vector<CharResult*> lone;
  for (auto& word : line.words) collect_word(word.chars, classes, std::max<size_t>(cfg.min_glyphs, 1), out, lone);
  const bool list = is_list_of_one_kind(lone, cfg.list_min);
  for (CharResult* c : lone) out.lone.push_back({c, list});
}

// ---- Decoding rounds ----

std::vector<DecodeResult> decode_runs(const std::vector<Run>& runs, const WordDecoder& decoder,
                                      const DecodeConfig& dc) {
  std::vector<DecodeResult> out;
  for (const Run& run : runs) out.push_back(decoder.decode(run.probs, capped_to_listed(dc, run.listed)));
  return out;
}

// Whether the page reads as text: at least text_min_share of its runs decode to a lexicon word or a number.
bool is_text(const std::vector<DecodeResult>& out, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  size_t words = 0;
  for (const auto& r : out) {
    const PriorLogTerms t = decoder.log_terms(r.text, cfg.decode);
    words += t.lexicon > -INFINITY || t.number > -INFINITY;
  }
  return double(words) >= double(cfg.text_min_share) * double(out.size());
}

// A page that is not text: every run takes the classifier's top classes, except those that decode to a lexicon
// word of at least sure_word_min glyphs.
void keep_only_long_words(std::vector<DecodeResult>& out, const std::vector<Run>& runs, const WordDecoder& decoder,
                          const DecodeConfig& dc, size_t sure_word_min) {
  DecodeConfig none = dc;
  none.lm_weight = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    const bool long_word =
        out[i].text.size() >= sure_word_min && decoder.log_terms(out[i].text, dc).lexicon > -INFINITY;
    if (!long_word) out[i] = decoder.decode(runs[i].probs, none);
  }
}

// One token's share of each term at weights w (the E step, hard on the decoded text): w_t P_t(s) / sum_u w_u P_u(s),
// all zero when no term allows s.
PriorLogTerms term_shares(const PriorWeights& w, const PriorLogTerms& t) {
  const PriorLogTerms l = weighted_log_terms(w, t);
  const double m = l.fold(-INFINITY, [](double a, double b) { return std::max(a, b); });
  if (m == -INFINITY) return {};
  const PriorLogTerms e = l.map([m](double x) { return std::exp(x - m); });
  const double z = e.sum();
  return e.map([z](double x) { return x / z; });
}

// The M step: each term's weight is its share of the page's decoded runs, with adapt_strength pseudo-runs at the
// configured weights `w0`.
PriorWeights adapted_weights(const std::vector<DecodeResult>& out, const WordDecoder& decoder, const DecodeConfig& dc,
                             const PriorWeights& w0, const PageDecodeConfig& cfg) {
  PriorLogTerms share{0, 0, 0, 0};
  for (const auto& r : out)
    share = share.zip(term_shares(dc.weights, decoder.log_terms(r.text, dc)), [](double a, double b) { return a + b; });
  const double a = cfg.adapt_strength, n = double(out.size());
  const float w0_sum = w0.sum();
  return share.zip(w0, [&](double s, float w) { return float((s + a * w / w0_sum) / (n + a)); });
}

struct PageReading {
  std::vector<DecodeResult> runs;  // one per run
  bool text = true;                // the page reads as text (else lone glyphs take their top class too)
};

// Decodes the runs, tests whether the page is text (which needs a word list: without one, every page is), and then
// for adapt_rounds rounds moves the prior's weights toward the page's own mix of token kinds and decodes again.
PageReading read_runs(const std::vector<Run>& runs, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  DecodeConfig dc = cfg.decode;
  PageReading r{decode_runs(runs, decoder, dc)};
  if (runs.size() >= cfg.text_min_runs && dc.use_lexicon && !decoder.lexicon().empty() &&
      !is_text(r.runs, decoder, cfg)) {
    keep_only_long_words(r.runs, runs, decoder, dc, cfg.sure_word_min);
    r.text = false;
    return r;
  }
  const PriorWeights w0 = dc.weights;
  for (int round = 0; round < cfg.adapt_rounds && !runs.empty() && w0.sum() > 0; ++round) {
    dc.weights = adapted_weights(r.runs, decoder, dc, w0, cfg);
    r.runs = decode_runs(runs, decoder, dc);
  }
  return r;
}

// ---- Writing back ----

// Lone glyphs outside a list of one kind (or on a page that is not text) take the classifier's top class.
size_t write_lone_glyphs(const std::vector<LoneGlyph>& lone, bool text) {
  size_t changed = 0;
  for (const LoneGlyph& g : lone) {
    const Alternative& top = g.c->alternatives[0];
    if ((g.in_list && text) || g.c->label == top.label) continue;
    g.c->label = top.label;
    g.c->confidence = top.prob;
    ++changed;
  }
  return changed;
}

size_t write_runs(const std::vector<Run>& runs, const std::vector<DecodeResult>& out) {
  size_t changed = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    auto& chars = *runs[i].chars;
    bool differs = false;
    for (size_t k = runs[i].begin; k < runs[i].end; ++k) {
      const char l = out[i].text[k - runs[i].begin];
      differs = differs || chars[k].label != l;
      chars[k].label = l;
      chars[k].confidence = out[i].probs[k - runs[i].begin];
    }
    changed += differs;
  }
  return changed;
}
}  // namespace

size_t decode_page(PageResult& page, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  // Word spaces first, so that the letter/digit context sees the words they make.
  const size_t respaced = respace_words(page, decoder, cfg);
  if (cfg.context) apply_kind_context(page, cfg.context_min_singles, size_t(std::max(cfg.context_candidates, 1)));
  if (!(cfg.decode.lm_weight > 0)) return 0;
  size_t changed = respaced + take_word_readings(page, decoder, cfg);
  Tokens tokens;
  for (auto& line : page.lines) collect_line(line, decoder.classes(), cfg, tokens);
  const PageReading reading = read_runs(tokens.runs, decoder, cfg);
  changed += write_lone_glyphs(tokens.lone, reading.text);
  changed += write_runs(tokens.runs, reading.runs);
  return changed;
}

}  // namespace scrawl
