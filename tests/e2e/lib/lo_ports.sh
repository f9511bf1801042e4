# The ports that end-to-end tests capture on the host's loopback, one block per test, in one place.
# A capture on lo counts every packet to or from its ports, whichever process sent it, and ctest
# runs tests side by side: two tests whose ports meet count each other's traffic (live_status_test
# once reported 45 packets against the 20 it sent). So the blocks never overlap, and all sit below
# Linux's ephemeral range (32768-60999 by default), where the kernel picks the source ports of
# every client socket and lib/free_port.py the ports of test servers.
#
#   20000-20999  live_status_test      random in its block (a port left in TIME_WAIT or held by a
#   21000-21999  live_user_test        killed run of the same test is unlikely to be picked again)
#   22000-22999  live_outputs_test
#   25060-25061  live_loopback_test    fixed (PORT_BASE), documented in the test
#   25160-25161  live_loopback_tcp_test
#   26060-26061  live_cli_test, and live_threads_test inside its own network namespace
#
# Tests in their own network namespace have their own loopback, and need no block here.

# lo_port TEST: a port in TEST's block of 1 000.
lo_port() {
  local base
  case $1 in
    live_status_test) base=20000 ;;
    live_user_test) base=21000 ;;
    live_outputs_test) base=22000 ;;
    *) echo "lo_port: no loopback port block for '$1' (tests/e2e/lib/lo_ports.sh)" >&2; return 1 ;;
  esac
  echo $((base + RANDOM % 1000))
}
