# Install rules: headers, both libraries, a CMake package (targets
# mempool::mempool, mempool::static and, with the plugin runtime,
# mempool::runtime) and pkg-config files (mempool.pc, mempool-runtime.pc).
include(CMakePackageConfigHelpers)

set(MEMPOOL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mempool)

# Every header under include/mempool, folders included: the C and C++ APIs,
# the plugin SDK, libxbgp's pool API (xbgp_mempool.h) and the xBGP plugin
# API that xBGP plugins include (xbgp_compliant_api/).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mempool
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS mempool_shared mempool_static
        EXPORT mempoolTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mempoolTargets NAMESPACE mempool:: DESTINATION ${MEMPOOL_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mempoolConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mempoolConfig.cmake
  INSTALL_DESTINATION ${MEMPOOL_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mempoolConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mempoolConfig.cmake
              ${PROJECT_BINARY_DIR}/mempoolConfigVersion.cmake
        DESTINATION ${MEMPOOL_CMAKE_DIR})

file(RELATIVE_PATH MEMPOOL_PC_TO_PREFIX
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/mempool.pc.in ${PROJECT_BINARY_DIR}/mempool.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/mempool.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The plugin runtime, its CMake function for building plugins, the shipped
# plugins with their manifest, and the tools.
if(TARGET mempool_runtime)
  install(TARGETS mempool_runtime EXPORT mempoolRuntimeTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT mempoolRuntimeTargets NAMESPACE mempool:: DESTINATION ${MEMPOOL_CMAKE_DIR})
  install(FILES ${PROJECT_SOURCE_DIR}/cmake/MempoolBpf.cmake DESTINATION ${MEMPOOL_CMAKE_DIR})
  # mempool-runtime.pc beside mempool.pc: a C host links with
  # `cc host.c $(pkg-config --cflags --libs mempool-runtime)`; CMake hosts use
  # the target mempool::runtime (find_package(mempool)).
  configure_file(${PROJECT_SOURCE_DIR}/cmake/mempool-runtime.pc.in ${PROJECT_BINARY_DIR}/mempool-runtime.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/mempool-runtime.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  get_target_property(mempool_plugin_objects mempool_plugins MEMPOOL_BPF_OBJECTS)
  install(FILES ${mempool_plugin_objects} ${PROJECT_BINARY_DIR}/plugins/plugins.json
                ${PROJECT_SOURCE_DIR}/plugins/bgp_plugins.h
          DESTINATION ${CMAKE_INSTALL_DATADIR}/mempool/plugins)
endif()
if(TARGET mempool-plugin)
  install(TARGETS mempool-plugin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/mempool-plugin/bpf_conformance_plugin.sh
          DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME mempool-bpf-conformance-plugin)
endif()
