# clang-format over every C/C++ source the project owns (src, tests, fuzz, bench, bpf):
#   cmake --build build --target format-check   # fails and lists the files that differ
#   cmake --build build --target format         # rewrites them in place
find_program(SIPMON_CLANG_FORMAT NAMES clang-format-14 clang-format)
if(SIPMON_CLANG_FORMAT)
  add_custom_target(format-check
    COMMAND ${CMAKE_COMMAND} -DCLANG_FORMAT=${SIPMON_CLANG_FORMAT} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DMODE=check
            -P ${PROJECT_SOURCE_DIR}/cmake/run_clang_format.cmake
    COMMENT "Checking the format of the sources (clang-format)"
    VERBATIM)
  add_custom_target(format
    COMMAND ${CMAKE_COMMAND} -DCLANG_FORMAT=${SIPMON_CLANG_FORMAT} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DMODE=fix
            -P ${PROJECT_SOURCE_DIR}/cmake/run_clang_format.cmake
    COMMENT "Formatting the sources (clang-format)"
    VERBATIM)
endif()
