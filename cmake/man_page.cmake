# cmake -DSIPMON=<binary> -DHELP2MAN=<help2man> -DOUT=<path/sipmon.1> -P man_page.cmake
# Writes OUT.gz: help2man's page from `sipmon --help` and `--version`, with each command's own
# --help as a section of its own, so the page says exactly what the binary says.
set(include_file ${OUT}.include)
file(WRITE ${include_file} "")
foreach(command replay live check)
  execute_process(COMMAND ${SIPMON} ${command} --help OUTPUT_VARIABLE help RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "sipmon ${command} --help failed (${status})")
  endif()
  # roff: a backslash is \e; a line starting with '.' or '\'' would be a request.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(TOUPPER ${command} title)
  file(APPEND ${include_file} "[${title} COMMAND]\n.nf\n${help}.fi\n\n")
endforeach()
execute_process(
  COMMAND ${HELP2MAN} --no-info --section=1 --name=SIP\ traffic\ analyzer --include=${include_file} --output=${OUT} ${SIPMON}
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "help2man failed (${status})")
endif()
# -n: no name or time stamp in the gzip header, so the page is the same on every build.
execute_process(COMMAND gzip -9nf ${OUT} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "gzip ${OUT} failed")
endif()
