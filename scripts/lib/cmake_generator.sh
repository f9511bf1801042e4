# Sourced, not run. cmake_generator DIR: the generator options for configuring the build tree DIR.
# Ninja for a new tree (scripts/build.sh says why: ~25 % less CPU for a fresh build on 2 cores);
# nothing for a tree configured before, which keeps its generator (CMake refuses to switch one),
# or when ninja is not installed (scripts/setup.sh installs it). Fills the array `generator`.
cmake_generator() {
  generator=()
  [[ -f $1/CMakeCache.txt ]] || ! command -v ninja >/dev/null || generator=(-G Ninja)
}
