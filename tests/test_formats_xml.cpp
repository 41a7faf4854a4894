// ALTO v4 and PAGE 2019-07-15 output: valid against the official schemas (xmllint, offline copies in
// ../shared/schemas) and holding what was read — lines, words, glyphs, boxes, confidences, alternatives, the image
// and the software; hOCR with the classes and title properties hocr-tools reads.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "scrawl/ocr/format.h"
#include "test_util.h"

namespace {

// A page read by hand: two lines, "HI 42" and, in a comb field, "OK"; known boxes and confidences.
scrawl::PageResult hand_made_page() {
  auto ch = [](char label, cv::Rect box, float conf, char alt) {
    return scrawl::CharResult{box, label, conf, {{label, conf}, {alt, 1 - conf}}};
  };
  scrawl::PageResult p;
  p.path = "dir/form <1>.png";  // escaped in attributes
  p.size = {800, 600};
  scrawl::LineResult l1;
  l1.box = {100, 100, 300, 60};
  l1.words.push_back(
      {{100, 100, 120, 60}, {ch('H', {100, 100, 50, 60}, 0.9f, 'M'), ch('I', {170, 100, 50, 60}, 0.6f, '1')}, {}});
  l1.words.push_back(
      {{300, 100, 100, 60}, {ch('4', {300, 100, 45, 60}, 0.8f, 'A'), ch('2', {355, 100, 45, 60}, 0.7f, 'Z')}, {}});
  scrawl::LineResult l2;
  l2.box = {100, 300, 120, 50};
  l2.words.push_back(
      {{100, 300, 120, 50}, {ch('O', {100, 300, 50, 50}, 0.5f, '0'), ch('K', {170, 300, 50, 50}, 0.95f, 'X')}, {}});
  p.lines = {l1, l2};
  p.fields.push_back({"comb", {95, 295, 180, 60}, {{95, 295, 60, 60}, {155, 295, 60, 60}, {215, 295, 60, 60}}, 1, 1});
  return p;
}

std::string write_temp(const scrawl::test::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir.path / name).string();
  std::ofstream(path) << text;
  return path;
}

