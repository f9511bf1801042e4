# cmake -DCLANG_FORMAT=... -DSOURCE_DIR=... -DMODE=check|fix -P run_clang_format.cmake
file(GLOB_RECURSE files
  ${SOURCE_DIR}/src/*.cpp ${SOURCE_DIR}/src/*.h
  ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.h
  ${SOURCE_DIR}/fuzz/*.cpp ${SOURCE_DIR}/fuzz/*.h
  ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.h
  ${SOURCE_DIR}/bpf/*.c ${SOURCE_DIR}/bpf/*.h)
if(MODE STREQUAL "fix")
  execute_process(COMMAND ${CLANG_FORMAT} -i --style=file ${files} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "clang-format failed")
  endif()
  return()
endif()
set(unformatted "")
foreach(file ${files})
  execute_process(COMMAND ${CLANG_FORMAT} --style=file --dry-run --Werror ${file}
                  RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET)
  if(NOT status EQUAL 0)
    file(RELATIVE_PATH relative ${SOURCE_DIR} ${file})
    list(APPEND unformatted ${relative})
  endif()
endforeach()
if(unformatted)
  list(LENGTH unformatted count)
  list(JOIN unformatted "\n  " listing)
  message(FATAL_ERROR "${count} file(s) differ from .clang-format (cmake --build <dir> --target format):\n  ${listing}")
endif()
message(STATUS "every source matches .clang-format")
