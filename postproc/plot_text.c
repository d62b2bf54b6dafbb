/* plot_text.c: chart text that the renderer can draw (see plot_text.h).
 *
 * The glyph check asks fontconfig for the fonts it would sort for "sans",
 * trimmed to those that add characters, and the union of their character
 * sets: the fonts pango falls back through when gnuplot's pngcairo draws a
 * string, and those Chromium uses for the report's inline SVG.  It is
 * loaded once per process, on the first character outside printable ASCII,
 * and kept (both chart engines of a run share it).
 */
#include "plot_text.h"

#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write_util.h"

/* ------------------------------------------------------------- glyphs */

static bool fc_loaded;
static FcCharSet *fc_cover;      /* NULL: fontconfig could not answer */

/* The union of the character sets of the fonts sorted for "sans". */
static FcCharSet *load_coverage(void)
{
	FcCharSet *cover = NULL;
	FcResult res;

	if (!FcInit())
		return NULL;
	FcPattern *pat = FcNameParse((const FcChar8 *)"sans");
	if (!pat)
		return NULL;
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	FcFontSet *fs = FcFontSort(NULL, pat, FcTrue, &cover, &res);
	if (fs)
		FcFontSetDestroy(fs);
	FcPatternDestroy(pat);
	return cover;
}

/* At exit: give fontconfig's memory back (its character sets hold their
 * pages by offset, so a leak checker cannot see that they are in use). */
static void unload_coverage(void)
{
	if (fc_cover)
		FcCharSetDestroy(fc_cover);
	fc_cover = NULL;
	FcFini();
}

bool plot_text_drawable(uint32_t cp)
{
	if (cp >= 0x20 && cp < 0x7f)
		return true;
	if (!fc_loaded) {
		fc_cover = load_coverage();
		fc_loaded = true;
		atexit(unload_coverage);
	}
	return fc_cover && FcCharSetHasChar(fc_cover, cp);
}

/* ---------------------------------------------------------- characters */

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Control characters, and the formatting characters that reorder or break
 * a line: shown as U+FFFD so that "[PID]" stays where it is. */
static const struct wu_range control[] = {
	{ 0x00, 0x1f }, { 0x7f, 0x9f }, { 0x061c, 0x061c }, { 0x200e, 0x200f },
	{ 0x2028, 0x202e }, { 0x2066, 0x2069 },
};

/* Invisible characters that join or vary the one before (ZWJ in emoji
 * sequences, variation selectors, tags): kept after a character that was
 * kept, dropped otherwise; they take no column. */
static const struct wu_range joiner[] = {
	{ 0x034f, 0x034f }, { 0x180b, 0x180f }, { 0x200b, 0x200d }, { 0x2060, 0x2064 },
	{ 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff }, { 0xe0000, 0xe007f }, { 0xe0100, 0xe01ef },
};

/* ------------------------------------------------------------- cleaning */

/* Encode cp as UTF-8 into b (4 bytes); returns its length. */
static size_t utf8_put(uint32_t cp, char *b)
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | cp >> 18);
	b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	b[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

unsigned plot_text_clean(const char *s, size_t max_cols, bool (*drawable)(uint32_t cp),
			 char *out, size_t outlen)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u), o = 0, cols = 0;
	/* where the text would be cut for a one-column "…" or for "..." */
	size_t cut1 = 0, cut3 = 0;
	bool prev_kept = false;
	unsigned what = 0;
	/* U+FFFD, or '?' without a font for it: asked on the first need only,
	 * so that ASCII text never loads the fonts' coverage */
	uint32_t fffd = 0;
#define FFFD() (fffd ? fffd : (fffd = drawable(0xfffd) ? 0xfffd : '?'))

	if (outlen == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		bool replaced = true;
		size_t len = wu_utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			cp = FFFD();
			len = 1;
			what |= PLOT_TEXT_NOT_UTF8;
		} else if (wu_in_ranges(cp, control, N(control))) {
			cp = FFFD();
			what |= PLOT_TEXT_CONTROL;
		} else if (wu_in_ranges(cp, joiner, N(joiner))) {
			if (!prev_kept || !drawable(cp)) {
				i += len;        /* an invisible char joining nothing */
				continue;
			}
			replaced = false;
		} else if (!drawable(cp)) {
			cp = FFFD();
			what |= PLOT_TEXT_NO_GLYPH;
		} else {
			replaced = false;
		}
		i += len;
		prev_kept = !replaced;
		char b[4];
		size_t bl = utf8_put(cp, b);
		if (o + bl + 1 > outlen)
			break;
		unsigned w = wu_cp_width(cp);
		if (w && cols + w <= (max_cols > 1 ? max_cols - 1 : 0))
			cut1 = o + bl;
		if (w && cols + w <= (max_cols > 3 ? max_cols - 3 : 0))
			cut3 = o + bl;
		memcpy(out + o, b, bl);
		o += bl;
		cols += w;
	}
#undef FFFD
	out[o] = '\0';
	if (max_cols && cols > max_cols) {
		what |= PLOT_TEXT_CUT;
		bool ellipsis = drawable(0x2026);
		size_t at = ellipsis ? cut1 : cut3;
		const char *more = ellipsis ? "\xe2\x80\xa6" : "...";
		if (at + strlen(more) + 1 > outlen)
			at = outlen > strlen(more) + 1 ? outlen - strlen(more) - 1 : 0;
		snprintf(out + at, outlen - at, "%s", more);
	}
	return what;
}

void plot_text_escape(const char *s, char *out, size_t outlen)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u), o = 0;

	if (outlen == 0)
		return;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = wu_utf8_decode(u + i, n - i, &cp);
		char b[16];
		if (len == 0) {
			snprintf(b, sizeof b, "\\x%02X", u[i]);
			len = 1;
		} else if (cp >= 0x20 && cp < 0x7f) {
			b[0] = (char)cp;
			b[1] = '\0';
		} else {
			snprintf(b, sizeof b, "\\u{%X}", (unsigned)cp);
		}
		size_t bl = strlen(b);
		if (o + bl + 1 > outlen)
			break;
		memcpy(out + o, b, bl);
		o += bl;
		i += len;
	}
	out[o] = '\0';
}
