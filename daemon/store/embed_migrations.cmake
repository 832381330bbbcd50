cmake_minimum_required(VERSION 3.25)
# Run at build time (cmake -P): turns every sql/NNNN_name.sql into an entry of
# a generated C++ table, so the installed daemon carries its migrations.
#   -DSQL_DIR=<dir with the .sql files> -DOUTPUT=<generated .cpp>
file(GLOB files "${SQL_DIR}/*.sql")
list(SORT files)
set(body "")
set(seen "")
foreach(file IN LISTS files)
  get_filename_component(name "${file}" NAME_WE)
  if(NOT name MATCHES "^([0-9][0-9][0-9][0-9])_[a-z0-9_]+$")
    message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${file}")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  if(version IN_LIST seen)
    message(FATAL_ERROR "two migrations with version ${version}: ${file}")
  endif()
  list(APPEND seen ${version})
  file(READ "${file}" sql)
  string(FIND "${sql}" ")fcdsql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw string delimiter )fcdsql\"")
  endif()
  string(APPEND body "    {${version}, \"${name}\", R\"fcdsql(${sql})fcdsql\"},\n")
endforeach()
set(content "// Generated from sql/*.sql by daemon/store/embed_migrations.cmake. Do not edit.
#include \"store/migrations.hpp\"

namespace fcd::store {

const std::vector<Migration>& embedded_migrations() {
  static const std::vector<Migration> kMigrations{
${body}  };
  return kMigrations;
}

}  // namespace fcd::store
")
# Only rewrite on change, so an unchanged build does not recompile.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
