# Writes OUTPUT, a C++ header defining `inline constexpr std::string_view NAME` for each
# NAME=FILE pair in ASSETS (comma-separated), so that a file of the source tree (the HTML report's CSS
# and script) is compiled into the binary: the page sipmon writes needs nothing at run time.
# Run as `cmake -DOUTPUT=... -DASSETS=... -P embed_text.cmake` by a custom command.
set(text "#pragma once\n// Generated from src/outputs/html/ by cmake/embed_text.cmake: do not edit.\n#include <string_view>\n\nnamespace sipmon {\n")
string(REPLACE "," ";" assets "${ASSETS}")
foreach(asset ${assets})
  string(REPLACE "=" ";" parts "${asset}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  file(READ "${file}" content)
  string(FIND "${content}" ")sipmon_asset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw string's delimiter")
  endif()
  string(APPEND text "inline constexpr std::string_view ${name} = R\"sipmon_asset(${content})sipmon_asset\";\n")
endforeach()
string(APPEND text "}  // namespace sipmon\n")
file(WRITE "${OUTPUT}.tmp" "${text}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
