# Distribution packages from the install rules: `cpack -G DEB` (or RPM, TGZ) in a build directory.
# One package per install component, named as Debian and Fedora name such packages, so that a
# program linked against libdfu pulls in the library alone and a vendor's build machine adds the
# headers:
#   lib    libdfu0.1 / libdfu        the shared library (named by its SONAME on Debian), license
#   dev    libdfu-dev / libdfu-devel headers, libdfu.so link, static library, pkg-config, CMake
#   tools  dfuctl                    the program and what comes with it (udev rule, ...)
# The packages install under the prefix the build was configured with: configure with
# -DCMAKE_INSTALL_PREFIX=/usr for a distribution (README.md, "Packages").
set(CPACK_PACKAGE_NAME libdfu)
set(CPACK_PACKAGE_VENDOR "libdfu")
set(CPACK_PACKAGE_CONTACT "libdfu maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
# Descriptions are wrapped at 80 columns: Debian shows them as they are.
# Packages carry stripped binaries, as distributions ship them (a debug build keeps its symbols
# in the build tree).
set(CPACK_STRIP_FILES ON)
# Only our three components: a test or a sub-project must never add files to a package.
set(CPACK_COMPONENTS_ALL lib dev)
if(DFU_INSTALL_TOOLS)
  list(APPEND CPACK_COMPONENTS_ALL tools)
endif()

set(CPACK_COMPONENT_LIB_DISPLAY_NAME "libdfu shared library")
set(CPACK_COMPONENT_LIB_DESCRIPTION
  "USB DFU 1.1 and ST DfuSe firmware updates: the shared library.\n"
  "Reads bin, Intel HEX, S-record, ELF, DFU and DfuSe files; plans, writes,\n"
  "verifies and recovers updates of USB DFU devices.")
set(CPACK_COMPONENT_DEV_DISPLAY_NAME "libdfu development files")
set(CPACK_COMPONENT_DEV_DESCRIPTION
  "USB DFU 1.1 and ST DfuSe firmware updates: headers, static library,\n"
  "pkg-config file and CMake package for building programs that use libdfu.")
set(CPACK_COMPONENT_DEV_DEPENDS lib)
set(CPACK_COMPONENT_TOOLS_DISPLAY_NAME "dfuctl")
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
  "USB DFU 1.1 and ST DfuSe firmware updater for the command line.\n"
  "Flashes, verifies, reads and erases STM32 system bootloaders and other DFU\n"
  "devices, from bin, Intel HEX, S-record, ELF, DFU and DfuSe files, and\n"
  "recovers interrupted updates.")
set(CPACK_COMPONENT_TOOLS_DEPENDS lib)

# Debian: component dependencies become "Depends: libdfu0.1 (= VERSION)"; dpkg-shlibdeps adds
# what the binaries link (libusb, zlib, libc) with the versions they need.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION embedded)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/libdfu)
set(CPACK_DEBIAN_LIB_PACKAGE_NAME libdfu${DFU_SOVERSION})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
# dpkg runs ldconfig after installing or removing a shared library only when its package asks.
configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/lib-triggers ${PROJECT_BINARY_DIR}/deb-lib/triggers
  COPYONLY)
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/deb-lib/triggers)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libdfu-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libusb-1.0-0-dev, zlib1g-dev")
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME dfuctl)

# Fedora and friends.
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE MIT)
set(CPACK_RPM_LIB_PACKAGE_NAME libdfu)
set(CPACK_RPM_DEV_PACKAGE_NAME libdfu-devel)
set(CPACK_RPM_TOOLS_PACKAGE_NAME dfuctl)
set(CPACK_RPM_DEV_PACKAGE_REQUIRES "libdfu = ${PROJECT_VERSION}, libusb1-devel, zlib-devel")
set(CPACK_RPM_TOOLS_PACKAGE_REQUIRES "libdfu = ${PROJECT_VERSION}")
# Directories the system owns (the filesystem package, udev, pkgconf) must not be claimed.
# rpm already leaves out /usr and its usual subdirectories, but not another prefix's.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
  ${CMAKE_INSTALL_PREFIX} ${CMAKE_INSTALL_PREFIX}/lib ${CMAKE_INSTALL_FULL_BINDIR}
  ${CMAKE_INSTALL_FULL_INCLUDEDIR} ${CMAKE_INSTALL_FULL_LIBDIR} ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig
  ${CMAKE_INSTALL_FULL_LIBDIR}/cmake ${CMAKE_INSTALL_FULL_DATADIR} ${CMAKE_INSTALL_FULL_DATADIR}/doc
  ${CMAKE_INSTALL_FULL_MANDIR} ${CMAKE_INSTALL_FULL_MANDIR}/man1
  ${CMAKE_INSTALL_FULL_DATADIR}/bash-completion ${CMAKE_INSTALL_FULL_DATADIR}/bash-completion/completions
  ${CMAKE_INSTALL_PREFIX}/lib/udev ${CMAKE_INSTALL_PREFIX}/lib/udev/rules.d)

include(CPack)
