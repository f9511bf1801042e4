#!/bin/sh
# Run by scripts/package-test.sh inside the fresh Debian 12 root (chroot): installs the package
# with apt like a user would, then runs what it installed.
#   package_in_root.sh DEB SAMPLE PORT
# Leaves /root/report.json (replay of samples/SAMPLE.pcap) and /root/metrics.txt (a scrape of
# `sipmon live --listen`) for the caller to check against the repository.
set -eu
deb=$1 sample=$2 port=$3
export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
# No service may start inside the root.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
apt-get update -qq
apt-get install -y -qq "/root/$deb" >/root/apt.log 2>&1 || { cat /root/apt.log; exit 1; }
echo "-- installed: $(dpkg-query -W -f '${Package} ${Version}' sipmon)"
echo "-- sipmon --version: $(sipmon --version)"
cd /root
sipmon replay "samples/$sample.pcap" --json >/root/report.json
echo "-- man page: $(ls /usr/share/man/man1/sipmon.1.gz)"
man_lines=$(zcat /usr/share/man/man1/sipmon.1.gz | grep -c '^\.SH')
echo "-- man page sections: $man_lines"
echo "-- systemd-analyze verify /lib/systemd/system/sipmon.service"
systemd-analyze verify /lib/systemd/system/sipmon.service >/root/verify.log 2>&1 || true
cat /root/verify.log
if [ -s /root/verify.log ]; then
  echo "FAIL: systemd-analyze verify complained"
  exit 1
fi
apt-get install -y -qq curl >/root/apt-curl.log 2>&1  # the test's own tool, after sipmon's checks
sipmon live -i lo --source pcap --listen "127.0.0.1:$port" --duration 5s >/root/live.out 2>/root/live.err &
i=0
until grep -q "capturing on" /root/live.err 2>/dev/null || [ $i -ge 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" >/root/metrics.txt || { cat /root/live.err; exit 1; }
wait
echo "-- /metrics: $(grep -c '^sipmon_' /root/metrics.txt) sipmon samples"
