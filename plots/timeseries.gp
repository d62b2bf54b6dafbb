# timeseries.gp	send and receive rate per second, one line per series.
#
# What it draws: two panels sharing a wall-clock x axis, bytes/s the server
# sent (top) and received (bottom), one line per series (the top talkers and
# "rest" summed).  A dashed line marks each direction's threshold; the
# seconds in which any series was over it are shaded lightly, and each alert
# (a crossing that lasted, see --threshold) is a strong band with its number
# on top, as in the report's alert table, at least a few pixels wide however
# long the chart.  Seconds with no data are blank lines in the .dat file, so
# the lines break there instead of drawing across the gap.
#
# USAGE: gnuplot -e 'datafile="charts/timeseries.dat"' timeseries.gp
#        gnuplot -e 'datafile="x.dat"; term="svg"; outfile="x.svg"' timeseries.gp
#        (paths are relative to where gnuplot runs; the default data file is
#        timeseries.dat and the output timeseries.png in the current directory)
#
# dbnetio-report --plot DIR writes a copy of this file into DIR with the
# settings block below filled in; every setting has a default so that this
# template also runs by hand on a timeseries.dat of your own.
#
# Data file (timeseries.dat): one row per dump, "#" lines are comments,
#   column 1        time, Unix epoch seconds (UTC)
#   column 2k       series k, bytes sent per second
#   column 2k+1     series k, bytes received per second
#   (optional)      two 0/1 columns: over the send, the recv threshold
# and a blank line where seconds are missing.  A row's time is the start of
# its interval (second k is [k, k+interval)).

# ---------------------------------------------------------------- settings
if (!exists("datafile"))       datafile = "timeseries.dat"
if (!exists("outfile"))        outfile = ""      # "" = timeseries.<term>
if (!exists("term"))           term = "png"      # png (pngcairo) or svg
if (!exists("width"))          width = 1200
if (!exists("height"))         height = 760
if (!exists("title"))          title = "dbnetio: TCP bytes per second"
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
if (!exists("interval"))       interval = 1      # seconds between rows
if (!exists("tzoffset"))       tzoffset = 0      # seconds added to show local time
if (!exists("tzlabel"))        tzlabel = "UTC"   # x axis label: time (<tzlabel>)
if (!exists("xformat"))        xformat = "%H:%M:%S"   # time tic labels (strftime)
if (!exists("logscale"))       logscale = -1     # y axis: -1 chosen from the data, 0 linear, 1 log
if (!exists("send_threshold")) send_threshold = 0   # bytes/s, 0 = none
if (!exists("recv_threshold")) recv_threshold = 0
if (!exists("send_yfloor"))    send_yfloor = -1  # bytes/s where a log axis starts;
if (!exists("recv_yfloor"))    recv_yfloor = -1  # -1: the smallest positive rate
if (!exists("overcols"))       overcols = 0      # >0: columns overcols, overcols+1
                                                 # flag the seconds over the thresholds
# alert_n and the arrays alert_start, alert_end (epoch seconds), alert_panel
# (0 send, 1 recv), alert_num (its number) and alert_row (which row its
# number goes in, 0 for none): the alerts to mark; alert_minwidth: the
# narrowest band, in seconds
if (!exists("alert_n"))        alert_n = 0

# ------------------------------------------------------------- utilities
if (strlen(outfile) == 0) { outfile = "timeseries." . term }

# Eight colours that stay distinct in print and for common colour blindness.
# dbnetio-report gives them (palette), the same as its report's swatches.
if (!exists("palette")) array palette[8] = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", \
                                            "#56b4e9", "#d55e00", "#f0e442", "#000000"]
colour(k) = palette[(k - 1) % |palette| + 1]

# A rate as the tables print it (three significant digits, "1.40 MiB/s"):
# dbnetio-report gives its own text of each value it writes; this is for
# the others and by hand.
_sig3(x) = x < 10 ? sprintf("%.2f", x) : x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x)
human(v) = v >= 1099511627776 ? _sig3(v / 1099511627776.0) . " TiB/s" : \
           v >= 1073741824 ? _sig3(v / 1073741824.0) . " GiB/s" : \
           v >= 1048576 ? _sig3(v / 1048576.0) . " MiB/s" : \
           v >= 1024 ? _sig3(v / 1024.0) . " KiB/s" : sprintf("%.0f B/s", v)
# the thresholds' text: dbnetio-report's (send_threshold_text, ...)
if (!exists("send_threshold_text")) send_threshold_text = human(send_threshold)
if (!exists("recv_threshold_text")) recv_threshold_text = human(recv_threshold)
thr_text(d) = d == 0 ? send_threshold_text : recv_threshold_text
# 1 when direction d (0 send, 1 recv) is over its threshold in this row.
# dbnetio-report writes flag columns, measured per process (a threshold
# watches each process separately, and "rest" is a sum); without them the
# drawn columns are compared instead.
thr(d) = d == 0 ? send_threshold : recv_threshold
over(d) = overcols > 0 ? column(overcols + d) : \
          (sum [k=1:nseries] (column(2*k + d) > thr(d) ? 1 : 0)) > 0 ? 1 : 0

