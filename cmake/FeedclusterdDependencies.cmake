# Every external dependency is found here, once, so a module's CMakeLists only
# names imported targets. All come from Debian 12 packages (scripts/install-deps).

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(CURL REQUIRED)
find_package(LibXml2 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)

# Debian ships libstemmer, xxhash and cld2 without CMake or pkg-config files.
find_library(STEMMER_LIBRARY stemmer REQUIRED)
find_path(STEMMER_INCLUDE_DIR libstemmer.h REQUIRED)
add_library(fcd::stemmer INTERFACE IMPORTED)
target_link_libraries(fcd::stemmer INTERFACE ${STEMMER_LIBRARY})
target_include_directories(fcd::stemmer INTERFACE ${STEMMER_INCLUDE_DIR})

find_library(XXHASH_LIBRARY xxhash REQUIRED)
find_path(XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
add_library(fcd::xxhash INTERFACE IMPORTED)
target_link_libraries(fcd::xxhash INTERFACE ${XXHASH_LIBRARY})
target_include_directories(fcd::xxhash INTERFACE ${XXHASH_INCLUDE_DIR})

find_library(CLD2_LIBRARY cld2 REQUIRED)
find_path(CLD2_INCLUDE_DIR cld2/public/compact_lang_det.h REQUIRED)
add_library(fcd::cld2 INTERFACE IMPORTED)
target_link_libraries(fcd::cld2 INTERFACE ${CLD2_LIBRARY})
target_include_directories(fcd::cld2 INTERFACE ${CLD2_INCLUDE_DIR})

if(FCD_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(ZLIB REQUIRED)  # tests/support: the test HTTP server gzips bodies
  include(GoogleTest)
endif()
if(FCD_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
