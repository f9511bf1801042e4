# What `cmake --install` (and the Debian package) puts where, by GNUInstallDirs:
#   bin/sipmon, the systemd unit, man1/sipmon.1.gz (help2man, from --help), the docs, and the
#   Prometheus rules and Grafana dashboard under share/sipmon/.

install(TARGETS sipmon RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The unit in deploy/ names /usr/bin/sipmon (where the package puts it); another prefix gets its
# own path written in.
set(SIPMON_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING "systemd unit directory, relative to the prefix")
file(READ ${PROJECT_SOURCE_DIR}/deploy/sipmon.service SIPMON_UNIT_TEXT)
string(REPLACE "/usr/bin/sipmon" "${CMAKE_INSTALL_FULL_BINDIR}/sipmon" SIPMON_UNIT_TEXT "${SIPMON_UNIT_TEXT}")
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/deploy/sipmon.service CONTENT "${SIPMON_UNIT_TEXT}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/sipmon.service)
install(FILES ${PROJECT_BINARY_DIR}/deploy/sipmon.service DESTINATION ${SIPMON_SYSTEMD_UNIT_DIR})

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")
install(FILES docs/prometheus/recording_rules.yml docs/prometheus/grafana-dashboard.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/sipmon)

# The man page is sipmon's own --help (and every command's), so it cannot disagree with it.
find_program(SIPMON_HELP2MAN help2man)
if(SIPMON_HELP2MAN)
  set(SIPMON_MAN ${PROJECT_BINARY_DIR}/man/sipmon.1)
  add_custom_command(
    OUTPUT ${SIPMON_MAN}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -DSIPMON=$<TARGET_FILE:sipmon> -DHELP2MAN=${SIPMON_HELP2MAN} -DOUT=${SIPMON_MAN}
            -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    DEPENDS sipmon ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Generating the man page from sipmon --help (help2man)"
    VERBATIM)
  add_custom_target(sipmon_man ALL DEPENDS ${SIPMON_MAN}.gz)
  install(FILES ${SIPMON_MAN}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found (scripts/setup.sh installs it): no man page will be installed")
endif()