# Is any second over the threshold?  dbnetio-report says (send_over_any,
# recv_over_any); by hand, the flags are read.  Without any, the chart has
# no shading and its legend no entry for it.
array _over_any[2]
do for [d = 0:1] {
	if (d == 0 && exists("send_over_any")) { _over_any[1] = send_over_any } \
	else { if (d == 1 && exists("recv_over_any")) { _over_any[2] = recv_over_any } \
	else { stats datafile using (thr(d) > 0 ? over(d) : 0) nooutput; _over_any[d + 1] = STATS_max > 0 } }
}

# ---------------------------------------------------------------- x axis
# The x range is the data's own: boxes (the shaded seconds) would otherwise
# widen it by an interval at each end.
stats datafile using 1 nooutput
_xmin = STATS_min
_xmax = STATS_max
# A handful of rows is drawn with points too, so that a lone second shows.
_few = STATS_records < 30 ? 1 : 0

# ------------------------------------------------------------ y axes
# Each panel chooses its own axis from the data.  A log axis when one series
# would otherwise be a flat line on the floor (its peak under 1/50 of the
# panel's) or a spike flattens the rest (the peak over 50 times the busiest
# series' median); otherwise a linear axis in the binary unit of the peak, so
# tics read "25 MiB/s" rather than "2.5e+07".  stats must run before the x
# axis becomes a time axis.
#
# A log axis starts at a floor: dbnetio-report gives the lowest series' 1st
# percentile of its positive rates, down to a tic (by hand: the smallest
# positive rate), and zeros and anything lower are drawn on it, its tic
# labelled "≤".  A silent second no longer sends the axis down to 1 B/s with
# most of its decades empty.  Both kinds of axis leave headroom above the
# highest value or the threshold, so neither sits on the top of the frame.
array _units[5] = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"]
array _log[2]
array _scale[2]
array _yunit[2]
array _ymax[2]
array _floor[2]
# the log tic (1, 10 or 100 of a binary unit) at or below v
_ub(v) = 1024.0 ** floor(log(v) / log(1024) + 1e-9)
tic_below(v) = v >= 100 * _ub(v) ? 100 * _ub(v) : v >= 10 * _ub(v) ? 10 * _ub(v) : _ub(v)
do for [d = 0:1] {
	_hi = 0; _med = 0; _lowpeak = 0; _lo = 0
	do for [k = 1:nseries] {
		stats datafile using (column(2*k + d)) nooutput
		if (STATS_max > _hi) { _hi = STATS_max; _med = STATS_median }
		if (STATS_max > 0 && (_lowpeak == 0 || STATS_max < _lowpeak)) { _lowpeak = STATS_max }
		if (STATS_max > 0) {
			stats datafile using (column(2*k + d) > 0 ? column(2*k + d) : 1e300) nooutput
			if (_lo == 0 || STATS_min < _lo) { _lo = STATS_min }
		}
	}
	_top = _hi > thr(d) ? _hi : thr(d)
	_ymax[d + 1] = _top
	_log[d + 1] = logscale >= 0 ? logscale : \
	              (_hi > 50 * _lowpeak || _hi > 50 * (_med > 1 ? _med : 1)) ? 1 : 0
	_fl = d == 0 ? send_yfloor : recv_yfloor
	_fl = _fl > 0 ? _fl : (_lo > 0 ? tic_below(_lo) : 1)
	# a threshold below the floor is still drawn
	if (thr(d) > 0 && thr(d) < _fl) { _fl = tic_below(thr(d)) }
	_floor[d + 1] = _fl
	_u = _top < 1024 ? 0 : floor(log(_top) / log(1024))
	_u = _u > 4 ? 4 : _u
	_scale[d + 1] = 1024.0 ** _u
	_yunit[d + 1] = _units[_u + 1]
}

# The value column c contributes in panel d: scaled to the unit on a linear
# axis, at least the floor on a log axis (log 0 is undefined, and a silent
# second should sit on the bottom of the chart, not vanish).
yval(c, d) = _log[d + 1] ? (column(c) < _floor[d + 1] ? _floor[d + 1] : column(c)) : \
             column(c) / _scale[d + 1]
yof(v, d) = _log[d + 1] ? v : v / _scale[d + 1]

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
set grid xtics ytics lc rgb "#dddddd" lt 1
set border 3
set autoscale xfix
if (_xmax > _xmin) { set xrange [_xmin + tzoffset : _xmax + tzoffset] } \
else { set xrange [_xmin + tzoffset - interval : _xmax + tzoffset + interval] }
# a short capture: whole-second tics, not fractions of one
if (_xmax - _xmin < 5 * interval) { set xtics interval }
# The tics dbnetio-report chose so that no two labels overlap, at any length
# of capture (xtic_pos, xtic_label: %H:%M with the date once per day, ...);
# by hand, or drawn at another width, gnuplot's own.
_xlines = 1       # lines of the tallest time tic label
if (exists("xtic_n") && exists("xtic_width") && xtic_n > 0 && width == xtic_width) {
	set xtics (xtic_label[1] xtic_pos[1])
	do for [_i = 2:xtic_n] { set xtics add (xtic_label[_i] xtic_pos[_i]) }
	do for [_i = 1:xtic_n] { if (strstrt(xtic_label[_i], "\n") > 0) { _xlines = 2 } }
}
set lmargin 13      # the same for both panels, so their time axes line up
set tics nomirror
set key outside right top vertical Left reverse noenhanced samplen 2 spacing 1.2
set style fill transparent solid 0.12 noborder
set boxwidth interval absolute
# an alert's number: red on white in a red box
set style textbox opaque fc rgb "white" border lc rgb "#c00000" margins 1.5, 1
set y2range [0:1]
unset y2tics