// xmllint's verdict on the file against the schema, offline.
int validate(const std::string& file, const std::string& schema) {
  const std::string cmd = "xmllint --noout --nonet --schema " + scrawl::test::data_dir() + "/../schemas/" + schema +
                          " '" + file + "' 2>/dev/null";
  return std::system(cmd.c_str());
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(Alto, ValidatesAndHoldsTheReading) {
  scrawl::test::TempDir dir;
  const std::string xml = scrawl::to_alto({hand_made_page()});
  EXPECT_EQ(validate(write_temp(dir, "p.xml", xml), "alto-4-4.xsd"), 0) << xml;
  EXPECT_NE(xml.find("<fileName>dir/form &lt;1&gt;.png</fileName>"), std::string::npos);
  EXPECT_NE(xml.find("<softwareName>scrawl</softwareName>"), std::string::npos);
  EXPECT_NE(xml.find("<Page ID=\"p1\" PHYSICAL_IMG_NR=\"1\" WIDTH=\"800\" HEIGHT=\"600\""), std::string::npos);
  EXPECT_EQ(count(xml, "<TextBlock "), 2u);  // the free line, and the comb field
  EXPECT_EQ(count(xml, "<TextLine "), 2u);
  EXPECT_EQ(count(xml, "<String "), 3u);
  EXPECT_EQ(count(xml, "<SP/>"), 1u);
  EXPECT_EQ(count(xml, "<Glyph "), 6u);
  // A word: its box, text, least confidence, and per-character confidences 0 (sure) .. 9 (unsure).
  EXPECT_NE(xml.find("HPOS=\"100\" VPOS=\"100\" WIDTH=\"120\" HEIGHT=\"60\" CONTENT=\"HI\" WC=\"0.600\" CC=\"1 4\""),
            std::string::npos);
  EXPECT_NE(xml.find("HPOS=\"170\" VPOS=\"100\" WIDTH=\"50\" HEIGHT=\"60\" CONTENT=\"I\" GC=\"0.600\"><Variant "
                     "CONTENT=\"1\" VC=\"0.400\"/></Glyph>"),
            std::string::npos);
}

TEST(Alto, MultiplePagesArePageElements) {
  scrawl::test::TempDir dir;
  const std::string xml = scrawl::to_alto({hand_made_page(), hand_made_page()});
  EXPECT_EQ(validate(write_temp(dir, "p.xml", xml), "alto-4-4.xsd"), 0);
  EXPECT_EQ(count(xml, "<Page "), 2u);
  EXPECT_NE(xml.find("ID=\"p2_l2_w1_g2\""), std::string::npos);
}

TEST(PageXml, ValidatesAndHoldsTheReading) {
  scrawl::test::TempDir dir;
  const std::string xml = scrawl::to_page_xml(hand_made_page(), "2026-12-04T12:00:00Z");
  EXPECT_EQ(validate(write_temp(dir, "p.xml", xml), "page-2019-07-15.xsd"), 0) << xml;
  EXPECT_NE(xml.find("<Creator>scrawl "), std::string::npos);
  EXPECT_NE(xml.find("<Created>2026-12-04T12:00:00Z</Created>"), std::string::npos);
  EXPECT_NE(xml.find("imageFilename=\"form &lt;1&gt;.png\" imageWidth=\"800\" imageHeight=\"600\""), std::string::npos);
  EXPECT_EQ(count(xml, "<TextRegion "), 2u);
  EXPECT_NE(xml.find("<TextRegion id=\"r2\" custom=\"structure {type:comb;}\">"), std::string::npos);
  EXPECT_EQ(count(xml, "<RegionRefIndexed "), 2u);
  EXPECT_EQ(count(xml, "<TextLine "), 2u);
  EXPECT_EQ(count(xml, "<Word "), 3u);
  EXPECT_EQ(count(xml, "<Glyph "), 6u);
  // The comb field's region is its frame; a glyph: its polygon, reading first, then its alternative.
  EXPECT_NE(xml.find("<Coords points=\"95,295 275,295 275,355 95,355\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<Glyph id=\"r2_l1_w1_g1\"><Coords points=\"100,300 150,300 150,350 100,350\"/><TextEquiv "
                     "index=\"1\" conf=\"0.500\"><Unicode>O</Unicode></TextEquiv><TextEquiv index=\"2\" "
                     "conf=\"0.500\"><Unicode>0</Unicode></TextEquiv></Glyph>"),
            std::string::npos);
  EXPECT_NE(xml.find("<TextEquiv conf=\"0.700\"><Unicode>42</Unicode></TextEquiv></Word>"), std::string::npos);
  EXPECT_NE(xml.find("<TextEquiv conf=\"0.600\"><Unicode>HI 42</Unicode></TextEquiv>\n   </TextLine>"),
            std::string::npos);
}

TEST(PageXml, AnEmptyPageIsValid) {
  scrawl::test::TempDir dir;
  scrawl::PageResult empty;
  empty.path = "blank.png";
  empty.size = {100, 100};
  EXPECT_EQ(
      validate(write_temp(dir, "p.xml", scrawl::to_page_xml(empty, "2026-12-04T12:00:00Z")), "page-2019-07-15.xsd"), 0);
  EXPECT_EQ(validate(write_temp(dir, "a.xml", scrawl::to_alto({empty})), "alto-4-4.xsd"), 0);
}

TEST(Hocr, HasTheClassesAndPropertiesHocrToolsRead) {
  const std::string html = scrawl::to_hocr({hand_made_page()});
  EXPECT_EQ(count(html, "class=\"ocr_page\""), 1u);
  EXPECT_EQ(count(html, "class=\"ocr_line\""), 2u);
  EXPECT_EQ(count(html, "class=\"ocrx_word\""), 3u);
  EXPECT_EQ(count(html, "class=\"ocrx_cinfo\""), 6u);
  EXPECT_NE(html.find("content=\"ocr_page ocr_carea ocr_line ocrx_word ocrx_cinfo\""), std::string::npos);
  // A block per run of free lines and per field: the free line, then the comb with its line inside.
  EXPECT_EQ(count(html, "class=\"ocr_carea\""), 2u);
  const size_t comb = html.find("id=\"block_1_2\" title=\"bbox 95 295 275 355\"");
  ASSERT_NE(comb, std::string::npos);
  EXPECT_LT(comb, html.find("id=\"line_1_2\""));
  EXPECT_EQ(count(html, "<div"), count(html, "</div>"));
  // Every element's title starts with its bbox (x0 y0 x1 y1); words carry x_wconf, characters x_conf.
  const std::regex titled("class=\"(ocr_page|ocr_line|ocrx_word|ocrx_cinfo)\"[^>]*title=\"([^\"]*)\"");
  size_t titles = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), titled); it != std::sregex_iterator(); ++it) {
    const std::string cls = (*it)[1], title = (*it)[2];
    EXPECT_TRUE(std::regex_search(title, std::regex("(^|; )bbox \\d+ \\d+ \\d+ \\d+"))) << title;
    if (cls == "ocrx_word") {
      EXPECT_TRUE(std::regex_search(title, std::regex("; x_wconf \\d+$"))) << title;
    }
    if (cls == "ocrx_cinfo") {
      EXPECT_TRUE(std::regex_search(title, std::regex("; x_conf \\d+$"))) << title;
    }
    ++titles;
  }
  EXPECT_EQ(titles, 12u);  // (ocr_carea titles are not counted: its class is not in the pattern)
  EXPECT_NE(html.find("title=\"bbox 170 100 220 160; x_conf 60\">I</span>"), std::string::npos);
  EXPECT_NE(html.find("title=\"bbox 100 100 220 160; x_wconf 60\">"), std::string::npos);
}

