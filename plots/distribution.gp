# distribution.gp	how often each rate occurs: CDF of per-second send/receive rates.
#
# What it draws: two panels, send (left) and receive (right); each is the
# cumulative distribution of the per-second rates, that is for a rate x the
# fraction of seconds whose rate was at most x, on a log rate axis (rates of a
# database span several decades).  Dashed vertical lines mark p50, p95 and p99
# with their values, so "95 % of seconds stayed under 3 MiB/s" reads directly
# off the chart.
#
# USAGE: gnuplot -e 'datafile="charts/distribution.dat"' distribution.gp
#        gnuplot -e 'datafile="x.dat"; term="svg"; outfile="x.svg"' distribution.gp
#        (paths are relative to where gnuplot runs; the default data file is
#        distribution.dat and the output distribution.png in the current directory)
#
# Data file (distribution.dat): two data blocks separated by two blank lines,
# block 0 send and block 1 receive; each row is
#   column 1   a rate in bytes per second, ascending
#   column 2   fraction of seconds at or below that rate, 0..1
# dbnetio-report --plot DIR writes a copy with the settings block filled in.

# ---------------------------------------------------------------- settings
if (!exists("datafile"))   datafile = "distribution.dat"
if (!exists("outfile"))    outfile = ""      # "" = distribution.<term>
if (!exists("term"))       term = "png"      # png (pngcairo) or svg
if (!exists("width"))      width = 1200
if (!exists("height"))     height = 480
if (!exists("title"))      title = "dbnetio: distribution of per-second rates"
if (!exists("subject"))    subject = "all traced processes summed"
if (!exists("logx"))       logx = -1         # rate axis: -1 chosen from the data, 0 linear, 1 log
if (!exists("send_p50"))   send_p50 = -1     # bytes/s, -1 = not marked
if (!exists("send_p95"))   send_p95 = -1
if (!exists("send_p99"))   send_p99 = -1
if (!exists("recv_p50"))   recv_p50 = -1
if (!exists("recv_p95"))   recv_p95 = -1
if (!exists("recv_p99"))   recv_p99 = -1
if (!exists("send_xfloor")) send_xfloor = -1  # bytes/s where a log axis starts;
if (!exists("recv_xfloor")) recv_xfloor = -1  # -1: the smallest positive rate
# dist_tic_n[2], dist_tic_pos[], dist_tic_label[]: the log axes' tics,
# send's then recv's, from dbnetio-report; by hand, 1-2-5 or 1-10-100 steps

# ------------------------------------------------------------- utilities
if (strlen(outfile) == 0) { outfile = "distribution." . term }

# A rate as the tables print it (three significant digits, "1.40 MiB/s"):
# dbnetio-report gives its own text of each value it writes; this is for
# the others and by hand.
_sig3(x) = x < 10 ? sprintf("%.2f", x) : x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x)
human(v) = v >= 1099511627776 ? _sig3(v / 1099511627776.0) . " TiB/s" : \
           v >= 1073741824 ? _sig3(v / 1073741824.0) . " GiB/s" : \
           v >= 1048576 ? _sig3(v / 1048576.0) . " MiB/s" : \
           v >= 1024 ? _sig3(v / 1024.0) . " KiB/s" : sprintf("%.0f B/s", v)
# Each panel chooses its rate axis from its data: log when the rates span more
# than a factor of 20 (a database's quiet and busy seconds are decades
# apart), else linear in the binary unit of the largest rate.  A log axis
# starts at a floor (dbnetio-report gives the 1st percentile of the positive
# rates, down to a tic; by hand, the smallest positive rate): zeros and
# anything lower are drawn on it, so one silent second does not stretch the
# axis down to 1 B/s, far from where the data are.
array _units[5] = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"]
array _log[2]
array _scale[2]
array _xunit[2]
array _tics[2]
array _xlo[2]
array _xhi[2]
array _floor[2]
_ub(v) = 1024.0 ** floor(log(v) / log(1024) + 1e-9)
tic_below(v) = v >= 100 * _ub(v) ? 100 * _ub(v) : v >= 10 * _ub(v) ? 10 * _ub(v) : _ub(v)
do for [d = 0:1] {
	stats datafile index d using 1 nooutput
	_hi = STATS_max
	_xlo[d + 1] = STATS_min
	# the smallest positive rate (1e300 stands for "none": no warning)
	stats datafile index d using ($1 > 0 ? $1 : 1e300) nooutput
	_lo = STATS_min < 1e300 ? STATS_min : 1
	_fl = d == 0 ? send_xfloor : recv_xfloor
	_floor[d + 1] = _fl > 0 ? _fl : tic_below(_lo)
	_xhi[d + 1] = _hi
	# log tics by hand: 1-2-5 steps over a narrow range, 1-10-100 over a
	# few decades, only the binary units over many (labels must not collide)
	_dec = log10(_hi / _floor[d + 1] + 1)
	_tics[d + 1] = _dec <= 2.5 ? "1 2 5 10 20 50 100 200 500" : _dec <= 6 ? "1 10 100" : "1"
	_log[d + 1] = logx >= 0 ? logx : (_hi > 20 * _floor[d + 1] ? 1 : 0)
	_u = _hi < 1024 ? 0 : floor(log(_hi) / log(1024))
	_u = _u > 4 ? 4 : _u
	_scale[d + 1] = 1024.0 ** _u
	_xunit[d + 1] = _units[_u + 1]
}

