# plots/heap-guest.gp - kernel heap throughput by CPU count (bench/heap/guest.sh
# writes heap-guest.dat: "where, CPUs" label, Mops/s).
# gnuplot -e "dat='...'; out='plots/heap-guest'" plots/heap-guest.gp
set terminal svg size 760,400 font "sans,12"
set output out.'.svg'
set title "Kernel heap: kmalloc+kfree per second (1 in 8 freed by another CPU)"
set ylabel "million operations / s"
set style data histograms
set style fill solid 0.8 border -1
set yrange [0:*]
set grid ytics
set key off
plot dat using 2:xtic(1) lc rgb "#3b7dd8"
set terminal pngcairo size 760,400 font "sans,11"
set output out.'.png'
replot
