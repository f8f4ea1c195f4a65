# sweep.gp: the scaling sweep of bench_compare as one SVG, two panels (queue, pool),
# throughput against threads, one line per implementation.
# gnuplot -e "data='build/release/bench/sweep.dat'; output='sweep.svg'" tests/bench/sweep.gp
set terminal svg size 900,420 dynamic font "sans,12" background "white"
set output output
set multiplot layout 1,2 title "threadlab vs GLib vs textbook C (medians, higher is better)"
set logscale x 2
set xlabel "threads (producer/consumer pairs; pool workers)"
set ylabel "million operations per second"
set yrange [0:*]
set key top right
set grid
set title "unbounded queue, N producers + N consumers"
plot data using 1:($2/1e6) with linespoints lw 2 title "threadlab Queue", \
     data using 1:($3/1e6) with linespoints lw 2 title "GLib GAsyncQueue", \
     data using 1:($4/1e6) with linespoints lw 2 title "textbook list"
set title "pool with futures, N workers"
plot data using 1:($5/1e6) with linespoints lw 2 title "threadlab pool", \
     data using 1:($6/1e6) with linespoints lw 2 title "GLib GThreadPool", \
     data using 1:($7/1e6) with linespoints lw 2 title "textbook pool"
unset multiplot
