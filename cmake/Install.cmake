# Installs the library, its headers, the CLI, the default model, a CMake package (find_package(scrawl),
# target scrawl::scrawl) and a pkg-config file (scrawl.pc).
include(CMakePackageConfigHelpers)

install(TARGETS scrawl_lib ${SCRAWL_MODULE_TARGETS} EXPORT scrawlTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS scrawl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS scrawl_imgcodecs scrawl_matio scrawl_poppler LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/scrawl)
# Headers as consumers include them: <scrawl/scrawl.h>, <scrawl/MODULE/NAME.h>.
install(FILES src/scrawl.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/scrawl)
foreach(m ${SCRAWL_MODULES})
  install(DIRECTORY src/${m}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/scrawl/${m} FILES_MATCHING PATTERN "*.h")
endforeach()
install(FILES models/default.scrawl models/line.scrawl models/small.scrawl models/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/scrawl/models OPTIONAL)

install(EXPORT scrawlTargets NAMESPACE scrawl:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/scrawl)
configure_package_config_file(cmake/scrawlConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/scrawlConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/scrawl)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/scrawlConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/scrawlConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/scrawlConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/scrawl)

set(SCRAWL_PC_LIBS "")
foreach(m ${SCRAWL_MODULES})
  set(SCRAWL_PC_LIBS "-lscrawl_${m} ${SCRAWL_PC_LIBS}")
endforeach()
configure_file(cmake/scrawl.pc.in ${CMAKE_CURRENT_BINARY_DIR}/scrawl.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/scrawl.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
