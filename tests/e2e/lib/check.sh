# Shared by the bash end-to-end tests: a pass/fail tally that ends with the plain
# `P passed, F failed` line. Source it after setting WORK (a scratch directory): on a failure the
# first lines of $WORK/out and $WORK/err, left there by the command under test, are shown.
passed=0
failed=0

# check DESCRIPTION COMMAND...: runs COMMAND; counts a pass when it succeeds.
check() {
  local description=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $description"
  else
    failed=$((failed + 1))
    echo "FAIL: $description${RC:+ (exit $RC)}"
    [[ -s $WORK/out ]] && sed 's/^/    stdout: /' "$WORK/out" | head -8
    [[ -s $WORK/err ]] && sed 's/^/    stderr: /' "$WORK/err" | head -5
  fi
  return 0
}

# finish: prints the tally and exits 1 if anything failed.
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  exit $?
}
