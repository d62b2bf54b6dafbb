/* plot_text.h: text for the charts that the renderer can draw.
 *
 * Names in a chart come from the traced machine: a process name or host=
 * may hold emoji, CJK, control bytes or bytes that are not UTF-8.  gnuplot
 * hands every character to cairo and pango, which draw a character no
 * installed font has as a large black shape across the chart and lose the
 * rest of the legend entry with it (the `[PID]` that tells two processes of
 * one name apart).  So chart text is cleaned first: every character is kept
 * only if a font the renderer would use has a glyph for it (fontconfig, the
 * library pango itself asks), the others become U+FFFD, visibly; control
 * characters and bidirectional overrides (which would reorder "[PID]")
 * become U+FFFD too, and bytes that are not UTF-8 one U+FFFD each, as the
 * tables show them.  The caller keeps the `[PID]` outside the cleaned part
 * and warns on stderr about what was replaced.
 */
#ifndef DBNETIO_PLOT_TEXT_H
#define DBNETIO_PLOT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What plot_text_clean() changed, as a bit mask. */
#define PLOT_TEXT_NOT_UTF8  1u   /* bytes that are not UTF-8 */
#define PLOT_TEXT_CONTROL   2u   /* control or bidirectional-override characters */
#define PLOT_TEXT_NO_GLYPH  4u   /* characters no chart font can draw */
#define PLOT_TEXT_CUT       8u   /* cut to max_cols, "…" added */

/* Can the chart fonts draw code point cp?  Printable ASCII always; anything
 * else is looked up in the union of the character sets of the fonts
 * fontconfig sorts for "sans" (the templates' font), loaded once per process
 * on the first non-ASCII character (a few milliseconds).  Without a
 * fontconfig configuration only ASCII is drawable. */
bool plot_text_drawable(uint32_t cp);

/* Copy s into out (always NUL-terminated) as chart text: see above.  With
 * max_cols > 0 the result takes at most max_cols columns (East Asian wide
 * characters and emoji count two), cut with "…" when longer.  drawable
 * decides what the fonts have (plot_text_drawable, or a test's own).
 * Returns the PLOT_TEXT_* mask of what was changed. */
unsigned plot_text_clean(const char *s, size_t max_cols, bool (*drawable)(uint32_t cp),
			 char *out, size_t outlen);

/* Columns s takes in a chart (see plot_text_clean); s is chart text. */
size_t plot_text_columns(const char *s);

/* s for a message on stderr, in ASCII: printable ASCII as is, other
 * characters as \u{XXXX}, bytes that are not UTF-8 as \xHH. */
void plot_text_escape(const char *s, char *out, size_t outlen);

#endif
