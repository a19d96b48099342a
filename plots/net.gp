# plots/net.gp - the net suite: run=kv / run=http on the vmm vs redis-server /
# nginx in a Linux guest, same vCPUs, memory and user-mode network
# (bench/net/run.sh writes net.dat: one row per client case and leg, the
# vmm / Linux ratio of the median requests/s and of the median p99).
# Above 1 = the vmm serves more; below 1 = its p99 is lower.
# gnuplot -e "dat='...'; out='plots/net'" plots/net.gp
set terminal svg size 900,480 font "sans,12" noenhanced
set output out.'.svg'
set title "perfkern (vmm) vs a Linux guest (QEMU), medians: vmm / Linux"
set ylabel "vmm / Linux (log scale)"
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set xtics rotate by -25 left
set bmargin 7
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead lt -1
plot dat using 2:xtic(1) title "requests/s" lc rgb "#3b7dd8", \
     '' using 3 title "p99 latency" lc rgb "#d8763b"
set terminal pngcairo size 900,480 font "sans,11" noenhanced
set output out.'.png'
replot