# On a log axis rates are drawn at the floor at least (log 0 is undefined,
# and a silent second should sit at the left edge, not vanish).  A linear
# axis is scaled to its unit.
xval(v, d) = _log[d + 1] ? (v < _floor[d + 1] ? _floor[d + 1] : v) : v / _scale[d + 1]

# -------------------------------------------------------------- terminal
set encoding utf8
if (term eq "svg") {
	set terminal svg size width, height dynamic enhanced font "sans,11" background "white"
} else {
	set terminal pngcairo size width, height enhanced font "sans,10" background "white"
}
set output outfile

set autoscale xfix
set offsets graph 0.03, graph 0.03, 0, 0
set yrange [0:102]
set ytics 0, 10, 100
set format y "%.0f %%"
set grid xtics ytics lc rgb "#dddddd" lt 1
set border 3
set tics nomirror
set key bottom right noenhanced
set ylabel "seconds at or below (%)"

array _name[2] = ["sent by the server (send)", "received by the server (recv)"]
array _colour[2] = ["#0072b2", "#d55e00"]
array _p[6] = [send_p50, send_p95, send_p99, recv_p50, recv_p95, recv_p99]
# their text: dbnetio-report's (send_p50_text, ...), as its tables print them
array _ptext[6]
do for [_i = 1:6] { _ptext[_i] = human(_p[_i]) }
if (exists("send_p50_text")) { _ptext[1] = send_p50_text; _ptext[2] = send_p95_text; _ptext[3] = send_p99_text }
if (exists("recv_p50_text")) { _ptext[4] = recv_p50_text; _ptext[5] = recv_p95_text; _ptext[6] = recv_p99_text }
array _pname[3] = ["p50", "p95", "p99"]
array _pfrac[3] = [0.50, 0.95, 0.99]

set multiplot layout 1, 2 title sprintf("%s\n%s", title, subject) noenhanced font ",13"
do for [d = 0:1] {
	# The percentile values go in the panel title, where close values cannot
	# overprint each other; the chart marks where they sit on the curve.
	_t = _name[d + 1] . "\n"
	unset arrow
	unset label
	do for [q = 1:3] {
		v = _p[3 * d + q]
		if (v >= 0) {
			_t = _t . sprintf("%s%s %s", q > 1 ? "   " : "", _pname[q], _ptext[3 * d + q])
			set arrow from first xval(v, d), graph 0 to first xval(v, d), first 100 * _pfrac[q] \
			    nohead dt 2 lw 1.2 lc rgb "#555555"
			set label _pname[q] at first xval(v, d), first 100 * _pfrac[q] \
			    right offset -0.4, 0.5 font ",9" tc rgb "#333333" \
			    point pt 7 ps 0.8 lc rgb "#333333" front
		}
	}
	set title _t noenhanced
	if (_log[d + 1]) {
		set logscale x 10
		set format x ""
		set xtics ()
		_fl = _floor[d + 1]
		_first = d == 0 ? 1 : (exists("dist_tic_n") ? dist_tic_n[1] + 1 : 1)
		if (exists("dist_tic_n") && dist_tic_n[d + 1] > 0) {
			do for [_i = _first:_first + dist_tic_n[d + 1] - 1] {
				set xtics add (dist_tic_label[_i] dist_tic_pos[_i])
			}
		} else {
			do for [p = 0:4] {
				do for [m in _tics[d + 1]] {
					set xtics add (sprintf("%s %s", m, _units[p + 1]) (m + 0) * 1024.0 ** p)
				}
			}
		}
		set mxtics 10
		set xlabel "bytes in one second (log scale)"
		# the floor to the highest rate, 3 % of the width beyond each; one
		# distinct rate: some width around it (and no warning)
		_w = _xhi[d + 1] > _fl ? (_xhi[d + 1] / _fl) ** 0.03 : 2
		set xrange [_fl / _w : (_xhi[d + 1] > _fl ? _xhi[d + 1] : _fl) * _w]
	} else {
		unset logscale x
		set xtics autofreq
		set mxtics default
		set format x "%g"
		set xlabel sprintf("bytes in one second (%s)", _xunit[d + 1])
		if (_xhi[d + 1] > _xlo[d + 1]) { set xrange [*:*] } else { set xrange [0 : 2 * xval(_xhi[d + 1] > 0 ? _xhi[d + 1] : 1, d)] }
	}
	plot datafile index d using (xval($1, d)):(100 * $2) \
	     with steps lw 2 lc rgb _colour[d + 1] notitle
}
unset multiplot
