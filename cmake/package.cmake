# The Debian package: `cpack --config build/CPackConfig.cmake -G DEB` (scripts/package-test.sh
# builds it, installs it on a bare Debian 12 and runs it). Library dependencies come from
# dpkg-shlibdeps on the binary; what it cannot see is declared here.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sipmon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sipmon developers <sipmon@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SIP traffic analyzer: replay of captures, live eBPF capture, Prometheus")
set(CPACK_PACKAGE_DESCRIPTION "sipmon counts SIP traffic by method and status code, tracks transactions and \
dialogs and computes the RFC 6076 metrics, from pcap/pcapng recordings (sipmon replay, sipmon check) \
or live from network interfaces through an eBPF socket filter or libpcap (sipmon live), with a JSON \
report and Prometheus /metrics.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sipmon_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Invisible to dpkg-shlibdeps: libcurl, loaded only when --push is given (src/outputs/libcurl_api.h),
# which needs the CA certificates to push to an https:// gateway;
# the systemd unit needs systemd; setcap (docs/live.md) is in libcap2-bin; the Prometheus files in
# /usr/share/sipmon are for a Prometheus server and Grafana, usually on another host.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4 (>= 7.84.0)")  # dpkg-shlibdeps' list is added to it
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates, systemd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libcap2-bin, prometheus, prometheus-pushgateway")
# Tell systemd about the unit on install and removal; it is not enabled: the interface to watch
# must be set first (docs/live.md, "Running as a service").
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