TEST(Tsv, FieldsAreBlocksAndLinesAreNumberedWithinThem) {
  const std::string tsv = scrawl::to_tsv({hand_made_page()});
  // level 2 rows: the free line's block, then the comb's (its frame as the box).
  EXPECT_NE(tsv.find("\n2\t1\t1\t0\t0\t0\t100\t100\t300\t60\t-1\t\n"), std::string::npos) << tsv;
  EXPECT_NE(tsv.find("\n2\t1\t2\t0\t0\t0\t95\t295\t180\t60\t-1\t\n"), std::string::npos) << tsv;
  // The comb's word: block 2, paragraph 1, line 1 of its block, word 1.
  EXPECT_NE(tsv.find("\n5\t1\t2\t1\t1\t1\t100\t300\t120\t50\t50.000000\tOK\n"), std::string::npos) << tsv;
}

TEST(XmlFormats, TheCliWritesValidAltoAndPageForARealPage) {
  scrawl::test::TempDir dir;
  const std::string photo = scrawl::test::data_dir() + "/pages/02_letters.jpg";
  const auto alto = scrawl::test::run_scrawl("read --format alto " + photo);
  ASSERT_EQ(alto.exit_code, 0);
  EXPECT_EQ(validate(write_temp(dir, "a.xml", alto.out), "alto-4-4.xsd"), 0);
  EXPECT_EQ(count(alto.out, "<TextLine "), 5u);  // A-G, H-N, O-U, V-Z, the digits
  EXPECT_EQ(count(alto.out, "<Glyph "), 36u);
  const auto page = scrawl::test::run_scrawl("read --format page " + photo);
  ASSERT_EQ(page.exit_code, 0);
  EXPECT_EQ(validate(write_temp(dir, "p.xml", page.out), "page-2019-07-15.xsd"), 0);
  EXPECT_EQ(count(page.out, "<Glyph "), 36u);
  EXPECT_NE(page.out.find("imageFilename=\"02_letters.jpg\""), std::string::npos);
  // PAGE holds one page: several images are refused before anything is read.
  EXPECT_EQ(scrawl::test::run_scrawl("read --format page " + photo + " " + photo).exit_code, 2);
}

}  // namespace