set multiplot layout 2, 1 title title noenhanced font ",13"

array _dir[2] = ["sent by the server (send)", "received by the server (recv)"]
do for [d = 0:1] {
	set title _dir[d + 1]
	if (_log[d + 1]) {
		# Tics at 1, 10 and 100 of each binary unit read as "10 KiB/s",
		# and 2, 5, 20, ... too when the axis spans under 2.5 decades.
		set logscale y 10
		_fl = _floor[d + 1]
		_ytop = (_ymax[d + 1] > _fl ? _ymax[d + 1] : 10 * _fl) * 1.6
		set yrange [_fl : _ytop]
		set format y ""
		set ytics ()
		_m = log10(_ytop / _fl) <= 2.5 ? "1 2 5 10 20 50 100 200 500" : "1 10 100"
		do for [p = 0:4] {
			do for [m in _m] {
				_v = (m + 0) * 1024.0 ** p
				if (_v > _fl * 1.001 && _v <= _ytop) {
					set ytics add (sprintf("%s %s", m, _units[p + 1]) _v)
				}
			}
		}
		_p = floor(log(_fl) / log(1024) + 1e-9)
		set ytics add (sprintf("≤%g %s", _fl / 1024.0 ** _p, _units[_p + 1]) _fl)
		set mytics 10
		set ylabel "bytes/s (log scale)"
	} else {
		unset logscale y
		set ytics autofreq
		set format y "%g"
		# an all-zero panel still gets an axis (and no warning); 8 %
		# headroom keeps a flat line and the threshold off the frame
		if (_ymax[d + 1] > 0) { set yrange [0 : 1.08 * _ymax[d + 1] / _scale[d + 1]] } \
		else { set yrange [0:1] }
		set ylabel sprintf("bytes/s (%s)", _yunit[d + 1])
	}
	t = thr(d)
	# under tic labels of two lines (the date), the axis title one line lower
	if (d == 1) { set xlabel sprintf("time (%s)", tzlabel) offset 0, 1 - _xlines } else { unset xlabel }
	# The alerts of this panel: a band from start to end, widened to
	# alert_minwidth about its middle, behind the lines; the number on top.
	unset object
	unset label
	_alerts = 0
	do for [_i = 1:alert_n] {
		if (alert_panel[_i] == d) {
			_alerts = _alerts + 1
			_x0 = alert_start[_i] + tzoffset
			_x1 = alert_end[_i] + tzoffset
			if (_x1 - _x0 < alert_minwidth) {
				_x0 = (_x0 + _x1 - alert_minwidth) / 2.0
				_x1 = _x0 + alert_minwidth
			}
			set object _i rect from first _x0, graph 0 to first _x1, graph 1 \
			    fc rgb "#c00000" fs solid 0.45 noborder behind
			if (alert_row[_i] > 0) {
				set label _i sprintf("%d", alert_num[_i]) at first (_x0 + _x1) / 2.0, graph 1 \
				    center offset 0, -0.9 - 1.3 * (alert_row[_i] - 1) \
				    tc rgb "#c00000" font ",9" boxed front
			}
		}
	}
	# A row's time starts its interval: the shaded box spans [t, t + interval),
	# the seconds the alert's start and end times describe.
	# The threshold is a function plot rather than an arrow so that autoscaling
	# keeps it in view when the data stays below it.  "for [_s = 1:(t > 0)]"
	# runs the clause once when there is a threshold, never otherwise.
	plot \
	  for [_s = 1:(t > 0 && _over_any[d + 1])] datafile using ($1 + tzoffset + interval / 2.0):(over(d)) \
	      axes x1y2 with boxes lc rgb "#c00000" title "seconds over the limit", \
	  for [_s = 1:(_alerts > 0)] NaN with boxes fc rgb "#c00000" fs solid 0.45 noborder \
	      title "alerts, numbered as in the report", \
	  for [_s = 1:(t > 0)] yof(t, d) with lines dt 2 lw 1.5 lc rgb "#c00000" \
	      title sprintf("threshold %s", thr_text(d)), \
	  for [k = 1:nseries] datafile using ($1 + tzoffset):(yval(2*k + d, d)) \
	      with lines lw 1.5 lc rgb colour(k) title series_title[k], \
	  for [k = 1:nseries * _few] datafile using ($1 + tzoffset):(yval(2*k + d, d)) \
	      with points pt 7 ps 0.6 lc rgb colour(k) notitle
}
unset multiplot
