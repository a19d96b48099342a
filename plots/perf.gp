# plots/perf.gp - sampling overhead (bench/perf/run.sh writes perf.dat).
# gnuplot -e "dat='...'; out='plots/perf'" plots/perf.gp
set terminal svg size 760,420 font "sans,12" noenhanced
set output out.'.svg'
set title "Sampling overhead: run=perfcheck time vs no sampling (medians, same run)"
set ylabel "slowdown (%)"
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [*:*]
set xzeroaxis lt -1
set grid ytics
set xtics rotate by -25 left
set bmargin 6
unset key
plot dat using 0:2:xtic(1) with boxes lc rgb "#d8763b", \
     '' using 0:2:(sprintf("%+.1f%%", $2)) with labels offset 0,0.8
set terminal pngcairo size 760,420 font "sans,11" noenhanced
set output out.'.png'
replot
