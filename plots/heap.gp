# plots/heap.gp - allocator throughput relative to mimalloc, same run
# (bench/heap/run.sh writes heap.dat: every bench's ops/s, then the peak
# RSS of the benches that keep memory, inverted: higher is better).
# gnuplot -e "dat='...'; out='plots/heap'" plots/heap.gp
set terminal svg size 1500,460 font "sans,12" noenhanced
set output out.'.svg'
set title "Heap benchmarks: ops/s relative to mimalloc (medians, LD_PRELOAD, same run)"
set ylabel "relative to mimalloc (higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set xtics rotate by -35
set grid ytics
set key top right horizontal
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#444444"
plot dat using 2:xtic(1) title columnheader(2) lc rgb "#999999", \
     '' using 3 title columnheader(3) lc rgb "#d83b3b", \
     '' using 4 title columnheader(4) lc rgb "#3b7dd8", \
     '' using 5 title columnheader(5) lc rgb "#3bd87d", \
     '' using 6 title columnheader(6) lc rgb "#d8a53b"
set terminal pngcairo size 1500,460 font "sans,11" noenhanced
set output out.'.png'
replot
