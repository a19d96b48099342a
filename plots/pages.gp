# plots/pages.gp - pointer-chase latency by page size (bench/pages/run.sh
# writes pages.dat: "where size" label, ns/load with 4K, 2M and 1G pages).
# gnuplot -e "dat='...'; out='plots/pages'" plots/pages.gp
set terminal svg size 860,420 font "sans,12"
set output out.'.svg'
set title "Random pointer chase, one load per 64-byte line (medians)"
set xlabel "where, buffer size (TCG: QEMU -cpu max; vmm: nested KVM)"
set ylabel "ns per load"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set yrange [0:*]
set grid ytics
set key top left
plot dat using 2:xtic(1) title "4 KiB pages" lc rgb "#d8743b", \
     '' using 3 title "2 MiB pages" lc rgb "#3b7dd8", \
     '' using 4 title "1 GiB pages" lc rgb "#3bb273"
set terminal pngcairo size 860,420 font "sans,11"
set output out.'.png'
replot
