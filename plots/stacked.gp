# stacked.gp	who makes up the traffic: send and receive rates stacked by series.
#
# What it draws: two panels sharing a wall-clock x axis; in each, the series
# (the top talkers, then "rest", the other processes summed) are stacked on a
# linear axis, so the upper edge is the server's total bytes per second and
# each band's height is one series' share.  Seconds with no data are blank
# lines in the .dat file and break the bands.
#
# USAGE: gnuplot -e 'datafile="charts/timeseries.dat"' stacked.gp
#        gnuplot -e 'datafile="x.dat"; term="svg"; outfile="x.svg"' stacked.gp
#        (paths are relative to where gnuplot runs; the default data file is
#        timeseries.dat and the output stacked.png in the current directory)
#
# It reads the same timeseries.dat as timeseries.gp (column 1 epoch seconds,
# column 2k/2k+1 series k sent/received bytes per second).  dbnetio-report
# --plot DIR writes a copy with the settings block filled in.

# ---------------------------------------------------------------- settings
if (!exists("datafile"))       datafile = "timeseries.dat"
if (!exists("outfile"))        outfile = ""      # "" = stacked.<term>
if (!exists("term"))           term = "png"      # png (pngcairo) or svg
if (!exists("width"))          width = 1200
if (!exists("height"))         height = 760
if (!exists("title"))          title = "dbnetio: TCP bytes per second by process (stacked)"
# nseries: the series in the data file.  By default a file written by
# dbnetio-report is assumed: epoch, a column pair per series, two flag
# columns; for a file of your own without flags, give nseries.
if (!exists("nseries")) {
	stats datafile nooutput
	nseries = (STATS_columns - 3) / 2
	nseries = nseries < 1 ? 1 : nseries
	if (!exists("overcols")) { overcols = 2 * nseries + 2 }
}
if (!exists("series_title")) {
	array series_title[nseries]
	do for [k = 1:nseries] { series_title[k] = sprintf("series %d", k) }
}
if (!exists("tzoffset"))       tzoffset = 0
if (!exists("tzlabel"))        tzlabel = "UTC"   # x axis label: time (<tzlabel>)
if (!exists("xformat"))        xformat = "%H:%M:%S"   # time tic labels (strftime)

# ------------------------------------------------------------- utilities
if (strlen(outfile) == 0) { outfile = "stacked." . term }

# dbnetio-report gives them (palette), the same as its report's swatches.
if (!exists("palette")) array palette[8] = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", \
                                            "#56b4e9", "#d55e00", "#f0e442", "#000000"]
colour(k) = palette[(k - 1) % |palette| + 1]

# Upper edge of band k in direction d (0 send, 1 recv): series 1..k summed,
# in bytes per second.
upto(k, d) = sum [j=1:k] column(2*j + d)

# The x range is the data's own, the same as timeseries.gp's, so that the
# two charts line up.
stats datafile using 1 nooutput
_xmin = STATS_min
_xmax = STATS_max

# Each panel is linear in the binary unit of its highest total, so tics read
# "25 MiB/s" rather than "2.5e+07".  stats must run before the x axis becomes
# a time axis.
array _units[5] = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"]
array _scale[2]
array _yunit[2]
array _ymax[2]
do for [d = 0:1] {
	stats datafile using (upto(nseries, d)) nooutput
	_ymax[d + 1] = STATS_max
	_u = STATS_max < 1024 ? 0 : floor(log(STATS_max) / log(1024))
	_u = _u > 4 ? 4 : _u
	_scale[d + 1] = 1024.0 ** _u
	_yunit[d + 1] = _units[_u + 1]
}

# -------------------------------------------------------------- terminal
set encoding utf8
if (term eq "svg") {
	set terminal svg size width, height dynamic enhanced font "sans,11" background "white"
} else {
	set terminal pngcairo size width, height enhanced font "sans,10" background "white"
}
set output outfile

set xdata time
set timefmt "%s"
set format x xformat
set autoscale xfix
if (_xmax > _xmin) { set xrange [_xmin + tzoffset : _xmax + tzoffset] } \
else { set xrange [_xmin + tzoffset - 1 : _xmax + tzoffset + 1] }
# a short capture: whole-second tics, not fractions of one
if (_xmax - _xmin < 5 * 1) { set xtics 1 }
# The tics dbnetio-report chose so that no two labels overlap, at any length
# of capture (xtic_pos, xtic_label: %H:%M with the date once per day, ...);
# by hand, or drawn at another width, gnuplot's own.
_xlines = 1       # lines of the tallest time tic label
if (exists("xtic_n") && exists("xtic_width") && xtic_n > 0 && width == xtic_width) {
	set xtics (xtic_label[1] xtic_pos[1])
	do for [_i = 2:xtic_n] { set xtics add (xtic_label[_i] xtic_pos[_i]) }
	do for [_i = 1:xtic_n] { if (strstrt(xtic_label[_i], "\n") > 0) { _xlines = 2 } }
}
set grid xtics ytics lc rgb "#dddddd" lt 1 front
set border 3
set tics nomirror
set lmargin 13
set key outside right top vertical Left reverse noenhanced samplen 2 spacing 1.2
set style fill solid 0.85 noborder
set format y "%g"

set multiplot layout 2, 1 title title noenhanced font ",13"

array _dir[2] = ["sent by the server (send)", "received by the server (recv)"]
do for [d = 0:1] {
	set title _dir[d + 1]
	set ylabel sprintf("bytes/s (%s)", _yunit[d + 1])
	# an all-zero panel still gets an axis (and no warning)
	# 8 % headroom: a steady total does not sit on the top of the frame
	if (_ymax[d + 1] > 0) { set yrange [0 : 1.08 * _ymax[d + 1] / _scale[d + 1]] } \
	else { set yrange [0:1] }
	# under tic labels of two lines (the date), the axis title one line lower
	if (d == 1) { set xlabel sprintf("time (%s)", tzlabel) offset 0, 1 - _xlines } else { unset xlabel }
	# Bands are drawn top-down so that each lower band covers the one above
	# it from the x axis up to its own edge.
	plot for [k = nseries:1:-1] datafile \
	     using ($1 + tzoffset):(upto(k, d) / _scale[d + 1]) with filledcurves x1 \
	     lc rgb colour(k) title series_title[k]
}
unset multiplot
