# plots/boot.gp - boot-to-exit medians (bench/boot/run.sh writes boot.dat).
# gnuplot -e "dat='...'; out='plots/boot'" plots/boot.gp
set terminal svg size 720,420 font "sans,12"
set output out.'.svg'
set title "Boot to exit, 2 vCPUs, 64 MiB (nested KVM, same L1 boot, medians)"
set ylabel "median wall time (ms)"
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [0:*]
set grid ytics
unset key
plot dat using 0:2:xtic(1) with boxes lc rgb "#3b7dd8", \
     '' using 0:2:(sprintf("%.0f ms", $2)) with labels offset 0,0.8
set terminal pngcairo size 720,420 font "sans,11"
set output out.'.png'
replot
