# Compile settings shared by every target of ours: warnings are errors, and the
# sanitizer build instruments everything it links.

set(FCD_WARNINGS -Wall -Wextra -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 pairs Asio's coroutine frame operator new/delete wrongly once it
  # inlines them (a false positive; the frame's own operator delete is used).
  list(APPEND FCD_WARNINGS $<$<COMPILE_LANGUAGE:CXX>:-Wno-mismatched-new-delete>)
endif()
if(FCD_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC documents that -fsanitize=address makes -Wmaybe-uninitialized report
  # false positives (seen in libstdc++'s <regex> and <functional>).
  list(APPEND FCD_WARNINGS -Wno-maybe-uninitialized)
endif()

if(FCD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# fcd_library(NAME SOURCES... [DEPS ...]) — one static library per module folder.
# Headers are included as "module/header.hpp" from daemon/.
function(fcd_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(fcd_${name} STATIC ${ARG_SOURCES})
  target_include_directories(fcd_${name} PUBLIC ${PROJECT_SOURCE_DIR}/daemon ${PROJECT_BINARY_DIR}/daemon)
  target_compile_options(fcd_${name} PRIVATE ${FCD_WARNINGS})
  target_link_libraries(fcd_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# fcd_test(NAME SOURCES... DEPS ...) — a GoogleTest executable registered with ctest.
function(fcd_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${FCD_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    FCD_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    FCD_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
