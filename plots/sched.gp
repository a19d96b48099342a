# plots/sched.gp - the sched suite (bench/sched/run.sh writes host.dat and
# wake.dat into dir): left, perfkern's scheduler against fcontext, ucontext
# and pthreads on the host (log scale); right, waking a task on a halted
# CPU against the raw IPI round trip, in the guest.
# gnuplot -e "dir='...'; out='plots/sched'" plots/sched.gp
set terminal svg size 1100,440 font "sans,12"
set output out.'.svg'
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set multiplot layout 1,2
set title "Host: ns per operation (median, lower is better)"
set logscale y
set ylabel "ns (log scale)"
set key top left
plot dir.'/host.dat' using 2:xtic(1) title "perfkern" lc rgb "#3b7dd8", \
     '' using 3 title "Boost fcontext" lc rgb "#3bb273", \
     '' using 4 title "ucontext" lc rgb "#d8743b", \
     '' using 5 title "pthreads" lc rgb "#888888"
unset logscale y
set yrange [0:*]
set title "Guest: wake a task on a halted CPU vs raw IPI round trip"
set ylabel "ns"
plot dir.'/wake.dat' using 2:xtic(1) title "task wake (channel send)" lc rgb "#3b7dd8", \
     '' using 3 title "raw IPI" lc rgb "#888888"
unset multiplot
set terminal pngcairo size 1100,440 font "sans,11"
set output out.'.png'
set multiplot layout 1,2
set title "Host: ns per operation (median, lower is better)"
set logscale y
set ylabel "ns (log scale)"
set yrange [*:*]
plot dir.'/host.dat' using 2:xtic(1) title "perfkern" lc rgb "#3b7dd8", \
     '' using 3 title "Boost fcontext" lc rgb "#3bb273", \
     '' using 4 title "ucontext" lc rgb "#d8743b", \
     '' using 5 title "pthreads" lc rgb "#888888"
unset logscale y
set yrange [0:*]
set title "Guest: wake a task on a halted CPU vs raw IPI round trip"
set ylabel "ns"
plot dir.'/wake.dat' using 2:xtic(1) title "task wake (channel send)" lc rgb "#3b7dd8", \
     '' using 3 title "raw IPI" lc rgb "#888888"
unset multiplot
