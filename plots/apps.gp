# plots/apps.gp - the apps suite: vmm / native time per op of the same static
# program in one nested-KVM L1 (bench/apps/run.sh writes apps.dat: one row
# per measurement, one column per libc). 1.0 = as fast as Linux.
# gnuplot -e "dat='...'; out='plots/apps'" plots/apps.gp
set terminal svg size 860,460 font "sans,12" noenhanced
set output out.'.svg'
set title "Static programs under the vmm vs natively (nested KVM, medians): time per op, vmm / native"
set ylabel "vmm / native (log scale; below 1 = faster)"
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set xtics rotate by -25 left
set bmargin 6
set key top left
set arrow from graph 0, first 1 to graph 1, first 1 nohead lt -1
plot dat using 2:xtic(1) title "glibc" lc rgb "#3b7dd8", \
     '' using 3 title "musl" lc rgb "#d8763b"
set terminal pngcairo size 860,460 font "sans,11" noenhanced
set output out.'.png'
replot
