/* test_plot_text.c: chart text the renderer can draw (postproc/plot_text.c).
 *
 * The fonts are a test's own here: "DejaVu" draws ASCII, Latin-1, U+2026
 * and U+FFFD; "Noto" adds CJK, emoji and the joiners emoji sequences use.
 * The real lookup (fontconfig) is exercised by tier 60 on rendered charts.
 */
#include "../../postproc/plot_text.h"
#include "unit.h"

static bool dejavu(uint32_t cp)
{
	return (cp >= 0x20 && cp < 0x7f) || (cp >= 0xa0 && cp <= 0xff) || cp == 0x2026 ||
	       cp == 0xfffd;
}

static bool noto(uint32_t cp)
{
	return dejavu(cp) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	       cp == 0x200d || cp == 0xfe0f;
}

static bool ascii(uint32_t cp)
{
	return cp >= 0x20 && cp < 0x7f;
}

#define FFFD "\xef\xbf\xbd"

int main(void)
{
	char out[256], esc[256];
	unsigned w;

	w = plot_text_clean("mariadbd", 0, dejavu, out, sizeof out);
	UNIT_TRUE("ASCII is kept as it is", w == 0 && strcmp(out, "mariadbd") == 0);
	w = plot_text_clean("caf\xc3\xa9", 0, dejavu, out, sizeof out);
	UNIT_TRUE("a character the font has is kept", w == 0 && strcmp(out, "caf\xc3\xa9") == 0);

	w = plot_text_clean("db\xf0\x9f\x94\xa5\xf0\x9f\x90\x98", 0, dejavu, out, sizeof out);
	UNIT_EQ_STR("emoji no font has: each one U+FFFD", "db" FFFD FFFD, out);
	UNIT_EQ_U64("emoji no font has: said so", PLOT_TEXT_NO_GLYPH, w);
	w = plot_text_clean("\xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93", 0, dejavu, out, sizeof out);
	UNIT_TRUE("CJK no font has: U+FFFD each", w == PLOT_TEXT_NO_GLYPH &&
		  strcmp(out, FFFD FFFD FFFD) == 0);
	w = plot_text_clean("\xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93", 0, noto, out, sizeof out);
	UNIT_TRUE("CJK with a font that has it: kept", w == 0 &&
		  strcmp(out, "\xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93") == 0);

	w = plot_text_clean("bad\xff\xfeutf8", 0, dejavu, out, sizeof out);
	UNIT_TRUE("bytes that are not UTF-8: one U+FFFD each, as the tables show them",
		  w == PLOT_TEXT_NOT_UTF8 && strcmp(out, "bad" FFFD FFFD "utf8") == 0);
	w = plot_text_clean("a\tb\x7f" "c\xc2\x85", 0, dejavu, out, sizeof out);
	UNIT_TRUE("control characters (C0, DEL, C1) become U+FFFD",
		  w == PLOT_TEXT_CONTROL && strcmp(out, "a" FFFD "b" FFFD "c" FFFD) == 0);
	/* U+202E RIGHT-TO-LEFT OVERRIDE would draw "[200]" as "]002[" */
	w = plot_text_clean("x\xe2\x80\xae" "db", 0, noto, out, sizeof out);
	UNIT_TRUE("a bidirectional override becomes U+FFFD", w == PLOT_TEXT_CONTROL &&
		  strcmp(out, "x" FFFD "db") == 0);

	/* family emoji: man ZWJ woman; heart + VS16 */
	const char *fam = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 \xe2\x9d\xa4\xef\xb8\x8f";
	w = plot_text_clean(fam, 0, noto, out, sizeof out);
	UNIT_TRUE("an emoji sequence with a font for it: the joiner is kept",
		  w == PLOT_TEXT_NO_GLYPH &&    /* U+2764 is not in this test's "Noto" */
		  strcmp(out, "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 " FFFD) == 0);
	w = plot_text_clean(fam, 0, dejavu, out, sizeof out);
	UNIT_TRUE("joiners after a replaced character are dropped, not shown",
		  w == PLOT_TEXT_NO_GLYPH && strcmp(out, FFFD FFFD " " FFFD) == 0);
	w = plot_text_clean("a\xff", 0, ascii, out, sizeof out);
	UNIT_TRUE("without a glyph for U+FFFD the replacement is '?'", strcmp(out, "a?") == 0);

	w = plot_text_clean("abcdefghij", 5, dejavu, out, sizeof out);
	UNIT_TRUE("cut to 5 columns: 4 and an ellipsis", w == PLOT_TEXT_CUT &&
		  strcmp(out, "abcd\xe2\x80\xa6") == 0);
	w = plot_text_clean("abcde", 5, dejavu, out, sizeof out);
	UNIT_TRUE("exactly 5 columns: not cut", w == 0 && strcmp(out, "abcde") == 0);
	w = plot_text_clean("\xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93xyz", 6, noto, out, sizeof out);
	UNIT_TRUE("wide characters count two columns", w == PLOT_TEXT_CUT &&
		  strcmp(out, "\xe6\x95\xb0\xe6\x8d\xae\xe2\x80\xa6") == 0);
	w = plot_text_clean("abcdefghij", 5, ascii, out, sizeof out);
	UNIT_TRUE("without a glyph for U+2026 the cut ends in '...'", strcmp(out, "ab...") == 0);
	w = plot_text_clean("abcdefghij", 0, dejavu, out, 6);
	UNIT_TRUE("a short buffer holds whole characters only", strcmp(out, "abcde") == 0);
	w = plot_text_clean("\xe6\x95\xb0\xe6\x95\xb0", 0, noto, out, 5);
	UNIT_TRUE("a short buffer never holds half a character", strcmp(out, "\xe6\x95\xb0") == 0);

	plot_text_escape("db\xf0\x9f\x94\xa5 bad\xff\n", esc, sizeof esc);
	UNIT_EQ_STR("escaped for stderr: ASCII, \\u{...}, \\xHH", "db\\u{1F525} bad\\xFF\\u{A}", esc);
	UNIT_DONE();
}
